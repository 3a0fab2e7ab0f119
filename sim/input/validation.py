"""Pydantic's validation errors as one line naming the field and the allowed values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim import i18n
from sim.i18n import N_, Message
from sim.input.errors import MAX_REPORTED_ERRORS, clean

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------- pydantic errors as one line


#: Pydantic's messages the app shows, by error type, as translatable templates of pydantic's own English (a
#: message whose English differs from pydantic's, e.g. after a pydantic upgrade, is shown as pydantic wrote it).
PYDANTIC_MESSAGES = {
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "literal_error": N_("Input should be {expected}"),
    "missing": N_("Field required"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "too_long": N_("{field_type} should have at most {max_length} items after validation, not {actual_length}"),
    "too_short": N_("{field_type} should have at least {min_length} items after validation, not {actual_length}"),
}
#: What pydantic calls a collection in its messages (``field_type``), translated where shown.
PYDANTIC_TYPES = {"List": N_("List"), "Dictionary": N_("Dictionary"), "Tuple": N_("Tuple"), "Set": N_("Set")}


def _problem(err: dict, table: type[BaseModel] | None, last: Any) -> str:
    """What is wrong with one field, as a Message when it can be shown in other languages."""
    kind, ctx = err["type"], err.get("ctx") or {}
    msg = clean(err["msg"].removeprefix("Value error, "))
    if kind == "extra_forbidden":
        allowed = list(table.model_fields) if table is not None else []
        return (
            Message(N_("unknown field; allowed: {allowed}"), allowed=", ".join(allowed))
            if allowed
            else Message(N_("unknown field"))
        )
    if kind == "finite_number":
        return Message(N_("must be a finite number (not nan or inf)"))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _unwrap(last)[1] or {}
        disc = ctx.get("discriminator", "tag").strip("'")
        return Message(N_("unknown or missing {field}; allowed: {allowed}"), field=disc, allowed=", ".join(tags))
    if kind == "value_error" and isinstance(getattr(ctx.get("error"), "args", [None])[0], Message):
        shown = ctx["error"].args[0]  # a validator's message made translatable (sim.scenario)
        return shown if clean(shown) == msg else msg
    if kind in PYDANTIC_MESSAGES:
        try:
            fields = {k: clean(str(_as_pydantic_writes(v))) for k, v in ctx.items()}
            if fields.get("field_type") in PYDANTIC_TYPES:
                fields["field_type"] = Message(PYDANTIC_TYPES[fields["field_type"]])
            if kind == "literal_error" and " or " in fields.get("expected", ""):  # 'a', 'b' or 'c'
                some, last = fields["expected"].rsplit(" or ", 1)
                fields["expected"] = Message(N_("{some} or {last}"), some=some, last=last)
            shown = Message(PYDANTIC_MESSAGES[kind], **fields)
        except (KeyError, IndexError, ValueError):
            return msg
        return shown if clean(shown) == msg else msg
    return msg


def _as_pydantic_writes(value: Any) -> Any:
    """A bound as pydantic writes it in a message (``1`` for ``1.0``); values stay in the file's notation."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def format_validation_error(exc: ValidationError, schema: type[BaseModel]) -> Message:
    """One readable line: for each problem (at most a few) the dotted field, what is wrong and what is allowed.

    Discriminated-union tags that pydantic puts in the location (``departments.sales.sales.alignment``) are
    dropped; an unknown field lists the fields the table at its location allows. The line is English; the app
    shows it in its language (``sim.i18n.shown``), field names and allowed values as they are."""
    lines: list = [
        Message("{field}: {problem}", field=field, problem=problem) if field else problem
        for field, problem in validation_problems(exc, schema, MAX_REPORTED_ERRORS)
    ]
    if exc.error_count() > MAX_REPORTED_ERRORS:
        lines.append(Message(N_("and {n} more problem(s)"), n=exc.error_count() - MAX_REPORTED_ERRORS))
    return i18n.joined("; ", lines)


def validation_problems(
    exc: ValidationError, schema: type[BaseModel], limit: int = MAX_REPORTED_ERRORS
) -> list[tuple[str, str]]:
    """The first ``limit`` problems of a validation error as (dotted field without union tags, what is wrong with
    the allowed values): for importers that report a problem where the user typed it (a sheet, row and column)."""
    out = []
    for err in exc.errors(include_url=False, include_input=False)[:limit]:
        loc, table, last = _walk(schema, [str(p) for p in err["loc"]])
        out.append((".".join(clean(p) for p in loc), _problem(err, table, last)))
    return out


def _walk(schema: type[BaseModel], loc: list[str]) -> tuple[list[str], type[BaseModel] | None, Any]:
    """The location without union tags, the model whose fields hold its last part (for unknown fields), and the
    annotation there."""
    out: list[str] = []
    ann: Any = schema
    owner: type[BaseModel] | None = None
    for part in loc:
        ann, tags = _unwrap(ann)
        if tags is not None and part in tags:  # a union tag, not a field
            ann = tags[part]
            continue
        out.append(part)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            owner = ann
            field = ann.model_fields.get(part)
            ann = field.annotation if field is not None else None
            if field is not None and field.discriminator:
                ann = Annotated[ann, field]
        elif get_origin(ann) is dict:
            owner, ann = None, get_args(ann)[1]
        elif get_origin(ann) in (list, tuple):
            owner, ann = None, get_args(ann)[0] if get_args(ann) else None
        else:
            owner, ann = None, None
    last, _ = _unwrap(ann)
    table = last if isinstance(last, type) and issubclass(last, BaseModel) else owner
    return out, table, ann


def _unwrap(ann: Any) -> tuple[Any, dict[str, Any] | None]:
    """An annotation without Annotated/Optional; for a discriminated union, its tag -> member model."""
    discriminator = None
    while get_origin(ann) is Annotated:
        args = get_args(ann)
        for meta in args[1:]:
            discriminator = getattr(meta, "discriminator", None) or discriminator
        ann = args[0]
    if get_origin(ann) is Union or type(ann).__name__ == "UnionType":
        members = [a for a in get_args(ann) if a is not type(None)]
        if discriminator and all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
            tags = {}
            for m in members:
                for tag in get_args(m.model_fields[discriminator].annotation):
                    tags[str(tag)] = m
            return ann, tags
        if len(members) == 1:
            return members[0], None
    return ann, None
