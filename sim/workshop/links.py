"""Workshop links: the query parameters of the Workshop page, validated before anything else sees them.

A link is one of:

- ``?code=ABC234``: the join page of a workshop;
- ``?code=ABC234&key=…``: the facilitator's control link (shown once; the page moves the key out of the address
  at once, so a projected address never shows it);
- ``?control=ABC234``: the facilitator's control screen (the key is held by the browser, not the address);
- ``?token=…``: a participant's own link to their seat;
- ``?show=…``: the presenter view, safe to project (it shows, it cannot control);
- no parameter: the landing page.

Any of them may also carry ``lang=da`` (the page's language): the language switch (``ui.language``) validates it,
so it is left out here.

Anything else gets one line naming the parameter and the allowed characters and lengths; the offending text is
never echoed (it could be crafted to look like a message or a link).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sim.i18n import _
from sim.workshop.access import normal_code, valid_secret
from sim.workshop.rules import WorkshopError

View = Literal["landing", "join", "control_link", "control", "player", "presenter"]
#: Parameters Streamlit itself may add to an address; they carry no workshop meaning.
IGNORED = frozenset({"embed", "embed_options"})
#: The page's language, validated by the language switch.
LANGUAGE = "lang"
ALLOWED = ("code", "key", "control", "token", "show")
MAX_VALUE = 64


@dataclass(frozen=True)
class Link:
    view: View
    code: str | None = None
    secret: str | None = None  # the key, token or presenter token the link carries


def parse(params: Mapping[str, object]) -> Link:
    """The workshop link these query parameters make, or a WorkshopError with one line saying what is wrong."""
    values: dict[str, str] = {}
    for name, value in params.items():
        if name in IGNORED or name == LANGUAGE:
            continue
        if name not in ALLOWED:
            raise WorkshopError(
                _("this link has a parameter the Workshop page does not know; allowed: {allowed}").format(
                    allowed=", ".join((*ALLOWED, LANGUAGE))
                )
            )
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        text = str(value)
        if len(text) > MAX_VALUE:
            raise WorkshopError(
                _("{name} in the link is too long (at most {most} characters): copy the link again").format(
                    name=name, most=MAX_VALUE
                )
            )
        values[name] = text
    names = set(values)
    if not names:
        return Link("landing")
    if names == {"token"}:
        return Link("player", secret=valid_secret(values["token"], "token"))
    if names == {"show"}:
        return Link("presenter", secret=valid_secret(values["show"], "show"))
    if names == {"control"}:
        return Link("control", code=normal_code(values["control"]))
    if names == {"code"}:
        return Link("join", code=normal_code(values["code"]))
    if names == {"code", "key"}:
        return Link("control_link", code=normal_code(values["code"]), secret=valid_secret(values["key"], "key"))
    raise WorkshopError(_("a workshop link carries one of: code; code and key; control; token; show"))


def join_link(base: str, code: str, lang: str) -> str:
    """The address participants join at: the workshop's code and its language."""
    return f"{base}?code={code}&lang={lang}"
