"""Workshop access (issue 26): rate limits a room behind one address cannot trip, X-Forwarded-For only from
configured proxies, who may read what through every store method, facilitator passes, and getting a seat back on
a new device (issue 27)."""

import dataclasses
import inspect

import pytest

from sim.workshop.access import (
    CONNECTED_SECONDS,
    PASS_SECONDS,
    SEAT_CODES_PER_WORKSHOP,
    UNKNOWN_CODES_PER_ADDRESS,
    UNKNOWN_CODES_PER_BROWSER,
    RateLimited,
    client_address,
    normal_seat_code,
    scheme,
    trusted_proxies,
)
from sim.workshop.rules import TEMPLATES, Decision, Seat, StaleError, WorkshopError

ROUNDS = TEMPLATES["b2b_activation"]["rounds"]


def browser(i: int) -> str:
    return f"browser{i:03d}".ljust(22, "x")


# ---------------------------------------------------------------- rate limits
def test_ten_typos_by_one_person_do_not_block_a_colleague_behind_the_same_address(shop):
    code, _key = shop.create()
    for _ in range(UNKNOWN_CODES_PER_BROWSER.attempts):
        with pytest.raises(WorkshopError, match="no workshop"):
            shop.lookup("ZZZZZZ", client="10.0.0.1", browser=browser(1))
    with pytest.raises(RateLimited):
        shop.lookup(code, client="10.0.0.1", browser=browser(1))  # the typist waits, even for the right code
    assert shop.lookup(code, client="10.0.0.1", browser=browser(2)).code == code  # the colleague does not
    token = shop.join(code, 1, "sales", "Colleague", browser=browser(3), client="10.0.0.1")
    assert shop.seat(token).name == "Colleague"


def test_a_whole_room_behind_one_address_joins_and_a_guesser_from_one_address_is_stopped(shop):
    code, key = shop.create(tables=2, seat_size=3)
    for i in range(30):  # a room of 30 behind one NAT, a few typos each on the way
        if i % 3 == 0:
            with pytest.raises(WorkshopError, match="no workshop"):
                shop.lookup("ABCDEF", client="203.0.113.9", browser=browser(i))
        shop.join(
            code, 1 + i % 2, TEMPLATES["b2b_activation"]["departments"][i % 5], f"p{i}", browser(i), "203.0.113.9"
        )
    assert len(shop.players(code, key)) == 30
    # a guesser rotating browser ids from one address: stopped by the address's limit
    refused = 0
    for i in range(100, 100 + 2 * UNKNOWN_CODES_PER_ADDRESS.attempts):
        try:
            shop.lookup("ZZZZZZ", client="198.51.100.7", browser=browser(i))
        except RateLimited:
            refused += 1
        except WorkshopError:
            pass
    assert refused == UNKNOWN_CODES_PER_ADDRESS.attempts
    with pytest.raises(RateLimited):
        shop.lookup(code, client="198.51.100.7", browser=browser(999))
    shop.now[0] += UNKNOWN_CODES_PER_ADDRESS.seconds + 1
    assert shop.lookup(code, client="198.51.100.7", browser=browser(999)).code == code


def test_forwarded_for_is_believed_only_from_configured_proxies():
    proxy = trusted_proxies("127.0.0.1, 10.1.0.0/16")
    assert client_address(None, ["9.9.9.9"], ()) == "127.0.0.1"  # nothing trusted: the peer
    assert client_address("203.0.113.5", ["9.9.9.9"], proxy) == "203.0.113.5"  # a peer that is no proxy
    assert client_address("127.0.0.1", ["9.9.9.9"], proxy) == "9.9.9.9"
    # the client's own header comes first, the proxy appends what it saw: the proxy's entry wins
    assert client_address("127.0.0.1", ["6.6.6.6, 198.51.100.2"], proxy) == "198.51.100.2"
    assert client_address("127.0.0.1", ["6.6.6.6", "198.51.100.2, 10.1.2.3"], proxy) == "198.51.100.2"
    assert client_address("127.0.0.1", ["garbage"], proxy) == "127.0.0.1"
    assert client_address("127.0.0.1", [], proxy) == "127.0.0.1"
    assert client_address("127.0.0.1", ["[2001:db8::1]:443"], proxy) == "2001:db8::1"
    assert scheme("127.0.0.1", "https", "http", proxy) == "https"
    assert scheme("203.0.113.5", "https", "http", proxy) == "http"
    with pytest.raises(WorkshopError, match="ALIGNSIM_TRUSTED_PROXIES must list"):
        trusted_proxies("localhost")


