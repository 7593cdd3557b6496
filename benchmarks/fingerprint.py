"""Fingerprint every output of the engine, to show that a speed change leaves results identical.

    python benchmarks/fingerprint.py dump ref.json    # before the change
    python benchmarks/fingerprint.py check ref.json   # after it: exit 1 if any run differs

The engine runs its compiled loops (sim/model/compiled/); `--reference` runs the
pure-numpy rules instead (`Engine(compiled=False)`), for a change to those.
Both give the same fingerprints (tests/model/test_compiled.py checks the outputs).

A fingerprint is a SHA-256 over a run's monthly stocks and flows, every
roster field of every person and the post history, for each shipped
scenario and seeds 0-3. A change that alters any draw or any outcome
changes it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from own_checkout import require_own_sim

from sim.model.engine import Engine
from sim.model.roster import Roster
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = range(4)


def fingerprint(scenario: Path, seed: int, compiled: bool = True) -> str:
    engine = Engine(load_scenario(scenario), seed, compiled=compiled).populate().run()
    digest = hashlib.sha256()
    digest.update(np.asarray(engine.recorder.stocks, dtype=float).tobytes())
    digest.update(np.asarray(engine.recorder.flows, dtype=float).tobytes())
    for field in Roster.FIELDS:
        digest.update(np.ascontiguousarray(engine.roster.view(field)).tobytes())
    for slots, posts, months in engine.post_history:
        for part in (slots, posts, np.broadcast_to(months, np.shape(slots))):
            digest.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["dump", "check"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--reference", action="store_true", help="run the pure-numpy rules (Engine(compiled=False))")
    args = parser.parse_args()
    require_own_sim("fingerprint.py")
    paths = sorted(SCENARIOS.glob("*.toml"))
    runs = {f"{path.stem}/{seed}": fingerprint(path, seed, not args.reference) for path in paths for seed in SEEDS}
    if args.action == "dump":
        args.file.write_text(json.dumps(runs, indent=1) + "\n")
        print(f"{len(runs)} runs fingerprinted into {args.file}")
        return 0
    reference = json.loads(args.file.read_text())
    differ = sorted(run for run in reference if runs.get(run) != reference[run])
    print(f"identical: {len(reference) - len(differ)} of {len(reference)}" + (f"; differ: {', '.join(differ)}" if differ else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
