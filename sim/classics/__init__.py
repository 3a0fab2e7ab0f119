"""Classic reference models of organisation science, run through the same registry, runner, CLI and app.

- ``march1991``: March (1991), mutual learning between individuals and an organisational code;
- ``nk_departments``: an NK firm with two departments and a CEO, after Rivkin & Siggelkow (2003);
- ``landscape``: NK performance landscapes; ``reference``: what the classic models share.
"""
