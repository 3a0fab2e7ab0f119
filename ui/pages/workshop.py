"""Workshop mode: a facilitator runs rounds; participants play the departments from their own browsers.

Links (validated by ``sim.workshop.links``): ``?code=`` to join, ``?token=`` a participant's seat, ``?show=`` the
presenter view (safe to project), ``?control=`` the facilitator's screen, ``?code=&key=`` the control link (shown
once; the key is moved out of the address at once). Each screen is a module of ``ui.workshop``; the page holds no
model logic (the store is ``sim.workshop.store``, results come from ``sim.workshop.replay``, views from
``sim.workshop.report``). User text (names) is only ever shown as plain text. The page speaks the workshop's
language (chosen by the facilitator, carried in the join link as ``lang``) until a person switches it.
"""

import streamlit as st

from sim.i18n import _
from sim.workshop.links import parse
from ui.language import language_switch
from ui.widgets import setup_page
from ui.workshop.common import guarded, shop
from ui.workshop.facilitator import control_link, facilitator, key_for
from ui.workshop.join import landing
from ui.workshop.participant import participant
from ui.workshop.presenter import presenter


def workshop_language() -> str | None:
    """The language of the workshop the link opens (participants see it until they switch); None when the link
    opens none or the join link itself says it."""
    store = shop()
    try:
        link = parse(dict(st.query_params))
        if link.view == "player" and link.secret:
            return store.state(store.seat(link.secret).code, link.secret).lang
        if link.view == "presenter" and link.secret:
            return store.presenter(link.secret).lang
        if link.view == "control_link" and link.code and link.secret:
            return store.state(link.code, link.secret).lang
        if link.view == "control" and link.code and (key := key_for(link.code)):
            return store.state(link.code, key).lang
    except Exception:
        return None
    return None


@guarded
def main() -> None:
    link = parse(dict(st.query_params))
    if link.view == "player" and link.secret:
        participant(link.secret)
    elif link.view == "presenter" and link.secret:
        presenter(link.secret)
    elif link.view == "control_link" and link.code and link.secret:
        control_link(link.code, link.secret)
    elif link.view == "control" and link.code:
        facilitator(link.code)
    else:
        landing(link.code)


language_switch(default=workshop_language())
setup_page(_("Workshop"))
main()
