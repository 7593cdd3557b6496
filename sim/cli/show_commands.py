"""The `cadres show` subcommand: a scenario's resolved config and the file each value came from.

    cadres show SCENARIO [--key PREFIX] [--format text|toml|json]

`text` (the default) prints aligned columns of key, value and origin (the
file that set the value, or `default`); `json` a list of {key, value,
origin}; `toml` the resolved scenario as one TOML document, each key
commented with its origin, which loads to the same scenario (sim/scenario/show.py).
`--key` keeps the key PREFIX or the keys of the table PREFIX.

A missing or bad scenario, or a `--key` that names no key or table of it,
is one line with exit code 2.
"""

from __future__ import annotations

import argparse

FORMATS = ("text", "toml", "json")


def _show(args: argparse.Namespace) -> int:
    from sim.scenario.show import explain, format_json, format_text, format_toml, select

    entries = select(explain(args.scenario), args.key)
    if args.format == "toml":
        print(format_toml(entries, args.scenario))
    else:
        print((format_json if args.format == "json" else format_text)(entries))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `show` to the `cadres` parser."""
    show = subparsers.add_parser("show", help="print a scenario's resolved config and the file each value came from")
    show.add_argument("scenario", help="scenario file (TOML)")
    show.add_argument("--key", metavar="PREFIX", help="only this key or the keys of this table, e.g. purge.multipliers")
    show.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: aligned key, value, origin (default); toml: a scenario file of the resolved values; json: a list",
    )
    show.set_defaults(handler=_show)
