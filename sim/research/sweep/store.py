"""A sweep folder: self-contained, movable, and read back only after checking it against the plan.

Layout (every path inside is relative, so the folder can be moved, copied or shared)::

    manifest.json            the spec, the plan's size, the chunking, provenance, checksums of the final tables
    scenario.toml            the resolved base scenario the runs start from (its SHA-256 is in the manifest)
    parts/runs-<first run>.<sha256>.parquet     one per chunk of runs, written as soon as the chunk is done
    parts/weekly-<first run>.<sha256>.parquet   the chunk's per-step series (keep_weekly)
    parts/.verified                             the names of the parts already checked against the plan
    runs.parquet, weekly.parquet                the finished sweep, streamed from the parts in run order

Chunks are fixed by the plan (chunk i holds runs i x chunk_size onwards), so a part's name says which runs it must
hold. Every file read back is capped in bytes and rows by what the plan says it holds, its checksum (in its name, or
in the manifest for the final tables) is checked before it is parsed, and its runs, points, seeds and parameter
values must be the plan's. Anything else is one line naming the file and what is wrong; on ``--resume`` a damaged
part is moved to ``parts/damaged/`` and its runs are run again, never merged. The checksums catch damage and edits
by mistake; a forger who rewrites a part and its name consistently makes a different, self-consistent result,
which only re-running the sweep can tell apart.

A part is checked against the plan once: the driver checks a chunk's rows before it writes them, ``--resume``
checks a part it finds, and either records the part's name (which holds its checksum) in ``parts/.verified``.
Afterwards (a resume, the final merge) a recorded part is trusted once its bytes still match that checksum: its
size is capped and its footer's rows and columns are checked, but its values are not compared with the plan again
(that took about 7 ms a part, minutes for a large sweep before its first task). The final tables are compared with
the plan whole whenever they are read back, so a name added to the ledger by hand skips nothing that matters.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from sim.input import ScenarioError, scenario_from_toml, show
from sim.output import write_bytes, write_text, write_with
from sim.research.sweep.spec import SweepError, SweepSpec, spec_from_dict

#: The folder layout this alignsim writes and reads (folders without it are from an older alignsim).
FORMAT = 2
#: Largest manifest.json read (a grid's values are listed in it; 1,000,000 of them fit).
MAX_MANIFEST_BYTES = 32 * 2**20
MAX_SCENARIO_BYTES = 4 * 2**20
#: Bytes a part may hold beyond its rows: Parquet's footer and schema.
PART_OVERHEAD = 2**20
#: Bytes per cell of a runs part, and per row of a per-step part, at most (generous: measured ~10 and ~300).
CELL_BYTES = 256
SERIES_ROW_BYTES = 8 * 2**10
#: Uncompressed bytes per stored byte a part may claim (Parquet's encodings compress repeated values very well).
MAX_EXPANSION = 64
#: The manifest's keys and their types (None is allowed for all but REQUIRED_KEYS).
MANIFEST_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": int,
    "spec": dict,
    "spec_hash": str,
    "scenario": dict,
    "runs": int,
    "chunk_size": int,
    "points": int,
    "seeds": list,
    "planning_seconds": (int, float),
    "estimated_seconds": (int, float),
    "provenance": dict,
    "started": str,
    "finished": str,
    "resumed": int,
    "workers": dict,
    "files": dict,
    "completed_runs": int,
}
REQUIRED_KEYS = frozenset({"format", "spec", "spec_hash", "scenario", "runs", "chunk_size"})
#: Rows per row group of the final tables (parts are gathered up to it: memory stays bounded, the footer small).
ROW_GROUP = 65_536
PART_NAME = re.compile(r"^(runs|weekly)-(\d{9})\.([0-9a-f]{32})\.parquet$")
DAMAGED = "damaged"
#: The ledger of parts checked against the plan (in ``parts/``; a dot file, so never taken for a part).
LEDGER = ".verified"
#: Bytes per ledger line at most (a part's name and a newline).
LEDGER_LINE = 64


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Layout:
    """What the plan says a sweep folder holds: which runs, chunked how, with which columns."""

    spec: SweepSpec
    points: pd.DataFrame
    n_runs: int
    chunk_size: int
    n_cases: int
    metrics: list[str]
    time: str
    horizon: int

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    def chunk_runs(self, i: int) -> range:
        return range(i * self.chunk_size, min((i + 1) * self.chunk_size, self.n_runs))

    def key_columns(self) -> list[str]:
        return ["run", "point", "seed", *(["policy", "case"] if self.spec.levers else [])]

    def columns(self) -> list[str]:
        """A runs part's columns, in order."""
        return [*self.key_columns(), *self.spec.levers, *self.spec.parameters, *self.metrics]

    def expected(self, runs: range) -> pd.DataFrame:
        """The key and parameter columns the plan gives ``runs``."""
        run = np.arange(runs.start, runs.stop, dtype=np.int64)
        point = run // self.spec.seeds
        frame = pd.DataFrame({"run": run, "point": point, "seed": run % self.spec.seeds})
        if self.spec.levers:
            frame["policy"], frame["case"] = point // self.n_cases, point % self.n_cases
        values = self.points.iloc[point].reset_index(drop=True)
        return pd.concat([frame, values], axis=1)