def test_rotating_forwarded_for_from_an_untrusted_client_does_not_escape_the_limit(shop):
    _code, _key = shop.create()
    refused = 0
    for i in range(25):
        address = client_address(None, [f"10.9.{i}.{i}"], ())  # a local client rotating the header, no proxy set
        try:
            shop.lookup("ZZZZZZ", client=address)
        except RateLimited:
            refused += 1
        except WorkshopError:
            pass
    assert refused == 25 - UNKNOWN_CODES_PER_BROWSER.attempts


# ---------------------------------------------------------------- who may read what
def _play_two_tables(shop):
    code, key = shop.create(tables=2, seat_size=2)
    ana = shop.join(code, 1, "sales", "Ana")
    bo = shop.join(code, 2, "finance", "Bo")
    shop.decide(ana, 0, Decision("shared goal"))
    shop.decide(bo, 0, Decision("own KPI"))
    return code, key, ana, bo


def test_a_player_reads_their_own_table_until_the_game_is_over(shop):
    code, key, ana, _bo = _play_two_tables(shop)
    assert set(shop.decisions(code, ana)) == {(1, 0, "sales")}
    assert set(shop.saved_by(code, ana)) == {(1, 0, "sales")}
    assert [s.name for s in shop.players(code, ana)] == ["Ana"]
    with pytest.raises(WorkshopError, match="own table only"):
        shop.decisions(code, ana, table=2)
    with pytest.raises(WorkshopError, match="own table only"):
        shop.saved_by(code, ana, table=2)
    presenter = shop.presenter_token(code, key)
    assert set(shop.decisions(code, presenter)) == {(1, 0, "sales"), (2, 0, "finance")}
    for r in range(ROUNDS):
        shop.play_round(code, key, r)
    assert set(shop.decisions(code, ana)) == {(1, 0, "sales"), (2, 0, "finance")}  # the debrief compares tables
    assert [s.name for s in shop.players(code, ana)] == ["Ana", "Bo"]


def test_no_method_gives_a_player_or_the_presenter_another_persons_token_or_seat_code(shop):
    code, key, ana, bo = _play_two_tables(shop)
    assert "token" not in {f.name for f in dataclasses.fields(Seat)}
    secret_bo = {bo, shop.seat(bo).rejoin, key}
    presenter = shop.presenter_token(code, key)
    calls = 0
    for name, method in inspect.getmembers(shop, inspect.ismethod):
        if name.startswith("_"):
            continue
        params = list(inspect.signature(method).parameters)
        for caller in (ana, presenter):
            args = {"code": code, "secret": caller, "key": caller, "token": caller, "table": 1}
            try:
                result = method(**{p: args[p] for p in params if p in args})
            except (WorkshopError, TypeError):
                continue
            calls += 1
            assert not any(s in repr(result) for s in secret_bo), (name, caller is ana)
    assert calls >= 6
    assert all(s.rejoin == "" for s in shop.players(code, presenter))
    assert all(s.rejoin for s in shop.players(code, key))  # the facilitator sees seat codes (to read them out)


def test_facilitator_only_methods_refuse_players_and_the_presenter(shop):
    code, key, ana, _bo = _play_two_tables(shop)
    presenter = shop.presenter_token(code, key)
    for secret in (ana, presenter):
        for call in (
            lambda s: shop.saves(code, s),
            lambda s: shop.presenter_token(code, s),
            lambda s: shop.requests(code, s),
            lambda s: shop.ticket(code, s),
            lambda s: shop.play_round(code, s, 0),
        ):
            with pytest.raises(WorkshopError, match="only the facilitator"):
                call(secret)


# ---------------------------------------------------------------- facilitator passes
def test_a_ticket_is_exchanged_once_for_a_pass_that_controls_the_workshop_for_a_day(shop):
    code, key = shop.create()
    ticket = shop.ticket(code, key)
    got, granted, seconds = shop.redeem(ticket)
    assert got == code and seconds == PASS_SECONDS and granted not in (key, ticket)
    assert shop.access(code, granted) == "facilitator"
    assert shop.play_round(code, granted, 0) == 1
    with pytest.raises(WorkshopError, match="unknown or used"):
        shop.redeem(ticket)
    other, _other_key = shop.create()
    with pytest.raises(WorkshopError, match="does not open that workshop"):
        shop.access(other, granted)
    shop.now[0] += PASS_SECONDS + 1
    with pytest.raises(WorkshopError, match="does not open that workshop"):
        shop.access(code, granted)
    late = shop.ticket(code, key)
    shop.now[0] += 121
    with pytest.raises(WorkshopError, match="unknown or used"):
        shop.redeem(late)
    _code, again, _s = shop.redeem(shop.ticket(code, key))
    assert shop.end_passes(code, key) >= 1
    with pytest.raises(WorkshopError):
        shop.access(code, again)


