"""AlignmentModel as a drop-in Mesa model: flat keyword parameters, Mesa's rng, a datacollector, and
``mesa.batch_run`` giving independent replicates."""

import multiprocessing

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario
from sim.metrics import weekly_frame
from sim.model import AlignmentModel

PARAMETERS = {"scenario": "b2b_activation", "weeks": 8, "customers.population": 800, "leadership.trump": [0.0, 1.0]}


@pytest.fixture
def batch_run():
    """Mesa's batch_run; importing it forces the process-wide start method to spawn, so it is put back after."""
    before = multiprocessing.get_start_method(allow_none=True)
    from mesa.batchrunner import batch_run

    yield batch_run
    multiprocessing.set_start_method(before, force=True)


def test_batch_run_gives_independent_replicates_per_cell(batch_run):
    rows = pd.DataFrame(batch_run(AlignmentModel, parameters=PARAMETERS, iterations=3, display_progress=False))
    model_level = rows.drop_duplicates("RunId")
    assert len(model_level) == 2 * 3 and set(model_level["Step"]) == {7}  # the last of 8 weeks
    for trump, cell in model_level.groupby("leadership.trump"):
        assert cell["seed"].nunique() == 3, f"trump={trump}: replicates share a seed"
        # continuous results: eight weeks of a small model give integer counts that replicates can share by chance
        outcomes = cell[["value", "belief_error", "support_contacts_per_customer"]]
        assert len(outcomes.drop_duplicates()) == 3, f"trump={trump}: replicates are not independent"
    # each replicate can be rerun from its recorded seed, with the same result
    first = model_level.iloc[0]
    again = AlignmentModel(
        scenario="b2b_activation",
        weeks=8,
        rng=int(first["seed"]),
        **{"customers.population": 800, "leadership.trump": first["leadership.trump"]},
    ).run()
    last = weekly_frame(again.records).iloc[-1]
    assert last["leads"] == first["leads"] and last["context_switches"] == first["context_switches"]
    # agent level: every department and team, each step collected
    agents = rows[rows["RunId"] == first["RunId"]]
    assert set(agents["unit"]) >= {"team", "sales", "marketing"} and agents["work_received"].ge(0).all()


def test_batch_run_every_step_matches_the_weekly_records(batch_run):
    rows = pd.DataFrame(
        batch_run(
            AlignmentModel,
            parameters={**PARAMETERS, "leadership.trump": 0.5, "rng": 3},
            data_collection_period=1,
            display_progress=False,
        )
    ).drop_duplicates("Step")
    model = AlignmentModel(
        load_scenario("b2b_activation"), seed=3, weeks=8, customers__population=800, leadership__trump=0.5
    ).run()
    weekly = weekly_frame(model.records)
    assert list(rows["Step"]) == list(range(8))
    np.testing.assert_allclose(rows["leads"].to_numpy(), weekly["leads"].to_numpy())
    np.testing.assert_allclose(rows["feature_fit"].to_numpy(), weekly["feature_fit"].to_numpy())


def test_parameters_flat_dotted_or_double_underscored_and_mesas_rng():
    dotted = AlignmentModel(rng=5, **{"leadership.trump": 0.7, "teams.core.capacity": 4.0})
    underscored = AlignmentModel(seed=5, leadership__trump=0.7, teams__core__capacity=4.0)
    assert dotted.setup == underscored.setup and dotted.setup.leadership.trump == 0.7
    assert dotted.seed == underscored.seed == 5
    assert AlignmentModel(rng=np.random.default_rng(1)).seed == AlignmentModel(rng=np.random.default_rng(1)).seed
    with pytest.raises(ValueError, match="seed or rng, not both"):
        AlignmentModel(seed=1, rng=1)
    with pytest.raises(TypeError, match="a whole number or None"):
        AlignmentModel(rng="five")
    with pytest.raises(TypeError, match="an alignment-model scenario"):
        AlignmentModel("march1991")
    seeds = {AlignmentModel(weeks=1).seed for _ in range(5)}
    assert len(seeds) == 5, "without a seed every model draws its own"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"weeks": -1}, r"^weeks: a whole number from 1 to 2000 \(or None: the scenario's 52\), got -1$"),
        ({"weeks": 0}, r"^weeks: a whole number from 1 to 2000 .*, got 0$"),  # it ran 52 weeks
        ({"weeks": 2001}, r"^weeks: a whole number from 1 to 2000 .*, got 2001$"),
        ({"weeks": 2.5}, r"^weeks: a whole number from 1 to 2000 .*, got 2.5$"),
        ({"weeks": True}, r"^weeks: a whole number from 1 to 2000 .*, got True$"),
        ({"rng": -1}, r"^rng: a whole number from 0 up \(or None: a fresh seed is drawn\), got -1$"),
        ({"seed": -3}, r"^seed: a whole number from 0 up .*, got -3$"),
    ],
)
def test_bad_weeks_and_seeds_name_the_field_and_the_allowed_values(kwargs, message):
    from sim.input import ScenarioError

    with pytest.raises(ScenarioError, match=message):
        AlignmentModel("b2b_activation", **kwargs)


def test_the_horizon_is_the_scenarios_unless_given():
    assert AlignmentModel(seed=1).weeks == 52 and AlignmentModel(seed=1, weeks=np.int64(3)).weeks == 3
    assert AlignmentModel(seed=2**40, weeks=2000).weeks == 2000  # any seed from 0 up, the field's largest horizon


def test_reading_the_datacollector_during_a_run_changes_nothing(small):
    watched = AlignmentModel(small, seed=2)
    while watched.running:
        watched.step()
        collected = watched.datacollector.get_model_vars_dataframe()
        assert len(collected) == watched.week
    plain = AlignmentModel(small, seed=2).run()
    pd.testing.assert_frame_equal(weekly_frame(watched.records), weekly_frame(plain.records))
    agents = plain.datacollector.get_agent_vars_dataframe()
    total = agents.groupby("Step")["work_received"].sum().to_numpy()
    by_requester = sum(plain.records.by_requester.get(n, 0) for n in agents["name"].unique())
    np.testing.assert_allclose(total, by_requester)
