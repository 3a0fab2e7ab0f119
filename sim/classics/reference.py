"""What the classic reference models share: a Mesa model that runs in periods, records one row of series values
per period, and reports end-of-run metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import mesa
import numpy as np
import pandas as pd

from sim.metrics import Kind, Metric
from sim.runner import free_models_after_their_runs
from sim.streams import named_stream, stream_root

free_models_after_their_runs()  # Mesa 3.3 would keep every model alive for good (mesa#3179)


def end_metric(
    name: str, kind: Kind, unit: str, description: str, better: Literal["higher", "lower"] = "higher"
) -> Metric:
    """A metric read at the end of a reference model's run."""
    return Metric(name=name, kind=kind, unit=unit, description=description, better=better, agg="end")


class PeriodModel(mesa.Model):
    """A Mesa model stepped one period at a time until it stops itself (``running = False``)."""

    def __init__(self, seed: int, series: tuple[str, ...], family: str):
        super().__init__(rng=seed)  # Mesa >= 3.5 deprecates seed=; rng= works on every Mesa 3
        self._stream_root = stream_root(self.rng)
        self._family = family
        self.period = 0
        self.series: dict[str, list[float]] = {name: [] for name in series}

    def stream(self, *key: str) -> np.random.Generator:
        """An independent random stream for one subsystem, fixed by the seed and the key only."""
        return named_stream(self._stream_root, self._family, *key)

    def record(self, **values: float) -> None:
        """Append this period's values to the series."""
        for name, value in values.items():
            self.series[name].append(float(value))

    def run(self) -> PeriodModel:
        while self.running:
            self.step()
        return self

    def frame(self) -> pd.DataFrame:
        """A row per period."""
        return pd.DataFrame({"period": np.arange(1, self.period + 1), **self.series})

    def summary(self) -> dict[str, float]:
        raise NotImplementedError


def simulator(model_class: Callable[..., PeriodModel]):
    """The registry's ``simulate(scenario, seed, periods) -> (series, summary, extra)`` for a period model."""

    def simulate(scenario, seed: int, periods: int | None = None):
        model = model_class(scenario, seed=seed, periods=periods).run()
        return model.frame(), model.summary(), {}

    return simulate
