"""Who may do and see what in a workshop: codes and secrets, the rate limits on guessing them, the address a request
really comes from, and which tables a role may read.

- The **join code** (6 characters) lets anyone in the room take a seat. Unknown codes are rate-limited per browser
  and, more generously, per network address, so one person's typos never lock out a colleague behind the same
  address (a room behind one NAT or one reverse proxy), while a guesser from one address gets at most
  ``UNKNOWN_CODES_PER_ADDRESS`` a minute (and then waits, even for a right code: no answer tells a guess apart).
- The **facilitator's key** (22 characters, stored hashed) controls the workshop. A browser that opened the
  control link gets a **facilitator pass** instead of the key: a 22-character secret of its own, stored hashed,
  that expires after ``PASS_SECONDS`` and goes into an HttpOnly cookie (``ui.workshop.gate``).
- A **presenter token** shows the projected view (no controls, no secrets).
- A **player's token** plays one seat and reads that seat's table; other tables' decisions only once the game is
  over (the debrief compares the tables). Nobody but the facilitator ever reads another person's token or seat code.
- A **seat code** (8 characters, shown on the participant's screen) gives the seat back on another device.

Requests carry an address: ``client_address`` takes ``X-Forwarded-For`` only from the proxies named in
``ALIGNSIM_TRUSTED_PROXIES`` (addresses or networks, comma-separated; none by default).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sim.i18n import N_, _
from sim.workshop.rules import WorkshopError

Role = Literal["facilitator", "presenter", "player"]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6
SECRET_LENGTH = 22  # secrets.token_urlsafe(16)
SEAT_CODE_LENGTH = 8
#: How the secrets a link can carry are named in messages (translate with ``_``).
SECRET_FIELDS = {
    "token": N_("token"),
    "show": N_("show"),
    "key": N_("key"),
    "secret": N_("secret"),
    "player link": N_("player link"),
    "presenter link": N_("presenter link"),
    "browser id": N_("browser id"),
    "cookie value": N_("cookie value"),
    "pass": N_("pass"),
}

#: A facilitator pass (the cookie a browser keeps after opening the control link) lasts a workshop day.
PASS_SECONDS = 12 * 3600
#: A ticket (exchanged once for a pass, by the page's own request to the gate) lasts two minutes.
TICKET_SECONDS = 120
#: A screen that asked for news within this many seconds counts as connected.
CONNECTED_SECONDS = 25
#: A screen writes that it is there at most this often.
PRESENCE_EVERY = 10


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failed tries per ``seconds`` for one bucket (a browser, an address, a code)."""

    attempts: int
    seconds: float


#: Unknown join codes: one person's typos (per browser), a room behind one address (per address).
UNKNOWN_CODES_PER_BROWSER = Limit(10, 60.0)
UNKNOWN_CODES_PER_ADDRESS = Limit(60, 60.0)
#: Wrong seat codes: per browser, per address, and against one workshop from anywhere.
SEAT_CODES_PER_BROWSER = Limit(10, 60.0)
SEAT_CODES_PER_ADDRESS = Limit(30, 60.0)
SEAT_CODES_PER_WORKSHOP = Limit(60, 60.0)
#: New seats taken in one workshop (a leaked code cannot fill a room with robots in a second).
JOINS_PER_WORKSHOP = Limit(120, 60.0)
#: Requests to get a seat back waiting for the facilitator, per workshop.
PENDING_RECLAIMS = 20

#: Backwards names: the per-browser limit on unknown codes.
CODE_ATTEMPTS = UNKNOWN_CODES_PER_BROWSER.attempts
CODE_WINDOW_SECONDS = UNKNOWN_CODES_PER_BROWSER.seconds


class RateLimited(WorkshopError):
    """Too many failed tries from one browser, one address or against one workshop."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(16)


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _letter in range(length))


def same_secret(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def normal_code(code: object) -> str:
    """A join code as stored (upper case, no spaces), or a message naming the allowed characters."""
    text = str(code or "").strip().upper()
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        raise WorkshopError(
            _(
                "code must be {length} characters from A-Z (without I and O) and 2-9, as on the facilitator's screen"
            ).format(length=CODE_LENGTH)
        )
    return text


def normal_seat_code(code: object) -> str:
    """A seat code as stored (upper case; spaces and dashes dropped), or a message naming the allowed characters."""
    text = "".join(c for c in str(code or "").upper() if c not in " -")
    if len(text) != SEAT_CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        raise WorkshopError(
            _("seat code must be {length} characters from A-Z (without I and O) and 2-9, as on your old screen").format(
                length=SEAT_CODE_LENGTH
            )
        )
    return text


def shown_seat_code(code: str) -> str:
    """``K7QM2XPA`` -> ``K7QM-2XPA`` (easier to copy by hand)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == SEAT_CODE_LENGTH else code


