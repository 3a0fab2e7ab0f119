"""The workshop store: codes, access, seats and teams, decisions stamped with their round, rounds as
compare-and-set transactions under threads and processes."""

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.workshop.access import CODE_ATTEMPTS, CODE_WINDOW_SECONDS, RateLimited
from sim.workshop.rules import OPEN_SECONDS, TEMPLATES, Decision, StaleError, WorkshopError, available_switches
from sim.workshop.store import Workshop

DEPTS = TEMPLATES["b2b_activation"]["departments"]
ROUNDS = TEMPLATES["b2b_activation"]["rounds"]


def test_create_join_decide_play(shop):
    code, key = shop.create("b2b_activation", seed=3, tables=2)
    assert len(code) == 6 and code.isupper() and shop.access(code, key) == "facilitator"
    token = shop.join(code.lower(), 2, "sales", "Ana")
    assert [(s.table, s.department, s.name) for s in shop.players(code, key)] == [(2, "sales", "Ana")]
    shop.decide(token, 0, Decision("shared goal", "few", False))
    assert shop.decisions(code, token) == {(2, 0, "sales"): Decision("shared goal", "few", False)}
    assert shop.play_round(code, key, 0) == 1
    state = shop.state(code, token)
    assert state.round == 1 and not state.over and state.tables == 2


def test_bad_codes_and_secrets_get_a_message_naming_the_field(shop):
    with pytest.raises(WorkshopError, match="code must be 6 characters"):
        shop.lookup("[x](http://evil.example)")
    with pytest.raises(WorkshopError, match="no workshop with code ZZZZ23"):
        shop.lookup("zzzz23")
    with pytest.raises(WorkshopError, match="player link must be 22 characters"):
        shop.seat("é")
    code, _ = shop.create()
    with pytest.raises(WorkshopError, match="does not open that workshop"):
        shop.state(code, "é")
    with pytest.raises(WorkshopError, match="tables must be"):
        shop.create(tables=0)
    with pytest.raises(WorkshopError, match="template must be one of"):
        shop.create("nope")


def test_results_and_state_need_a_secret_of_that_workshop(shop):
    a, key_a = shop.create(seed=1)
    b, key_b = shop.create(seed=1)
    token_b = shop.join(b, 1, "sales", "Bo")
    for secret in ("", key_b, token_b, "x" * 22):
        with pytest.raises(WorkshopError):
            shop.decisions(a, secret)
    presenter = shop.presenter_token(a, key_a)
    assert shop.access(a, presenter) == "presenter" and shop.presenter(presenter).code == a
    with pytest.raises(WorkshopError, match="only the facilitator"):
        shop.play_round(a, presenter, 0)


def test_unknown_codes_are_rate_limited_per_client(shop):
    code, _ = shop.create()
    for _ in range(CODE_ATTEMPTS):
        with pytest.raises(WorkshopError, match="no workshop"):
            shop.lookup("ZZZZZZ", client="guesser")
    with pytest.raises(RateLimited, match="wait a minute"):
        shop.lookup(code, client="guesser")  # even a right code waits
    assert shop.lookup(code, client="someone else").code == code
    shop.now[0] += 61
    assert shop.lookup(code, client="guesser").code == code


def test_a_full_seat_is_explained_never_swapped(shop):
    code, _ = shop.create(seat_size=2)
    shop.join(code, 1, "marketing", "A")
    shop.join(code, 1, "marketing", "B")
    with pytest.raises(
        WorkshopError,
        match=r"Marketing at table 1 is full \(2 of 2 players\); seats with room "
        r"at this table: Sales, Customer Success",
    ):
        shop.join(code, 1, "marketing", "C")
    with pytest.raises(WorkshopError, match="department must be one of"):
        shop.join(code, 1, "leadership", "C")
    with pytest.raises(WorkshopError, match="table must be a number from 1 to 1"):
        shop.join(code, 2, "sales", "C")


def test_a_team_of_six_shares_a_seat_and_the_last_save_counts(shop):
    code, key = shop.create(seat_size=6)
    team = [shop.join(code, 1, "sales", f"p{i}") for i in range(6)]
    shop.decide(team[0], 0, Decision("own KPI", "many", True))
    shop.decide(team[5], 0, Decision("shared goal", "few", False))
    assert shop.decisions(code, key) == {(1, 0, "sales"): Decision("shared goal", "few", False)}
    assert shop.saved_by(code, key)[(1, 0, "sales")][0] == "p5"
    assert len(shop.saves(code, key)) == 2


