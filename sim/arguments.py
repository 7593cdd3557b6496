"""Argument types of the `cadres` command line: each refuses a bad value with what was expected."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def count(text: str) -> int:
    """A number of replicates, workers or samples: a whole number of at least 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def seed(text: str) -> int:
    """A seed: a whole number of at least 0 (numpy's SeedSequence takes no negative entropy)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a seed of at least 0, got {value}")
    return value


def figure_format(text: str) -> tuple[str, ...]:
    """Figure formats: png, svg or pdf, several as a comma list ("png,svg")."""
    from sim.plots.formats import check_formats

    try:
        return check_formats(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected png, svg or pdf (several: repeat the option or a comma list), got {text!r}"
        ) from None


def add_figure_format(parser: argparse.ArgumentParser) -> None:
    """`--figure-format png|svg|pdf`, repeatable or a comma list; the default, PNG, is sim.plots.formats'."""
    parser.add_argument(
        "--figure-format",
        dest="figure_format",
        type=figure_format,
        action="extend",
        metavar="png|svg|pdf",
        help="the figures' file format: png (default), svg or pdf; several: repeat the option or give a comma list (png,svg)",
    )


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit code 2), pointing to --help."""

    def error(self, message: str) -> NoReturn:
        """Print `PROG: error: MESSAGE (see PROG --help)` and exit with code 2."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)
