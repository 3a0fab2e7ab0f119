"""Text on the pages: names of options and scenarios in the page's language, and user text shown as it is
(never as Markdown).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from sim.i18n import N_, _
from sim.present.levers import option_text, preset_name


def names(options: Iterable[Any], name: Callable[[Any], str]) -> Callable[[Any], str]:
    """A ``format_func`` that shows each option by ``name(option)`` as made in this script run's language. The
    names are made now, not when Streamlit (or AppTest) formats an option later in another thread, where the
    language of this run does not hold."""
    shown = {option: name(option) for option in options}
    return lambda option: shown.get(option, str(option))


#: The reference models' choices in words; shown with the code the parameter help and the CLI use.
MODEL_OPTION_NAMES = {
    "random": N_("random"),
    "block": N_("block"),
    "full": N_("full"),
    "departmental": N_("departmental"),
    "firm": N_("firm"),
    "screen": N_("screen"),
    "rubber_stamp": N_("rubber stamp"),
}


def option_name(option) -> str:
    """A select box's choice in words: a reference model's option with its code, else a lever's choice
    (``sim.present.levers.option_text``: a metric, a department, a funding mode)."""
    if option in MODEL_OPTION_NAMES:
        return f"{_(MODEL_OPTION_NAMES[option])} ({option})" if _(MODEL_OPTION_NAMES[option]) != option else option
    return option_text(option)


#: The source label of a pasted scenario (English, as in its messages to the CLI); shown translated.
PASTED = N_("pasted scenario")


def scenario_title(label: str) -> str:
    """A scenario's label for people in the current language: a preset's title (``B2B-aktivering: ...``), "pasted
    scenario" translated, a file's or a self-assessment's own name as it is."""
    return _(PASTED) if label == PASTED else preset_name(label)


def edited_title(label: str) -> str:
    """ "edited TITLE" in the current language (``ændret B2B-aktivering: ...``), for people."""
    return _("edited {name}").format(name=scenario_title(label))


def edited_name(label: str) -> str:
    """ "edited NAME" with the code name, in English: exported files and the TOML's name keep it."""
    return f"edited {label}"


def slug(text: str) -> str:
    """A file name made from a scenario's title (an uploaded file's name without its .toml): letters, digits, dots,
    dashes and underscores only."""
    text = re.sub(r"\.toml$", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")[:80] or "scenario"


def plain(text: str) -> str:
    """Text shown as it is, not as Markdown: every character Markdown or Streamlit (``:red[...]``, ``:smile:``)
    would interpret is escaped; underscores inside names (``wip_limit``) cannot start emphasis and stay."""
    text = re.sub(r"([\\`*\[\]<>#~$|!&]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_|:(?=[A-Za-z/]))", r"\\\1", text)
    text = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", text)  # "1." would start a list
    return re.sub(r"^(\s*)([+\-=])", r"\1\\\2", text)


#: Every currency sign (Unicode's category "Sc": €, $, £, ...).
CURRENCY_SIGNS = "".join(chr(c) for c in range(0x20, 0x10000) if unicodedata.category(chr(c)) == "Sc")
#: A signed amount of money as ``sim.present.labels`` writes it (``−€19,500``, ``+€3,100``), in Markdown made by
#: ``plain`` (a line's first "+" escaped as ``\+``): a browser may break a line between the sign and the currency
#: sign, which left "Revenue: −" at the end of a phone's line and "€19,500" on the next.
SIGNED_AMOUNT = re.compile(rf"\\?[+−±][{re.escape(CURRENCY_SIGNS)}]\d[\d.,]*")


def unbroken(markdown: str) -> str:
    """Markdown (made by ``plain``) whose signed amounts of money never break across lines: each is wrapped in a
    ``white-space: nowrap`` span, so show it with ``st.markdown(..., unsafe_allow_html=True)`` (the escaping of
    ``plain`` still holds for everything else). The words people read and copy are unchanged; an invisible joiner
    would have changed them."""
    return SIGNED_AMOUNT.sub(lambda m: f'<span style="white-space: nowrap">{m.group(0)}</span>', markdown)


#: Export names of the result tables (the file names keep the code: weekly, per-period).
STEPS = {"weekly": N_("Weekly"), "per-period": N_("Per-period")}


#: The charts offered as images, by their file name's key.
CHART_NAMES = {
    "outcomes_over_time": N_("Outcomes over time"),
    "revenue_over_time": N_("Revenue over time"),
    "outputs_over_time": N_("Outputs over time"),
    "delivery_paradox": N_("The delivery paradox"),
    "team_time": N_("Where did the team's time go?"),
}


def chart_name(key: str) -> str:
    """A chart's name on the export picker, in the current language (the file keeps ``key``)."""
    return _(CHART_NAMES[key]) if key in CHART_NAMES else key.replace("_", " ")
