"""Where a resolved scenario's values come from (`cadres show`).

Every leaf key of the validated scenario, dotted (`purge.multipliers.rank.elite`),
with its value and its origin: the last file of the `extends` chain that set
it, as `sim.scenario.loader` merges the chain (relative to the working directory when
it lies below it), or `default` for a schema default that no file sets. A
`name` that no file of the scenario sets for itself is its file name, and
says so. Lists (schedules such as `purge.intensity`) are single values.

Values are rendered on one line as JSON, which for a scenario's values
(strings, numbers, booleans, arrays, empty tables) is also TOML; TOML has no
null, but a `None` is always a schema default (no file can set one).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.scenario.loader import resolve_with_origins, validate_tree

DEFAULT = "default"
VALUE_COLUMN = 40  # the text format aligns origins after values up to this width; longer values push them right
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Entry:
    """One leaf key of a resolved scenario: its path, its value (JSON form) and where it came from."""

    path: tuple[str, ...]
    value: Any
    origin: str

    @property
    def key(self) -> str:
        """The dotted key, e.g. `purge.multipliers.rank.elite`."""
        return ".".join(self.path)


def _display(path: Path) -> str:
    for base in (Path.cwd(), Path.cwd().resolve()):
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return str(path)


def _leaves(tree: dict[str, Any], prefix: tuple[str, ...] = ()):
    for key, value in tree.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield path, value


def explain(path: Path | str) -> list[Entry]:
    """Resolve and validate a scenario; return its leaf keys in schema order with their values and origins.

    Raises:
        ConfigError: the scenario cannot be loaded (the same error `load_scenario` gives).
    """
    path = Path(path)
    tree, origins = resolve_with_origins(path)
    scenario = validate_tree(tree, path, origins)
    own_file = path.resolve()
    entries = []
    for key_path, value in _leaves(scenario.model_dump(mode="json")):
        origin = origins.get(key_path)
        if key_path == ("name",) and origin != own_file:
            label = f"{_display(own_file)} (file name)"  # validate_tree names such a scenario after its file
        else:
            label = DEFAULT if origin is None else _display(origin)
        entries.append(Entry(key_path, value, label))
    return entries


def select(entries: list[Entry], prefix: str | None) -> list[Entry]:
    """The entries whose key is `prefix` or lies in the table `prefix` (all of them for None).

    Raises:
        ConfigError: no key is or lies under `prefix`, naming what the nearest table holds.
    """
    if prefix is None:
        return entries
    wanted = tuple(prefix.strip(".").split("."))
    problem = "no such key"
    chosen = [entry for entry in entries if entry.path[: len(wanted)] == wanted]
    if chosen:
        return chosen
    for depth in range(len(wanted) - 1, -1, -1):
        table = wanted[:depth]
        if any(entry.path == table for entry in entries):
            problem = f"{'.'.join(table)} is a single value, not a table"
            break
        children = list(dict.fromkeys(entry.path[depth] for entry in entries if entry.path[:depth] == table))
        if children:
            where = ".".join(table) if table else "the scenario"
            problem = f"{where} holds {', '.join(children)}"
            break
    raise ConfigError("command line", "--key", f"expected a key or table of the scenario, got {prefix!r}: {problem}")


def render(value: Any) -> str:
    """A value on one line: JSON, which is also TOML for every value but None (DEL escaped, as TOML requires)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def format_text(entries: list[Entry]) -> str:
    """Aligned columns: key, value, origin."""
    values = [render(entry.value) for entry in entries]
    key_width = max((len(entry.key) for entry in entries), default=0)
    value_width = min(max((len(value) for value in values), default=0), VALUE_COLUMN)
    return "\n".join(
        f"{entry.key:<{key_width}}  {value:<{value_width}}  {entry.origin}" for entry, value in zip(entries, values, strict=True)
    )


def format_json(entries: list[Entry]) -> str:
    """A JSON list of {key, value, origin}."""
    rows = [{"key": entry.key, "value": entry.value, "origin": entry.origin} for entry in entries]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def _toml_key(path: tuple[str, ...]) -> str:
    return ".".join(part if _BARE_KEY.fullmatch(part) else render(part) for part in path)


def format_toml(entries: list[Entry], source: str) -> str:
    """A TOML document of dotted keys, each commented with its origin; all entries load to the same scenario.

    Keys whose value is None are left out: TOML has no null, and None is the default of every key that may hold it.
    """
    lines = [
        f"# {source} resolved by `cadres show`: every key, and the file it came from.",
        "# Paths in `calibration` (targets, write_to, write_extends) are read relative to the scenario file.",
    ]
    for entry in entries:
        if entry.value is not None:
            origin = DEFAULT if entry.origin == DEFAULT else f"from {entry.origin}"
            lines.append(f"{_toml_key(entry.path)} = {render(entry.value)}  # {origin}")
    return "\n".join(lines)