# ---------------------------------------------------------------- reading bytes, capped


def read_capped(path: Path, cap: int, what: str) -> bytes:
    """A regular file's bytes (never through a symlink), refused past ``cap`` bytes without reading them."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise SweepError(f"{path}: missing ({what})") from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise SweepError(f"{path}: not a regular file ({what}); alignsim reads no links, folders or devices there")
    if st.st_size > cap:
        raise SweepError(f"{path}: {st.st_size:,} bytes, more than the {cap:,} a {what} of this sweep can hold")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(cap + 1)
    except OSError as exc:
        raise SweepError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise SweepError(f"{path}: more than the {cap:,} bytes a {what} of this sweep can hold")
    return data


def parse_parquet(data: bytes, path: Path, max_rows: int, min_rows: int, columns: list[str] | None) -> pd.DataFrame:
    """Parquet bytes as a frame, after its footer shows rows, columns and sizes within the bounds given."""
    table = parse_arrow(data, path, max_rows, min_rows, columns)
    try:
        return table.to_pandas()
    except Exception:
        raise SweepError(f"{path}: damaged (its data do not decode)") from None


def parse_arrow(data: bytes, path: Path, max_rows: int, min_rows: int, columns: list[str] | None):
    """Parquet bytes as an Arrow table, after its footer shows rows, columns and sizes within the bounds given."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(pa.BufferReader(data))
        meta = file.metadata
        names = file.schema_arrow.names
    except Exception:  # pyarrow raises several types for damaged files
        raise SweepError(f"{path}: damaged (not a Parquet table)") from None
    if not min_rows <= meta.num_rows <= max_rows:
        bound = f"{min_rows:,}" if min_rows == max_rows else f"{min_rows:,}..{max_rows:,}"
        raise SweepError(f"{path}: holds {meta.num_rows:,} rows; the plan says {bound}")
    if columns is not None and names != columns:
        extra = [c for c in names if c not in columns][:3]
        missing = [c for c in columns if c not in names][:3]
        detail = f"unexpected {extra}" if extra else f"missing {missing}" if missing else "in another order"
        raise SweepError(f"{path}: its columns are not the plan's ({detail})")
    if len(names) > 4096:
        raise SweepError(f"{path}: {len(names):,} columns; a sweep's table has far fewer")
    claimed = sum(
        meta.row_group(g).column(c).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    )
    if claimed > MAX_EXPANSION * len(data) + PART_OVERHEAD:
        raise SweepError(f"{path}: claims {claimed:,} bytes uncompressed from {len(data):,}; refused")
    try:
        return file.read()
    except Exception:
        raise SweepError(f"{path}: damaged (its data do not decode)") from None