def test_the_same_browser_gets_its_seat_back(shop):
    code, key = shop.create(seat_size=1)
    browser = "b" * 22
    token = shop.join(code, 1, "finance", "Fi", browser=browser)
    assert shop.join(code, 1, "sales", "Fi again", browser=browser) == token  # not a second seat
    assert shop.seat_of_browser(code, browser) == token
    assert len(shop.players(code, key)) == 1


def test_the_facilitator_frees_seats_and_removes_players(shop):
    code, key = shop.create(seat_size=2)
    a = shop.join(code, 1, "sales", "A")
    b = shop.join(code, 1, "sales", "B")
    member = shop.seat(a).member
    shop.remove_player(code, key, member)
    with pytest.raises(WorkshopError, match="freed this place"):
        shop.decide(a, 0, Decision())
    with pytest.raises(StaleError):
        shop.remove_player(code, key, member)
    c = shop.join(code, 1, "sales", "C")  # the place is free again
    assert shop.free_seat(code, key, 1, "sales") == 2
    assert shop.players(code, key) == []
    for t in (b, c):
        with pytest.raises(WorkshopError, match="freed"):
            shop.seat(t)
    with pytest.raises(WorkshopError, match="does not open that workshop"):
        shop.free_seat(code, "y" * 22, 1, "sales")


def test_a_stale_decision_is_refused_and_never_lands_in_the_next_round(shop):
    code, key = shop.create()
    token = shop.join(code, 1, "sales", "Ana")
    shop.play_round(code, key, 0)
    with pytest.raises(StaleError, match="round 1 has already been played; the table is now in round 2"):
        shop.decide(token, 0, Decision("own KPI"))
    assert shop.decisions(code, key) == {}
    shop.decide(token, 1, Decision("own KPI"))
    assert set(shop.decisions(code, key)) == {(1, 1, "sales")}


def test_a_retried_save_is_stored_once(shop):
    code, key = shop.create()
    token = shop.join(code, 1, "sales", "Ana")
    for _ in range(3):
        shop.decide(token, 0, Decision("own KPI"), request="req-1")
    shop.play_round(code, key, 0)
    shop.decide(token, 0, Decision("own KPI"), request="req-1")  # a retry after the round moved on: stored
    assert len(shop.saves(code, key)) == 1


def test_play_round_is_compare_and_set(shop):
    code, key = shop.create()
    assert shop.play_round(code, key, 0) == 1
    with pytest.raises(StaleError, match="round 1 was already played .* now shows round 2"):
        shop.play_round(code, key, 0)  # a second tab that still shows round 1
    for r in range(1, ROUNDS):
        shop.play_round(code, key, r)
    with pytest.raises(StaleError, match="open the debrief"):
        shop.play_round(code, key, ROUNDS)
    token = shop.join(code, 1, "finance", "F")
    with pytest.raises(StaleError, match="the game is over"):
        shop.decide(token, ROUNDS, Decision())
    assert shop.state(code, key).round == ROUNDS


def test_switches_apply_from_the_open_round_and_are_offered_only_where_they_change_something(shop):
    assert "product_funding" not in available_switches("b2b_activation")  # already product-funded
    assert set(available_switches("self_service_launch")) == {"shared_criterion", "product_funding"}
    code, key = shop.create("self_service_launch")
    shop.play_round(code, key, 0)
    assert shop.switch_logic(code, key, "shared_criterion", 1) == 1
    with pytest.raises(StaleError, match="already in force"):
        shop.switch_logic(code, key, "shared_criterion", 1)
    with pytest.raises(StaleError, match="round 1 was already played"):
        shop.switch_logic(code, key, "product_funding", 0)  # a stale tab
    shop.play_round(code, key, 1)
    assert shop.switch_logic(code, key, "product_funding", 2) == 2
    assert shop.state(code, key).switches == (("shared_criterion", 1), ("product_funding", 2))
    b2b, b2b_key = shop.create("b2b_activation")
    with pytest.raises(WorkshopError, match="switch must be one of: shared_criterion"):
        shop.switch_logic(b2b, b2b_key, "product_funding", 0)


def test_reveal_is_compare_and_set(shop):
    code, key = shop.create()
    assert shop.reveal(code, key, True, expected=False) is True
    assert shop.reveal(code, key, False, expected=True) is False  # tab A hides
    assert shop.reveal(code, key, True, expected=False) is True  # tab B reveals again
    assert shop.reveal(code, key, False, expected=False) is True  # a stale tab A does not hide it by accident
    assert shop.state(code, key).revealed


