"""docs/HOSTING.md's nginx configuration, run as written on loopback with a self-signed certificate, in front of the
app as ``make app`` serves it: a participant's screen over wss://, the facilitator's pass cookie Secure and
HttpOnly over HTTPS, and a forged X-Forwarded-For ignored (the rate limit sees the proxy's honest address).
Skips, saying why, where nginx or openssl is not installed: ``make test`` (its ``browser`` target) installs Debian's
nginx-light first, so CI runs it; Debian puts nginx in /usr/sbin, which a user's PATH may not hold."""

import asyncio
import re
import shutil
import sqlite3
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from sim.workshop.store import Workshop

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (`make browser` installs Debian's nginx-light)"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]


def documented_config() -> str:
    """The nginx block of docs/HOSTING.md."""
    text = (ROOT / "docs" / "HOSTING.md").read_text()
    return re.search(r"```nginx\n(.*?)```", text, re.S).group(1)


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@pytest.fixture
def proxied(tmp_path, free_port):
    from benchmarks.server import Server

    app_port, tls_port = free_port(), free_port()
    certificate = ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            *certificate,
        ],
        check=True,
        capture_output=True,
    )
    site = (
        documented_config()
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
        .replace("/etc/ssl/workshop/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/workshop/privkey.pem", str(tmp_path / "key.pem"))
        .replace("http://127.0.0.1:8501", f"http://127.0.0.1:{app_port}")
    )
    temp = tmp_path / "nginx"
    for sub in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / sub).mkdir(parents=True)
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{ access_log off; client_body_temp_path {temp}/client; proxy_temp_path {temp}/proxy;\n"
        f"fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;\n"
        f"{site}\n}}\n"
    )
    server = Server(
        app_port, tmp_path / "w.sqlite3", tmp_path / "server.log", env={"ALIGNSIM_TRUSTED_PROXIES": "127.0.0.1"}
    )
    server.start()
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"https://127.0.0.1:{tls_port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=_insecure()).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"nginx did not serve the app; see {tmp_path}/error.log")
        yield url, server
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        server.stop()


def test_the_documented_nginx_configuration_serves_a_room_over_https(proxied):
    url, server = proxied
    shop = Workshop(server.db)
    code, key = shop.create(seed=3)
    token = shop.join(code, 1, "sales", "Ana")

    # the facilitator's pass: HttpOnly, Secure (the proxy says https), the websocket's path, 12 hours
    request = urllib.request.Request(f"{url}/_alignsim/pass", data=shop.ticket(code, key).encode(), method="POST")
    response = urllib.request.urlopen(request, timeout=30, context=_insecure())
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"alignsim_pass_{code}=")
    for attribute in ("HttpOnly", "Secure", "Path=/_stcore/stream", "SameSite=strict", "Max-Age=43200"):
        assert attribute.lower() in cookie.lower(), cookie
    granted = cookie.split("=", 1)[1].split(";")[0]
    assert shop.access(code, granted) == "facilitator"
    direct = urllib.request.Request(f"{server.url}/_alignsim/pass", data=shop.ticket(code, key).encode(), method="POST")
    assert "secure" not in urllib.request.urlopen(direct, timeout=30).headers["Set-Cookie"].lower()  # plain http
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(request, timeout=30, context=_insecure())  # a ticket is used once

    # a participant's screen over wss://, and a join page whose forged X-Forwarded-For is ignored
    from benchmarks.workshop_room import Screen, wait_until

    async def screens() -> tuple[bool, bool]:
        player = Screen(url, f"token={token}", "Ana", ssl=_insecure())
        guesser = Screen(url, "code=ZZZZZZ", "guesser", headers={"X-Forwarded-For": "6.6.6.6"}, ssl=_insecure())
        await player.open()
        await guesser.open()
        shown = await wait_until(lambda: "Round 1 of 4 is open" in player.text_all(), 60)
        refused = await wait_until(lambda: "no workshop with code ZZZZZZ" in guesser.text_all(), 60)
        await player.close()
        await guesser.close()
        return shown, refused

    shown, refused = asyncio.run(screens())
    assert shown and refused
    with sqlite3.connect(server.db) as db:
        buckets = {row[0] for row in db.execute("SELECT bucket FROM failures")}
    assert any(b.endswith("address:127.0.0.1") for b in buckets), buckets
    assert not any("6.6.6.6" in b for b in buckets)
