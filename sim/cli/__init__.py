"""The `cadres` command: the parser (`cadres`) and one module of subcommands per family.

The top layer: it may import every package, and nothing imports it
(`python -m sim.cli` runs it). Its subcommands parse arguments, call the
experiments, calibration or the app, and report bad input on one line
with exit code 2.
"""

from sim.cli.cadres import build_parser, main

__all__ = ["build_parser", "main"]
