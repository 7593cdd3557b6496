"""The `cadres app` subcommand: the interactive page on the Mesa model.

    cadres app [--port 8765] [--host 127.0.0.1] [--scenarios DIR]

Checks what it can before the server starts (the `[app]` extra is
installed, the scenario directory holds a scenario that loads, the port is
free), each refused on one line with exit code 2; then becomes `solara run
sim.app.page --production` (the same process, so that stopping it stops
the server), serving Solara's JavaScript from the installed packages: the
page needs no network.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
from pathlib import Path

from sim.errors import ConfigError

INSTALL = "pip install -e '.[app]'"
SOLARA = "1.58.2"  # the [app] extra's pin: this version with solara-assets serves its JavaScript itself
EXTRA_MODULES = ("solara", "solara.server", "altair", "ipyvuetify")  # what the [app] extra brings


def port(text: str) -> int:
    """A TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {value}")
    return value


def missing_extra() -> str | None:
    """The first module of the `[app]` extra that is not installed, or None."""
    for module in EXTRA_MODULES:
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except ModuleNotFoundError:  # a parent package is missing
            return module
    return None


def _check_port(host: str, number: int) -> None:
    try:
        with socket.create_server((host, number)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else error
        raise ConfigError("command line", "--port", f"expected a free port on {host}, got {number} ({reason})") from None


def solara_command(host: str, number: int) -> list[str]:
    """The server's command line: `python -m solara run sim.app.page`, in production mode (no reloading)."""
    return [
        sys.executable, "-m", "solara", "run", "sim.app.page", "--host", host, "--port", str(number),
        "--production", "--no-open", "--no-check-version",  # no reloading, no browser, no look-up of Solara's latest version
    ]  # fmt: skip


def server_environment(scenarios: Path) -> dict[str, str]:
    """The server's environment: the scenario directory for the page, Solara's usage telemetry off (it posts to the web)."""
    warnings = os.environ.get("PYTHONWARNINGS", "")
    return {
        **os.environ,
        "CADRES_APP_SCENARIOS": str(scenarios),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        # Solara warns that a page on plain http at an address other than "localhost" gets lax
        # same-site cookies, which is what a page on this machine needs
        "PYTHONWARNINGS": ",".join(filter(None, [warnings, "ignore:Cookies with samesite=none require https:UserWarning"])),
    }


def _app(args: argparse.Namespace) -> int:
    from sim.app.catalogue import SHIPPED, Catalogue

    missing = missing_extra()
    if missing:
        print(f"error: cadres app needs the [app] extra ({missing} is not installed): {INSTALL}", file=sys.stderr)
        return 2
    catalogue = Catalogue.of(args.scenarios or SHIPPED)
    _check_port(args.host, args.port)
    from importlib.metadata import version

    if version("solara") != SOLARA:
        print(
            f"warning: solara {version('solara')} may load its JavaScript from a CDN; the [app] extra pins {SOLARA}",
            file=sys.stderr,
        )
    for name, reason in catalogue.skipped:
        print(f"warning: {name} left out: {reason}", file=sys.stderr)
    address = f"http://{args.host}:{args.port}/"
    print(f"cadres app: {len(catalogue.names)} scenarios of {catalogue.directory}, on {address} (Ctrl-C stops it)")
    sys.stdout.flush()
    command = solara_command(args.host, args.port)
    os.execve(command[0], command, server_environment(catalogue.directory))
    return 0  # not reached: the server replaces this process


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `app` to the `cadres` parser."""
    app = subparsers.add_parser(
        "app", help="interactive page (Mesa's SolaraViz): step a scenario month by month beside another on the same seed"
    )
    app.add_argument("--port", type=port, default=8765, help="port to serve on (default: 8765)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.add_argument("--scenarios", metavar="DIR", help="directory of scenario files to offer (default: the shipped scenarios/)")
    app.set_defaults(handler=_app)