def valid_secret(value: object, field: str) -> str:
    """A key or token as issued (22 characters of A-Z, a-z, 0-9, - and _), or a message naming the field."""
    text = str(value or "")
    if len(text) != SECRET_LENGTH or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
        raise WorkshopError(
            _("{field} must be {length} characters from A-Z, a-z, 0-9, - and _ (copy the whole link)").format(
                field=_(SECRET_FIELDS.get(field, field)), length=SECRET_LENGTH
            )
        )
    return text


def buckets(address: str, browser: str | None) -> dict[str, str]:
    """The rate-limit buckets of a request: its address and, when it has one, its browser."""
    out = {"address": f"address:{address}"}
    if browser:
        out["browser"] = f"browser:{secret_hash(browser)[:32]}"
    return out


# ---------------------------------------------------------------- who may read what
def readable_tables(role: Role, own_table: int | None, tables: int, finished: bool) -> frozenset[int]:
    """The tables whose seats and decisions ``role`` may read: the facilitator and the presenter all; a player
    their own table, and every table once the game is over or archived (the debrief compares them)."""
    if role != "player" or finished:
        return frozenset(range(1, tables + 1))
    return frozenset({own_table}) if own_table is not None else frozenset()


# ---------------------------------------------------------------- the address a request comes from
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(text: str | None = None) -> tuple[Network, ...]:
    """The reverse proxies whose ``X-Forwarded-For`` is believed: ``ALIGNSIM_TRUSTED_PROXIES`` (addresses or
    networks, comma-separated, e.g. ``127.0.0.1`` for nginx on the same machine); none when unset."""
    text = os.environ.get("ALIGNSIM_TRUSTED_PROXIES", "") if text is None else text
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise WorkshopError(
                _("ALIGNSIM_TRUSTED_PROXIES must list IP addresses or networks, comma-separated (e.g. 127.0.0.1)")
            ) from None
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 1.2.3.4:5678
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """The address a request comes from. ``peer`` is the address that connected (None: this machine);
    ``forwarded_for`` the ``X-Forwarded-For`` headers. Those are read only when the peer is a trusted proxy, right
    to left, skipping trusted proxies: the first address that is not one is the client (a client cannot choose
    it by sending its own header). Unreadable entries stop the walk at the last trusted hop."""
    here = _address(peer) if peer else ipaddress.ip_address("127.0.0.1")
    if here is None:
        return str(peer)
    if not trusted or not _trusted(here, trusted):
        return str(here)
    hops = [h for header in forwarded_for for h in str(header).split(",") if h.strip()]
    client = here
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, trusted):
            break
    return str(client)


#: The bucket of requests whose address cannot be checked (the web server may have read X-Forwarded-For itself).
UNVERIFIED = "forwarded:unverified"


def server_reads_forwarded() -> bool:
    """Whether the web server (uvicorn, under Streamlit) may already have replaced the connecting address with one
    from ``X-Forwarded-For``: it does for this machine's own connections unless ``FORWARDED_ALLOW_IPS`` is set to
    the empty string, as ``ui.serve`` and ``ui.gateway`` do (the app reads the header itself, ``client_address``)."""
    return os.environ.get("FORWARDED_ALLOW_IPS") != ""


def request_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """``client_address`` of a request to the app; when the web server may have rewritten the address (see
    ``server_reads_forwarded``) a request that carries ``X-Forwarded-For`` cannot be told apart from a forged one,
    so all such requests share one bucket, ``UNVERIFIED`` (a room behind a proxy still has a bucket per browser)."""
    if forwarded_for and server_reads_forwarded():
        return UNVERIFIED
    return client_address(peer, forwarded_for, trusted)


def scheme(peer: str | None, forwarded_proto: str | None, own: str, trusted: tuple[Network, ...]) -> str:
    """``https`` or ``http`` as the browser sees it: the request's own scheme, or a trusted proxy's
    ``X-Forwarded-Proto``."""
    here = _address(peer) if peer else ipaddress.ip_address("127.0.0.1")
    if forwarded_proto and here is not None and _trusted(here, trusted):
        value = forwarded_proto.split(",")[-1].strip().lower()
        if value in {"http", "https"}:
            return value
    return "https" if own in {"https", "wss"} else "http"