def test_workshops_last_30_days_or_until_archived_and_stay_readable(shop):
    code, key = shop.create()
    token = shop.join(code, 1, "sales", "A")
    shop.now[0] += 20 * 3600  # made the evening before
    shop.decide(token, 0, Decision())
    shop.archive(code, key)
    with pytest.raises(WorkshopError, match="archived"):
        shop.decide(token, 0, Decision())
    with pytest.raises(WorkshopError, match="archived"):
        shop.play_round(code, key, 0)
    assert shop.state(code, token).archived and shop.decisions(code, key)  # still readable
    other, other_key = shop.create()
    shop.now[0] += OPEN_SECONDS + 1
    assert shop.state(other, other_key).archived


def test_state_survives_a_new_store_on_the_same_file(shop, tmp_path):
    code, key = shop.create(seed=2)
    token = shop.join(code, 1, "customer_success", "Bo")
    shop.decide(token, 0, Decision("shared goal", "normal", False))
    shop.play_round(code, key, 0)
    again = Workshop(tmp_path / "w.sqlite3", clock=lambda: shop.now[0])
    assert again.decisions(code, key) == shop.decisions(code, key)
    assert again.seat(token).department == "customer_success" and again.state(code, key).round == 1


# ---------------------------------------------------------------- many threads and processes on one workshop
def _press_play(path, code, key, presses):
    """One facilitator screen pressing Play on whatever round it last saw; returns (wins, stale)."""
    shop = Workshop(path)
    wins = stale = 0
    for _ in range(presses):
        seen = shop.state(code, key).round
        try:
            shop.play_round(code, key, seen)
            wins += 1
        except StaleError:
            stale += 1
    return wins, stale


def test_many_threads_pressing_play_play_each_round_once(tmp_path):
    shop = Workshop(tmp_path / "w.sqlite3")
    code, key = shop.create()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: _press_play(shop.path, code, key, 6), range(8)))
    assert sum(w for w, _ in outcomes) == ROUNDS
    assert shop.state(code, key).round == ROUNDS


def test_many_processes_pressing_play_play_each_round_once(tmp_path):
    shop = Workshop(tmp_path / "w.sqlite3")
    code, key = shop.create()
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("fork")) as pool:
        outcomes = list(pool.map(_press_play, *zip(*[(shop.path, code, key, 6)] * 4)))
    assert sum(w for w, _ in outcomes) == ROUNDS
    assert shop.state(code, key).round == ROUNDS


def _hammer_decisions(path, code, tokens, prefix):
    """Players saving for the round they last saw while rounds move on; returns accepted request ids."""
    shop = Workshop(path)
    accepted = []
    deadline, i = time.monotonic() + 30, 0
    # 40 saves, and on a loaded machine more until the facilitator has played a round (bounded in time)
    while i < 40 or (shop.state(code, tokens[0]).round == 0 and time.monotonic() < deadline):
        token = tokens[i % len(tokens)]
        seen = shop.state(code, token).round
        request = f"{prefix}-{i}"
        try:
            shop.decide(token, seen, Decision("shared goal" if i % 2 else "own KPI"), request=request)
            accepted.append((request, seen))
        except StaleError:
            pass
        time.sleep(0.005)  # a person's pace, compressed: the rounds move on while the saves go on
        i += 1
    return accepted


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_decisions_racing_rounds_are_neither_lost_duplicated_nor_moved(tmp_path, kind):
    shop = Workshop(tmp_path / "w.sqlite3")
    code, key = shop.create(tables=2)
    tokens = [shop.join(code, 1 + i % 2, DEPTS[i % 5], f"p{i}") for i in range(20)]
    stop = threading.Event()

    failures = []

    def facilitator():  # plays a round each time a few more saves have come in, while the saves go on
        try:
            while not stop.is_set() and shop.state(code, key).round < ROUNDS:
                if len(shop.saves(code, key)) >= 8 * (shop.state(code, key).round + 1):
                    shop.play_round(code, key, shop.state(code, key).round)
                stop.wait(0.005)
        except Exception as exc:
            failures.append(exc)

    host = threading.Thread(target=facilitator)
    args = [(shop.path, code, tokens[i::4], f"w{i}") for i in range(4)]
    if kind == "threads":
        host.start()
        with ThreadPoolExecutor(max_workers=4) as pool:
            accepted = [a for part in pool.map(lambda a: _hammer_decisions(*a), args) for a in part]
    else:
        with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("fork")) as pool:
            pool.submit(int).result()  # fork every worker before the facilitator thread holds any lock
            host.start()
            accepted = [a for part in pool.map(_hammer_decisions, *zip(*args)) for a in part]
    stop.set()
    host.join()
    assert not failures, failures
    stored = {s["request"]: s["round"] for s in shop.saves(code, key)}
    assert len(stored) == len(shop.saves(code, key))  # no duplicate
    assert stored == dict(accepted)  # nothing lost, each in the round it was made for
    assert len(set(stored.values())) > 1  # the saves really raced the rounds


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=120), code=st.text(max_size=12), table=st.integers(-3, 12) | st.booleans())
def test_fuzzed_joins_seat_a_plain_name_or_give_one_clean_line(shop, name, code, table):
    real, key = shop.create(tables=2, seat_size=6) if not hasattr(shop, "fuzz") else shop.fuzz
    shop.fuzz = (real, key)
    shop.now[0] += CODE_WINDOW_SECONDS  # the rate limit is tested elsewhere
    for target in (real, code):
        try:
            token = shop.join(target, table, "sales", name, client="fuzz")
        except WorkshopError as exc:
            assert "\n" not in str(exc) and (not name.strip() or name not in str(exc) or len(name) < 3)
            continue
        seat = shop.seat(token)
        assert seat.name.isprintable() and 0 < len(seat.name) <= 40 and seat.table in (1, 2)
        shop.remove_player(real, key, seat.member)  # keep the seat free for the next example