def check_rows(frame: pd.DataFrame, layout: Layout, runs: range, kind: str, where: str) -> None:
    """That ``frame`` holds what the plan says chunk ``runs`` holds: a runs part's columns, runs, points, seeds and
    parameter values; a per-step part's runs, points and seeds. A SweepError starting with ``where`` otherwise."""
    n = len(runs)
    if kind == "runs":
        if list(frame.columns) != layout.columns() or len(frame) != n:
            raise SweepError(f"{where}: its columns or rows are not the plan's for runs {runs.start}..")
        want = layout.expected(runs)
        for col in want.columns:
            if not _same(frame[col], want[col]):
                raise SweepError(f"{where}: its {col!r} values are not the plan's for runs {runs.start}..")
        return
    for col in ("run", "point", "seed", layout.time):
        if col not in frame.columns:
            raise SweepError(f"{where}: no {col!r} column")
    run = frame["run"].to_numpy()
    if (
        not np.isin(run, np.arange(runs.start, runs.stop)).all()
        or len(np.unique(run)) != n
        or not (frame["point"].to_numpy() == run // layout.spec.seeds).all()
        or not (frame["seed"].to_numpy() == run % layout.spec.seeds).all()
    ):
        raise SweepError(f"{where}: its runs, points or seeds are not the plan's for runs {runs.start}..")


def _same(a: pd.Series, b: pd.Series) -> bool:
    return len(a) == len(b) and bool((a.astype(object).to_numpy() == b.astype(object).to_numpy()).all())


# ---------------------------------------------------------------- the folder


class Folder:
    """A sweep's output folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.parts = self.out / "parts"
        self.manifest_path = self.out / "manifest.json"
        self.scenario_path = self.out / "scenario.toml"
        self._verified: set[str] | None = None

    # -- manifest and scenario
    def read_manifest(self) -> dict[str, Any]:
        """manifest.json, capped and checked in shape; a SweepError with a way out otherwise."""
        if not self.manifest_path.exists() and not self.manifest_path.is_symlink():
            raise SweepError(
                f"{self.out}: no manifest.json, so this is not a sweep folder; give a sweep's folder (or its "
                "manifest.json), as --out named it"
            )
        data = read_capped(self.manifest_path, MAX_MANIFEST_BYTES, "manifest")
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            manifest = None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("spec"), dict):
            raise SweepError(
                f"{self.manifest_path}: damaged manifest (not a sweep's manifest.json); finished runs stay in "
                f"{self.parts}: move them aside, or choose another --out and run the sweep again"
            )
        if manifest.get("format") != FORMAT:
            raise SweepError(
                f"{self.manifest_path}: a sweep folder from an older alignsim (format {show(manifest.get('format'))}"
                f", this one reads {FORMAT}); run the sweep again into another folder"
            )
        for key, kinds in MANIFEST_KEYS.items():
            value = manifest.get(key)
            required = key in REQUIRED_KEYS
            if (value is None and required) or (
                value is not None and (not isinstance(value, kinds) or isinstance(value, bool))
            ):
                raise SweepError(f"{self.manifest_path}: damaged manifest ({key} is missing or of the wrong type)")
        return manifest

    def spec(self, manifest: dict[str, Any]) -> SweepSpec:
        return spec_from_dict(manifest["spec"], source=str(self.manifest_path))

    def read_scenario(self, manifest: dict[str, Any]):
        """The folder's copy of the base scenario, checked against the manifest's hash."""
        data = read_capped(self.scenario_path, MAX_SCENARIO_BYTES, "scenario")
        if sha256(data) != manifest["scenario"].get("sha256"):
            raise SweepError(f"{self.scenario_path}: its checksum is not the manifest's; the scenario was changed")
        try:
            return scenario_from_toml(data.decode("utf-8"), str(self.scenario_path))
        except (ScenarioError, UnicodeDecodeError) as exc:
            raise SweepError(f"{self.scenario_path}: {exc}") from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_text(self.manifest_path, json.dumps(manifest, indent=2) + "\n")

    def write_scenario(self, text: str) -> str:
        data = text.encode("utf-8")
        write_bytes(self.scenario_path, data)
        return sha256(data)

    # -- parts
    def write_part(self, kind: str, first: int, frame: pd.DataFrame, meta: dict[str, Any]) -> Path:
        """A chunk's part, named by its first run and its checksum, written whole (``sim.output``)."""
        from sim.provenance import parquet_bytes

        data = parquet_bytes(frame, meta)
        path = self.parts / f"{kind}-{first:09d}.{sha256(data)[:32]}.parquet"
        write_bytes(path, data)
        return path

    def part_files(self) -> Iterator[Path]:
        try:
            entries = list(os.scandir(self.parts))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise SweepError(f"{self.parts}: cannot be listed ({exc.strerror or exc})") from None
        for e in sorted(entries, key=lambda e: e.name):
            if e.name != DAMAGED and not e.name.startswith("."):
                yield Path(e.path)

    def _part_bytes(self, path: Path, layout: Layout, runs: range, kind: str) -> bytes:
        """A part's bytes, capped by what the plan says it holds, after its name and checksum are the plan's."""
        match = PART_NAME.match(path.name)
        if not match or match.group(1) != kind or int(match.group(2)) != runs.start:
            raise SweepError(f"{path}: not a part of this sweep's plan")
        n = len(runs)
        if kind == "runs":
            cap = PART_OVERHEAD + n * len(layout.columns()) * CELL_BYTES
        else:
            cap = PART_OVERHEAD + n * (layout.horizon + 1) * SERIES_ROW_BYTES
        data = read_capped(path, cap, "part")
        if sha256(data)[:32] != match.group(3):
            raise SweepError(f"{path}: its checksum does not match its content (damaged or edited)")
        return data

    def read_part(self, path: Path, layout: Layout, runs: range, kind: str) -> pd.DataFrame:
        """A part checked against the plan: its checksum, size, rows, columns, runs, points, seeds and values."""
        table = self._part_table(path, layout, runs, kind)
        try:
            frame = table.to_pandas()
        except Exception:
            raise SweepError(f"{path}: damaged (its data do not decode)") from None
        check_rows(frame, layout, runs, kind, str(path))
        return frame

    def _part_table(self, path: Path, layout: Layout, runs: range, kind: str):
        """A part as an Arrow table, its checksum, size and footer (rows, columns) checked, not yet its values."""
        data = self._part_bytes(path, layout, runs, kind)
        n = len(runs)
        if kind == "runs":
            return parse_arrow(data, path, n, n, layout.columns())
        return parse_arrow(data, path, n * (layout.horizon + 1), n, None)

    def _read_table_part(self, path: Path, layout: Layout, runs: range, kind: str):
        """A part as an Arrow table for the merge: a part in the ledger is trusted once its checksum holds (its
        footer's rows and columns are still checked); any other is checked against the plan in full first."""
        if path.name in self.verified(layout):
            return self._part_table(path, layout, runs, kind)
        self.read_part(path, layout, runs, kind)
        return self._part_table(path, layout, runs, kind)  # the same bytes again, as the trusted ones are read

    # -- the ledger of parts checked against the plan
    def verified(self, layout: Layout) -> set[str]:
        """The names recorded in ``parts/.verified`` that are part names (read once per Folder, capped; a ledger
        that is not a regular file, or too large, counts as empty: every part is then checked in full)."""
        if self._verified is None:
            self._verified = set()
            path = self.parts / LEDGER
            if path.exists() or path.is_symlink():
                cap = PART_OVERHEAD + 2 * layout.n_chunks * LEDGER_LINE
                try:
                    text = read_capped(path, cap, "ledger").decode("ascii", "replace")
                except SweepError:
                    return self._verified
                self._verified = {line for line in text.split("\n") if PART_NAME.match(line)}
        return self._verified

    def record_verified(self, layout: Layout, paths: list[Path]) -> None:
        """Add parts checked against the plan to the ledger (appended; never through a symlink). A ledger that
        cannot be written only means those parts are checked again later."""
        names = [p.name for p in paths]
        self.verified(layout).update(names)
        try:
            fd = os.open(
                self.parts / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644
            )
        except OSError:
            return
        with os.fdopen(fd, "a", encoding="ascii") as f:
            f.write("".join(f"{name}\n" for name in names))

    def scan(self, layout: Layout, note: Callable[[str], None]) -> set[int]:
        """The chunks whose parts are all present and valid. Every other file in ``parts/`` gets one ``note``
        line; damaged parts are moved to ``parts/damaged/`` (their runs are run again, never merged)."""
        found: dict[tuple[str, int], list[Path]] = {}
        for path in self.part_files():
            match = PART_NAME.match(path.name)
            first = int(match.group(2)) if match else -1
            if not match or first % layout.chunk_size or first >= layout.n_runs:
                note(f"{path}: not a part of this sweep's plan; ignored")
                continue
            found.setdefault((match.group(1), first // layout.chunk_size), []).append(path)
        done: set[int] = set()
        kinds = ("runs", "weekly") if layout.spec.keep_weekly else ("runs",)
        trusted = self.verified(layout)
        checked: list[Path] = []
        for i in sorted({i for _, i in found}):
            ok = True
            for kind in kinds:
                good = None
                for path in found.get((kind, i), []):
                    runs = layout.chunk_runs(i)
                    try:
                        if path.name in trusted:  # checked before: its checksum is enough
                            self._part_bytes(path, layout, runs, kind)
                        else:
                            self.read_part(path, layout, runs, kind)
                            checked.append(path)
                    except SweepError as exc:
                        note(f"{exc}; its runs are run again")
                        self._set_aside(path)
                        continue
                    if good is None:
                        good = path
                    else:  # the same runs twice (e.g. a copy): keep one
                        note(f"{path}: a second part for runs {i * layout.chunk_size}..; set aside")
                        self._set_aside(path)
                ok = ok and good is not None
            if ok:
                done.add(i)
        if checked:
            self.record_verified(layout, checked)
        return done

    def _set_aside(self, path: Path) -> None:
        target = self.parts / DAMAGED
        try:
            target.mkdir(exist_ok=True)
            os.replace(path, target / path.name)
        except OSError as exc:
            raise SweepError(f"{path}: damaged, and cannot be moved aside ({exc.strerror or exc}); delete it") from None

    # -- the final tables, streamed from the parts
    def merge(self, layout: Layout, kind: str, meta: dict[str, Any]) -> dict[str, Any]:
        """Write runs.parquet or weekly.parquet from the verified parts, one part in memory at a time; returns
        what the manifest records of it (bytes, rows, SHA-256)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from sim.provenance import PARQUET_KEY

        rows = 0
        digest = hashlib.sha256()
        parts: dict[int, Path] = {}
        for p in self.part_files():
            match = PART_NAME.match(p.name)
            if match and match.group(1) == kind:
                parts.setdefault(int(match.group(2)), p)

        def write(f: IO[bytes]) -> None:
            nonlocal rows
            writer = None
            batch: list[pa.Table] = []  # parts gathered into row groups of about ROW_GROUP rows (a small footer)
            batched = 0  # rows in batch (counted as they come: summing the batch each time was quadratic)
            try:
                for i in range(layout.n_chunks):
                    path = parts.get(i * layout.chunk_size)
                    if path is None:
                        raise SweepError(
                            f"{self.parts}: no {kind} part for runs {i * layout.chunk_size}..; rerun with --resume"
                        )
                    try:
                        table = self._read_table_part(path, layout, layout.chunk_runs(i), kind)
                    except SweepError as exc:
                        raise SweepError(f"{exc}; rerun with --resume: its runs are run again") from None
                    if writer is None:
                        schema = table.schema.with_metadata(
                            {**(table.schema.metadata or {}), PARQUET_KEY: json.dumps(meta).encode()}
                        )
                        writer = pq.ParquetWriter(_Hashing(f, digest), schema)
                    try:
                        batch.append(table.cast(writer.schema))
                        batched += table.num_rows
                    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
                        raise SweepError(f"{path}: its column types differ from the other parts'") from None
                    rows += table.num_rows
                    if batched >= ROW_GROUP:
                        writer.write_table(pa.concat_tables(batch), row_group_size=ROW_GROUP)
                        batch, batched = [], 0
                if writer is not None and batch:
                    writer.write_table(pa.concat_tables(batch), row_group_size=ROW_GROUP)
            finally:
                if writer is not None:
                    writer.close()

        path = write_with(self.out / f"{kind}.parquet", write)
        return {"file": path.name, "bytes": path.stat().st_size, "rows": rows, "sha256": digest.hexdigest()}

    def read_table(self, manifest: dict[str, Any], layout: Layout, kind: str = "runs") -> pd.DataFrame:
        """runs.parquet (or weekly.parquet) of a finished sweep, checked against the manifest and the plan."""
        record = (manifest.get("files") or {}).get(f"{kind}.parquet")
        path = self.out / f"{kind}.parquet"
        if not isinstance(record, dict) or not isinstance(record.get("bytes"), int):
            raise SweepError(f"{self.out}: not a finished sweep (the manifest records no {kind}.parquet)")
        if kind == "runs":
            cap = PART_OVERHEAD + layout.n_runs * len(layout.columns()) * CELL_BYTES
        else:
            cap = PART_OVERHEAD + layout.n_runs * (layout.horizon + 1) * SERIES_ROW_BYTES
        data = read_capped(path, min(cap, max(record["bytes"], 0)), kind + " table")
        if sha256(data) != record.get("sha256"):
            raise SweepError(f"{path}: its checksum is not the manifest's (damaged or edited)")
        if kind != "runs":
            return parse_parquet(data, path, layout.n_runs * (layout.horizon + 1), layout.n_runs, None)
        frame = parse_parquet(data, path, layout.n_runs, layout.n_runs, layout.columns())
        want = layout.expected(range(layout.n_runs))
        for col in want.columns:
            if not _same(frame[col], want[col]):
                raise SweepError(f"{path}: its {col!r} values are not the plan's")
        return frame


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes what passes through to ``f``."""

    def __init__(self, f: IO[bytes], digest):
        self.f, self.digest = f, digest

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.digest.update(b)
        return self.f.write(b)
