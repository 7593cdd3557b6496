"""One replicate of an ensemble: the unit of work the executors run.

A replicate is a scenario and a seed spawned from the ensemble's
SeedSequence. `simulate_batch` runs a list of them in a worker process and
either writes each replicate directory itself (when the worker shares the
file system, as in the local pool) or sends the records back to be written
by the caller (a Dask cluster). Either way the directory holds the same
files: timeseries.parquet, biographies.parquet, posts.parquet, summary.json
(the run's summary and its key outcomes) and manifest.json, written last
with the size and SHA-256 of each part, all atomically.

A replicate that fails is returned with its error message, not raised, so
one bad parameter point does not stop a sweep.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.engine import Engine
from sim.records.outcomes import compute_outcomes, from_json, to_json
from sim.records.run_records import Records, collect
from sim.records.summary import summarize
from sim.results.ownership import damaged_files, read_manifest
from sim.results.storage import finish_manifest, read_summary, write_atomically, write_json
from sim.results.versions import package_versions
from sim.scenario.config import Scenario


@cache
def _versions() -> dict[str, str]:
    """Package versions, looked up once per worker process (the lookup scans sys.path)."""
    return package_versions()


def seed_to_json(seed: np.random.SeedSequence) -> dict:
    """A spawned SeedSequence as JSON: its entropy and spawn key."""
    return {"entropy": int(seed.entropy), "spawn_key": [int(k) for k in seed.spawn_key]}


def seed_from_json(plain: dict) -> np.random.SeedSequence:
    """The inverse of `seed_to_json`."""
    return np.random.SeedSequence(plain["entropy"], spawn_key=tuple(plain["spawn_key"]))


def replicate_name(index: int) -> str:
    """Directory name of replicate `index`."""
    return f"r{index:04d}"


@dataclass(frozen=True)
class Task:
    """A replicate to simulate: scenario, its index in the ensemble, its seed, where it goes."""

    scenario: Scenario
    index: int
    seed: np.random.SeedSequence
    directory: Path | None  # None: an ensemble kept in memory, nothing is written
    config_hash: str
    label: str = ""


@dataclass
class ReplicateResult:
    """What comes back from a worker; `records` is None once the worker has written them."""

    label: str
    index: int
    directory: Path
    seconds: float
    summary: dict = field(default_factory=dict)
    outcomes: dict[str, float] = field(default_factory=dict)
    records: Records | None = None
    error: str | None = None


def run_records(scenario: Scenario, seed: np.random.SeedSequence) -> Records:
    """Simulate one replicate with the bare engine (the same records as `Run`)."""
    return collect(Engine(scenario, seed).populate().run())


def write_replicate(task: Task, result: ReplicateResult) -> None:
    """Write a replicate directory atomically from a finished result."""
    records = result.records
    if records is None:
        raise ValueError(f"replicate {task.index} has no records to write")

    def fill(staging: Path) -> None:
        records.timeseries.to_parquet(staging / "timeseries.parquet", index=False)
        records.biographies.to_parquet(staging / "biographies.parquet", index=False)
        records.posts.to_parquet(staging / "posts.parquet", index=False)
        write_json(staging / "summary.json", {**result.summary, "outcomes": to_json(result.outcomes)})
        finish_manifest(
            staging,
            {
                "kind": "replicate",
                "scenario": task.scenario.name,
                "replicate": task.index,
                "seed": seed_to_json(task.seed),
                "config_hash": task.config_hash,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": _versions(),
            },
        )

    write_atomically(task.directory, fill)


def simulate(task: Task, write: bool) -> ReplicateResult:
    """Simulate one replicate; write it if `write` (and it has a directory), else keep its records in the result."""
    started = time.perf_counter()
    result = ReplicateResult(label=task.label, index=task.index, directory=task.directory, seconds=0.0)
    try:
        records = run_records(task.scenario, task.seed)
        result.summary = summarize(records)
        result.outcomes = compute_outcomes(records)
        result.records = records
        if write and task.directory is not None:
            write_replicate(task, result)
            result.records = None
    except Exception:  # noqa: BLE001 - a failed replicate is data (STYLE.md), reported by the caller
        result.error = traceback.format_exc(limit=3)
        result.records = None
    result.seconds = time.perf_counter() - started
    return result


def simulate_batch(tasks: list[Task], write: bool) -> list[ReplicateResult]:
    """Simulate a batch of replicates in one worker call (see sim.experiments.executors)."""
    return [simulate(task, write) for task in tasks]


def is_complete(directory: Path, config_hash: str) -> bool:
    """True if a replicate directory belongs to this config and every part is whole (size and hash as recorded).

    A replicate with a missing, truncated or altered part is incomplete: the
    ensemble simulates it again and replaces it.
    """
    found = read_manifest(directory)
    return found is not None and found.get("config_hash") == config_hash and not damaged_files(directory, found)


def read_timeseries(directory: Path) -> pd.DataFrame:
    """The stored monthly series of a replicate."""
    return pd.read_parquet(directory / "timeseries.parquet")


def read_outcomes(directory: Path) -> dict[str, float]:
    """The stored key outcomes of a replicate."""
    return from_json(read_summary(directory)["outcomes"])