# ---------------------------------------------------------------- getting a seat back on a new device
def test_a_seat_code_gives_the_seat_back_on_a_new_device_and_the_old_link_stops(shop):
    code, key = shop.create(seat_size=1)
    old = shop.join(code, 1, "customer_success", "Ana", browser=browser(1))
    seat = shop.seat(old)
    assert len(seat.rejoin) == 8
    with pytest.raises(WorkshopError, match="Customer Success at table 1 is full"):
        shop.join(code, 1, "customer_success", "Ana", browser=browser(2))  # the lost phone
    new = shop.reclaim(code, seat.rejoin[:4] + "-" + seat.rejoin[4:].lower(), browser(2))
    assert new != old and shop.seat(new).member == seat.member and shop.seat(new).name == "Ana"
    assert shop.seat_of_browser(code, browser(2)) == new and shop.seat_of_browser(code, browser(1)) is None
    with pytest.raises(WorkshopError, match="unknown player link"):
        shop.decide(old, 0, Decision())
    shop.decide(new, 0, Decision("balanced"))
    assert shop.decisions(code, key) == {(1, 0, "customer_success"): Decision("balanced")}
    assert len(shop.players(code, key)) == 1  # no second seat


def test_wrong_seat_codes_are_limited_per_workshop(shop):
    code, _key = shop.create()
    refused = 0
    for i in range(SEAT_CODES_PER_WORKSHOP.attempts + 5):
        try:
            shop.reclaim(code, "AAAA-AAAA", browser(i), client=f"192.0.2.{i}")
        except RateLimited:
            refused += 1
        except WorkshopError as exc:
            assert "no seat in workshop" in str(exc)
    assert refused == 5
    with pytest.raises(WorkshopError, match="seat code must be 8 characters"):
        normal_seat_code("ABC")


def test_without_the_seat_code_the_facilitator_approves_or_refuses(shop):
    code, key = shop.create(seat_size=1)
    old = shop.join(code, 1, "sales", "Ana Berg", browser=browser(1))
    with pytest.raises(WorkshopError, match="nobody called Bo sits at Sales, table 1"):
        shop.ask_for_seat(code, 1, "sales", "Bo", browser(2))
    request = shop.ask_for_seat(code, 1, "sales", "ana  berg", browser(2))
    assert shop.request_status(code, browser(2)) == ("pending", None)
    [(rid, asked, seat)] = shop.requests(code, key)
    assert rid == request and asked == "ana berg" and seat.name == "Ana Berg"
    with pytest.raises(WorkshopError, match="only the facilitator"):
        shop.answer_request(code, old, request, True)
    shop.answer_request(code, key, request, True)
    status, token = shop.request_status(code, browser(2))
    assert status == "approved" and shop.seat(token).name == "Ana Berg"
    with pytest.raises(WorkshopError, match="unknown player link"):
        shop.seat(old)
    with pytest.raises(StaleError, match="already been answered"):
        shop.answer_request(code, key, request, True)
    refused = shop.ask_for_seat(code, 1, "sales", "Ana Berg", browser(3))
    shop.answer_request(code, key, refused, False)
    assert shop.request_status(code, browser(3)) == ("refused", None)
    assert shop.seat(token).name == "Ana Berg"  # the refused request changed nothing


# ---------------------------------------------------------------- pulses and presence
def test_pulses_change_with_what_each_screen_shows(shop):
    code, key = shop.create(tables=2, seat_size=2)
    ana = shop.join(code, 1, "sales", "Ana")
    bo = shop.join(code, 1, "sales", "Bo")
    cy = shop.join(code, 2, "sales", "Cy")
    fac, mine = shop.pulse(code, key), shop.player_pulse(ana)
    shop.decide(cy, 0, Decision())  # another table
    assert shop.player_pulse(ana) == mine and shop.pulse(code, key) != fac
    shop.decide(bo, 0, Decision())  # a teammate
    assert shop.player_pulse(ana) != mine
    mine = shop.player_pulse(ana)
    shop.play_round(code, key, 0)
    assert shop.player_pulse(ana)[0] != mine[0]  # the stage moved: the whole screen redraws
    shop.remove_player(code, key, shop.seat(bo).member)
    assert shop.player_pulse(ana)[1] != mine[1]
    assert shop.player_pulse("x" * 22) == ("gone",)


def test_the_facilitator_sees_which_seats_have_a_screen_connected(shop):
    code, key = shop.create(seat_size=2)
    ana = shop.join(code, 1, "sales", "Ana")
    shop.join(code, 1, "sales", "Bo")
    assert not any(shop.connected(s) for s in shop.players(code, key))
    shop.player_pulse(ana)
    assert [s.name for s in shop.players(code, key) if shop.connected(s)] == ["Ana"]
    shop.now[0] += CONNECTED_SECONDS + 1
    assert not any(shop.connected(s) for s in shop.players(code, key))
