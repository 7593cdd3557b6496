"""Runs on disk: a result directory written whole or not at all.

A run directory holds manifest.json (resolved config, its hash, seed,
package versions), timeseries.parquet, biographies.parquet, summary.json
and figures/. It is written into a temporary sibling directory and renamed
into place, so an interrupted or failed run never leaves a half-written
result, and an existing result is never overwritten unless asked.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sim.config import Scenario
from sim.loader import scenario_hash
from sim.versions import package_versions


class ResultExistsError(Exception):
    """An output directory already holds results that the caller did not ask to replace."""


def manifest(scenario: Scenario, seed: int | str) -> dict:
    """The provenance record of a run."""
    return {
        "scenario": scenario.name,
        "seed": seed,
        "config_hash": scenario_hash(scenario),
        "config": scenario.model_dump(mode="json"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
    }


def read_manifest(directory: Path) -> dict | None:
    """The manifest of an existing result directory, or None."""
    try:
        return json.loads((directory / "manifest.json").read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None


def read_summary(directory: Path) -> dict:
    """The stored summary.json of a result directory."""
    return json.loads((directory / "summary.json").read_text())


def existing_result(directory: Path, scenario: Scenario, seed: int | str) -> bool:
    """True if `directory` already holds the result of this config and seed.

    Raises:
        ResultExistsError: it holds something else (another config or seed, or unknown files).
    """
    if not directory.exists() or (directory.is_dir() and not any(directory.iterdir())):
        return False
    found = read_manifest(directory)
    if found is None:
        raise ResultExistsError(f"{directory} exists and is not a Cadres result; choose another --out or pass --force")
    if found.get("config_hash") == scenario_hash(scenario) and found.get("seed") == seed:
        return True
    raise ResultExistsError(
        f"{directory} holds results of a different config or seed (seed {found.get('seed')}); "
        "pass --force to replace them or choose another --out"
    )


def write_atomically(directory: Path, fill: Callable[[Path], None]) -> Path:
    """Create `directory` by filling a temporary sibling and renaming it into place.

    An existing `directory` is replaced only once the new one is complete.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; results are ordinary files
    try:
        fill(staging)
        if directory.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
            os.replace(directory, retired / "result")
            os.replace(staging, directory)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def write_json(path: Path, payload: dict) -> None:
    """Write JSON with stable key order."""
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=_plain) + "\n")


def _plain(value):
    """Make numpy scalars JSON-serialisable."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
