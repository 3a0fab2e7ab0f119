"""alignsim: an organisational alignment simulator.

Public API::

    from sim import load_scenario, run, run_many
    scenario = load_scenario("b2b_activation").with_overrides({"leadership.trump": 0.9})
    result = run(scenario, seed=1)          # result.weekly, result.summary
    ensemble = run_many(scenario, seeds=20)  # ensemble.summary, ensemble.weekly
    table = sweep("my_sweep.toml", out="results/my_sweep", workers=2)  # one row per run
"""

from sim.input import ScenarioError, bundled_scenarios, load_scenario, scenario_from_toml
from sim.metrics import METRICS, Metric
from sim.provenance import version
from sim.registry import MODELS, get_model
from sim.research.sweep import SweepError, SweepSpec, load_spec, sweep
from sim.runner import EnsembleResult, RunResult, run, run_many
from sim.scenario import Scenario

__all__ = [
    "METRICS",
    "MODELS",
    "EnsembleResult",
    "Metric",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepError",
    "SweepSpec",
    "bundled_scenarios",
    "get_model",
    "load_scenario",
    "load_spec",
    "run",
    "run_many",
    "scenario_from_toml",
    "sweep",
]
__version__ = version()