def test_a_database_of_the_first_workshop_version_still_opens(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:  # the first version's tables, with its own "players"
        old.executescript(
            "CREATE TABLE sessions (code TEXT PRIMARY KEY, template TEXT);"
            "CREATE TABLE players (token TEXT PRIMARY KEY, code TEXT, department TEXT, name TEXT,"
            " joined REAL, UNIQUE (code, department));"
        )
    shop = Workshop(path)
    code, key = shop.create()
    token = shop.join(code, 1, "sales", "Ana")
    shop.decide(token, 0, Decision())
    assert shop.play_round(code, key, 0) == 1


def test_a_workshop_keeps_the_language_its_facilitator_chose(shop):
    code, key = shop.create(lang="da")
    token = shop.join(code, 1, "sales", "Ana")
    assert shop.state(code, key).lang == "da" and shop.state(code, token).lang == "da"
    assert shop.presenter(shop.presenter_token(code, key)).lang == "da"
    english, english_key = shop.create()
    assert shop.state(english, english_key).lang == "en"  # English unless chosen
    with pytest.raises(WorkshopError, match="language must be one of: en, da"):
        shop.create(lang="de")


def test_messages_are_in_the_language_of_the_context(shop):
    from sim.i18n import language

    _code, _key = shop.create()
    with language("da"), pytest.raises(WorkshopError, match="koden skal være 6 tegn"):
        shop.lookup("abc")
    with language("da"), pytest.raises(WorkshopError, match="Salg ved bord 1 er fuld"):
        small, _small_key = shop.create(seat_size=1)
        shop.join(small, 1, "sales", "Ana")
        shop.join(small, 1, "sales", "Bo")
    with pytest.raises(WorkshopError, match="code must be 6 characters"):
        shop.lookup("abc")
    with language("da"):
        assert Decision("own KPI", "many", True).describe("sales") == (
            "vægt: egen KPI, bestillinger: mange, lov features til de store kunder: ja"
        )
    assert Decision("own KPI", "many", True).describe("sales") == (
        "push own KPI, many demands, promise features to key accounts: yes"
    )


def test_a_database_from_before_languages_opens_in_english(tmp_path):
    """A workshops table without the lang column (the version before languages) gets it, English, on opening."""
    import sqlite3

    path = tmp_path / "before.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(
            "CREATE TABLE workshops (code TEXT PRIMARY KEY, template TEXT NOT NULL, seed INTEGER NOT NULL, "
            "key_hash TEXT NOT NULL, presenter TEXT NOT NULL, created REAL NOT NULL, archived REAL, "
            "round INTEGER NOT NULL DEFAULT 0, revealed INTEGER NOT NULL DEFAULT 0, tables INTEGER NOT NULL, "
            "seat_size INTEGER NOT NULL);"
            f"INSERT INTO workshops VALUES ('ABC234', 'b2b_activation', 7, 'x', '{'P' * 22}', {time.time()}, NULL, "
            "1, 0, 1, 6);"
        )
    shop = Workshop(path)
    assert shop.presenter("P" * 22).lang == "en" and shop.presenter("P" * 22).round == 1
    code, key = shop.create(lang="da")
    assert shop.state(code, key).lang == "da"
