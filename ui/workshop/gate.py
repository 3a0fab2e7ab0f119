"""The workshop's one HTTP endpoint beside Streamlit: it turns a facilitator's one-time ticket into a facilitator
pass cookie that the page's scripts cannot read (a Streamlit page cannot set one: it has no HTTP response).

``POST {base}/_alignsim/pass`` with the ticket as its body answers ``Set-Cookie: alignsim_pass_<CODE>=…`` with
``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the browser reached the app over HTTPS (directly, or through a
proxy named in ``ALIGNSIM_TRUSTED_PROXIES`` that says so in ``X-Forwarded-Proto``), ``Path`` the app's websocket
(the one request that brings cookies to the page's script) and ``Max-Age`` the pass's life (12 hours). The route
is mounted by ``ui.gateway``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sim.workshop.access import scheme, trusted_proxies
from sim.workshop.rules import WorkshopError
from sim.workshop.store import Workshop, default_path

PASS_PATH = "/_alignsim/pass"
PASS_COOKIE = "alignsim_pass_{code}"
MAX_BODY = 64


def stream_path(base: str) -> str:
    base = base.strip("/")
    return f"/{base}/_stcore/stream" if base else "/_stcore/stream"


def grant(request: Request, store: Workshop, base: str) -> Response:
    """Answer a ticket with the pass cookie, or 403."""
    body = request.scope.get("alignsim_body", b"")
    try:
        code, granted, seconds = store.redeem(body[:MAX_BODY].decode("ascii", "replace").strip())
    except WorkshopError:
        return PlainTextResponse("refused", status_code=403)
    peer = request.client.host if request.client else None
    secure = scheme(peer, request.headers.get("x-forwarded-proto"), request.url.scheme, trusted_proxies()) == "https"
    response = PlainTextResponse("ok")
    response.set_cookie(
        PASS_COOKIE.format(code=code),
        granted,
        max_age=int(seconds),
        path=stream_path(base),
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def routes(base: str = "", path: str | None = None) -> list[Route]:
    """The gate's route for an app served under ``base`` (Streamlit's ``server.baseUrlPath``)."""
    stores: dict[str, Workshop] = {}

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        request.scope["alignsim_body"] = body
        db = str(path or default_path())
        store = stores.setdefault(db, Workshop(db))
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(grant, request, store, base)

    prefix = "/" + base.strip("/") if base.strip("/") else ""
    return [Route(prefix + PASS_PATH, endpoint, methods=["POST"])]
