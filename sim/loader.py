"""Reading scenario files: TOML, `extends` chains, and clear errors.

A scenario file may name another with `extends = "other.toml"` (relative to
the including file). Tables are merged key by key, the including file
winning; arrays and scalars are replaced whole. Files are parsed as data
with `tomllib`; nothing in them is ever executed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config import Scenario


class ConfigError(Exception):
    """A scenario that cannot be used, with the file and key that are wrong."""

    def __init__(self, path: Path | str, key: str, expected: str) -> None:
        self.path = str(path)
        self.key = key
        self.expected = expected
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {expected}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(path, "", "expected a TOML file, found a directory") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"not valid TOML ({error})") from None


def _merge(base: dict, override: dict, base_origin: dict, origin: Path, prefix: tuple = ()) -> None:
    """Merge `override` into `base` in place, recording which file set each key."""
    for key, value in override.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            # A table-level check (shares adding up, dates in order) blames the
            # last file that touched the table.
            base_origin[path] = origin
            _merge(base[key], value, base_origin, origin, path)
        else:
            base[key] = value
            base_origin[path] = origin
            if isinstance(value, dict):
                _record_origin(value, origin, base_origin, path)


def _record_origin(tree: dict, origin: Path, origins: dict, prefix: tuple = ()) -> None:
    for key, value in tree.items():
        path = (*prefix, key)
        origins[path] = origin
        if isinstance(value, dict):
            _record_origin(value, origin, origins, path)


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict]:
    """Return the merged tree of `path` and its `extends` chain, with key origins."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ConfigError(chain[-1], "extends", f"expected no cycle, found {cycle}")
    tree = _read_toml(path)
    parent = tree.pop("extends", None)
    if parent is None:
        origins: dict = {}
        _record_origin(tree, path, origins)
        return tree, origins
    if not isinstance(parent, str):
        raise ConfigError(path, "extends", f"expected a file name as a string, got {parent!r}")
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ConfigError(path, "extends", f"expected an existing file, {parent_path} not found")
    merged, origins = _resolve(parent_path, (*chain, path))
    _merge(merged, tree, origins, path)
    return merged, origins


def _origin_of(location: tuple, origins: dict, fallback: Path) -> Path:
    for end in range(len(location), 0, -1):
        found = origins.get(tuple(location[:end]))
        if found is not None:
            return found
    return fallback


def _describe(error: dict) -> str:
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    message = message.removeprefix("Value error, ")
    if "input" in error and error["type"] not in {"value_error", "assertion_error"}:
        message = f"{message}, got {error['input']!r}"
    return message


def resolve_tree(path: Path | str) -> dict[str, Any]:
    """Return the merged, unvalidated key tree of a scenario file."""
    tree, _ = _resolve(Path(path), ())
    return tree


def validate_tree(tree: dict[str, Any], path: Path | str, origins: dict | None = None) -> Scenario:
    """Validate a merged key tree; raise ConfigError naming the first bad key."""
    path = Path(path)
    tree = dict(tree)
    if (origins or {}).get(("name",)) != path.resolve():
        tree["name"] = path.stem  # a file that does not name itself is named after itself, not its parent
    try:
        # Strict mode through JSON: "30" is not a number and "yes" not a boolean,
        # while TOML arrays still validate as the schema's tuples.
        return Scenario.model_validate_json(json.dumps(tree, default=str), strict=True)
    except ValidationError as failure:
        error = failure.errors()[0]
        # Pydantic reports list positions and tuple slots as numbers; keep them.
        location = tuple(str(part) for part in error["loc"])
        message = _describe(error)
        if not location and ": " in message:
            # A check across tables names its key at the start of its message.
            first, message = message.split(": ", 1)
            location = tuple(first.split("."))
        source = _origin_of(location, origins or {}, path.resolve())
        raise ConfigError(_display(source), ".".join(location), message) from None


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_scenario(path: Path | str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario file.

    Args:
        path: the scenario TOML file.
        overrides: optional key tree merged over the file's (e.g. from a notebook).

    Raises:
        ConfigError: the file, the key path and what was expected.
    """
    path = Path(path)
    try:
        tree, origins = _resolve(path, ())
    except ConfigError as error:
        raise ConfigError(_display(Path(error.path)), error.key, error.expected) from None
    if overrides:
        _merge(tree, overrides, origins, path.resolve())
    return validate_tree(tree, path, origins)


def scenario_hash(scenario: Scenario) -> str:
    """Return a stable hash of the resolved scenario (its JSON form)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
