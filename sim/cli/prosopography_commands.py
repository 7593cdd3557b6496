"""The `cadres elite` subcommand: who held the commissariat's leading posts in one run.

    cadres elite SCENARIO [--seed N] [--from YYYY-MM] [--to YYYY-MM] [--posts KIND,...] [--csv FILE [--force]]

Runs the scenario once on the bare engine (as `cadres run` does) and prints
its career table (sim/records/prosopography.py) grouped by post, with the fates of
those in post on 1 January 1937. The period defaults to 1934-01 to 1941-12,
or the part of it the scenario simulates; given dates must lie within the
run.

`--csv FILE` writes the spells table through a temporary file renamed into
place, holding FILE's lock (sim.results.locks) from the first check to the write.
An existing FILE is refused unless `--force` is given, and replaced even
then only if it is a table `cadres elite` wrote (its first line is the
table's header): a file of anyone else's is never overwritten.

Bad input (a date, a kind of post, a scenario, an output that may not or
cannot be written) is one line with exit code 2, before the run.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from sim.arguments import seed
from sim.errors import ConfigError, OutputError, ResultExistsError
from sim.scenario.config import month_index

POST_KINDS = "commissar, deputy, collegium, mission, department"  # sim.records.prosopography.KINDS, named in --help


def year_month(text: str) -> str:
    """A month as "YYYY-MM"."""
    try:
        month_index(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _kinds(text: str | None) -> tuple[str, ...]:
    from sim.records.prosopography import KINDS, post_kinds

    try:
        return KINDS if text is None else post_kinds(text)
    except ValueError as error:
        raise ConfigError("command line", "--posts", str(error)) from None


def _period(args: argparse.Namespace, scenario) -> tuple[str, str]:
    """The period asked for, within the run: by default 1934-01 to 1941-12, as far as the run (and --from, --to) allow."""
    from sim.records.prosopography import PERIOD

    first, last = scenario.start_month, scenario.end_month
    for option, value in (("--from", args.start), ("--to", args.end)):
        if value is not None and not first <= month_index(value) <= last:
            run = f"{scenario.time.start} to {scenario.time.end}"
            raise ConfigError("command line", option, f"expected a month within the run of {scenario.name} ({run}), got {value}")
    if args.start and args.end and month_index(args.end) < month_index(args.start):
        raise ConfigError("command line", "--to", f"expected a month not before --from ({args.start}), got {args.end}")
    upper = month_index(args.end) if args.end else last
    start = args.start or (PERIOD[0] if first <= month_index(PERIOD[0]) <= upper else scenario.time.start)
    end = args.end or (PERIOD[1] if month_index(start) <= month_index(PERIOD[1]) <= last else scenario.time.end)
    return start, end


def check_csv(path: Path, force: bool) -> None:
    """Refuse a CSV path that holds a file other than a table of `cadres elite` (or any file, without `force`).

    Raises:
        ResultExistsError: naming the file and what to do.
    """
    from sim.records.prosopography import COLUMNS

    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise ResultExistsError(f"{path} exists and is not a plain file; Cadres never writes over it: choose another --csv")
    try:
        with path.open(errors="replace") as handle:
            ours = handle.readline().rstrip("\r\n") == ",".join(COLUMNS)
    except OSError as error:
        raise OutputError(
            f"{path}: cannot read it ({error.strerror or error}); it is never replaced: choose another --csv"
        ) from None
    if not ours:
        raise ResultExistsError(f"{path} was not written by cadres elite; it is never replaced: choose another --csv")
    if not force:
        raise ResultExistsError(f"{path} exists; pass --force to replace it (a table cadres elite wrote) or choose another --csv")


def _elite(args: argparse.Namespace) -> int:
    from sim.experiments.limits import check_resources
    from sim.records.prosopography import Prosopography
    from sim.results.locks import output_lock
    from sim.results.storage import replace_text
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    kinds = _kinds(args.posts)
    start, end = _period(args, scenario)
    check_resources(scenario, 1, 1, args.scenario)
    csv = Path(args.csv) if args.csv else None
    with ExitStack() as held:
        if csv:
            try:
                held.enter_context(output_lock(csv))  # from the first check to the write
            except OSError as error:
                raise OutputError(f"{csv}: cannot write here ({error.strerror or error}); nothing was written") from None
            check_csv(csv, args.force)  # before the run
        table = Prosopography.of(scenario, scenario.seed if args.seed is None else args.seed, start, end, kinds)
        if csv:
            replace_text(csv, table.csv())
    print(table.format())
    if csv:
        print(f"\nspells table: {csv}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `elite` to the `cadres` parser."""
    elite = subparsers.add_parser(
        "elite", help="career table of one run: who held the elite posts and the department heads' posts, and how they left"
    )
    elite.add_argument("scenario", help="scenario file (TOML)")
    elite.add_argument("--seed", type=seed, help="seed, a whole number >= 0 (default: the scenario's `seed`)")
    for option, dest, default in (
        ("--from", "start", "first month (default: 1934-01)"),
        ("--to", "end", "last month (default: 1941-12)"),
    ):
        elite.add_argument(option, dest=dest, type=year_month, metavar="YYYY-MM", help=f"{default}, within the run")
    elite.add_argument("--posts", metavar="KIND,...", help=f"the posts to list, among {POST_KINDS} (default: all)")
    elite.add_argument("--csv", metavar="FILE", help="also write the spells table to FILE (CSV)")
    elite.add_argument(
        "--force", action="store_true", help="replace FILE if it is a table cadres elite wrote (never any other file)"
    )
    elite.set_defaults(handler=_elite)
