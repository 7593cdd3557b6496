"""Helpers shared by the ensemble, compare, executor and sweep tests: short scenarios."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SHORT_START, SHORT_END = "1931-01", "1938-06"  # the trickle (F7), the purge and the 1937 deluge; fast


def scenario_path(name: str) -> Path:
    """A shipped scenario file."""
    return SCENARIOS / f"{name}.toml"


def short(name: str = "historical", end: str = SHORT_END, **overrides):
    """A shipped scenario cut at `end`."""
    return load_scenario(scenario_path(name), overrides={"time": {"start": SHORT_START, "end": end}, **overrides})


def short_file(directory: Path, name: str = "historical", end: str = SHORT_END, extra: str = "") -> Path:
    """A scenario file extending a shipped one with a short horizon."""
    path = directory / f"{name}.toml"
    text = f'extends = "{scenario_path(name)}"\nname = "{name}"\n{extra}\n'
    path.write_text(text + f'[time]\nstart = "{SHORT_START}"\nend = "{end}"\n')
    return path


def replicate_frames(directory: Path) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(timeseries, biographies) of every stored replicate, in order."""
    return [
        (pd.read_parquet(d / "timeseries.parquet"), pd.read_parquet(d / "biographies.parquet"))
        for d in sorted((directory / "replicates").glob("r*"))
    ]


def assert_same_replicates(a: Path, b: Path) -> None:
    """Two ensemble directories hold identical replicate records."""
    left, right = replicate_frames(a), replicate_frames(b)
    assert len(left) == len(right) > 0
    for (ts_a, bio_a), (ts_b, bio_b) in zip(left, right, strict=True):
        pd.testing.assert_frame_equal(ts_a, ts_b)
        pd.testing.assert_frame_equal(bio_a, bio_b)
