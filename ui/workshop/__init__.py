"""The Workshop page's screens (``ui/pages/workshop.py`` picks one by the link): ``join`` (join, get a seat back,
or create), ``participant``, ``facilitator`` (control link and control screen), ``presenter`` (the projected view,
the live seats and the debrief); ``common`` holds what they share, ``gate`` the facilitator pass's endpoint.
"""
