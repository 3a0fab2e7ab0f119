"""Sweeps: many runs of one scenario over a design of parameter values (and levers) and seeds, on local
processes, a Dask cluster or any ``concurrent.futures`` executor, written incrementally as checked Parquet parts
so that an interrupted sweep loses no finished run.

- ``spec``: the sweep spec (TOML) and its validation;
- ``design``: the design points, made in bulk (grid, lhs, sobol, morris; levers crossed with them);
- ``plan``: counting, cost (planning included) and checking a sweep before anything runs;
- ``run``: executing the chunks, worker fingerprints, resume, the folder read back;
- ``store``: the sweep folder (self-contained, movable, every file capped and checked on reading);
- ``analysis``: sensitivity indices (SALib) with what each design supports.
"""

from sim.research.sweep.analysis import SUPPORTS, analysis_chart, analyze, vega_field
from sim.research.sweep.design import (
    MORRIS_LEVELS,
    count_cases,
    count_points,
    count_policies,
    design_notes,
    design_points,
    problem,
)
from sim.research.sweep.planning import MAX_RUNS, Plan, make_plan, plan
from sim.research.sweep.run import (
    DASK_WORKER_TIMEOUT,
    open_folder,
    read_runs,
    read_weekly,
    run_chunk,
    spec_hash,
    sweep,
)
from sim.research.sweep.spec import Design, SweepError, SweepSpec, load_spec, spec_from_dict
from sim.research.sweep.store import Folder

__all__ = [
    "DASK_WORKER_TIMEOUT",
    "MAX_RUNS",
    "MORRIS_LEVELS",
    "SUPPORTS",
    "Design",
    "Folder",
    "Plan",
    "SweepError",
    "SweepSpec",
    "analysis_chart",
    "analyze",
    "count_cases",
    "count_points",
    "count_policies",
    "design_notes",
    "design_points",
    "load_spec",
    "make_plan",
    "open_folder",
    "plan",
    "problem",
    "read_runs",
    "read_weekly",
    "run_chunk",
    "spec_from_dict",
    "spec_hash",
    "sweep",
    "vega_field",
]
