"""Reading scenario files: TOML, `extends` chains, and clear errors.

A scenario file may name another with `extends = "other.toml"` (relative to
the including file). Tables are merged key by key, the including file
winning; arrays and scalars are replaced whole. Files are parsed as data
with `tomllib`; nothing in them is ever executed.

Whatever is wrong with a file (missing, a directory, a symlink loop,
unreadable, not UTF-8, not TOML, too large, an `extends` chain too deep or
circular) is a `ConfigError` naming the file; a missing or looping
`extends` target is blamed on the `extends` key of the file that names it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ConfigError
from sim.scenario.config import NAME_RULE, Scenario, name_problem

MAX_EXTENDS_DEPTH = 32  # files in one `extends` chain; the shipped chains have at most 4
MAX_FILE_BYTES = 1_000_000  # a scenario file's size; the shipped ones are under 10 kB


def _unreadable(path: Path, error: OSError) -> ConfigError:
    return ConfigError(path, "", f"cannot be read ({error.strerror or error})")


def _locate(path: Path, named_by: Path | None) -> Path:
    """Return the absolute path of a scenario file, or raise ConfigError saying why there is none.

    A file named by another's `extends` (`named_by`) that is missing, a
    directory or a symlink loop is an error of that `extends` key.
    """

    def refuse(found: str, what: str) -> ConfigError:
        if named_by is None:
            return ConfigError(path, "", found)
        return ConfigError(named_by, "extends", f"expected an existing file, {path} {what}")

    try:
        resolved = path.resolve(strict=True)
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        raise refuse("file not found", "not found") from None
    except RuntimeError:  # a symlink loop, as Python 3.12 reports it
        raise refuse("expected a TOML file, found a symlink loop", "is a symlink loop") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise refuse("expected a TOML file, found a symlink loop", "is a symlink loop") from None
        raise _unreadable(path, error) from None
    if stat.S_ISDIR(mode):
        raise refuse("expected a TOML file, found a directory", "is a directory")
    if not stat.S_ISREG(mode):
        raise ConfigError(path, "", "expected a TOML file, found a device, pipe or socket")
    return resolved


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse one scenario file (an existing regular file, see `_locate`)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _unreadable(path, error) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(path, "", f"expected a scenario file of at most {MAX_FILE_BYTES:,} bytes, this one is larger")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ConfigError(path, "", f"expected a TOML text file, found binary data (a NUL byte on line {line})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, byte = data.count(b"\n", 0, error.start) + 1, data[error.start]
        raise ConfigError(path, "", f"expected UTF-8 text, line {line} has a byte that is not UTF-8 ({byte:#04x})") from None
    try:
        return tomllib.loads(text)
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


def _resolve(path: Path, chain: tuple[Path, ...], named_by: Path | None = None) -> tuple[dict, dict]:
    """Return the merged tree of `path` and its `extends` chain, with key origins."""
    path = _locate(path, named_by)
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
    if len(chain) + 1 >= MAX_EXTENDS_DEPTH:
        files = " -> ".join(p.name for p in (*chain, path))
        raise ConfigError(
            path, "extends", f"expected an extends chain of at most {MAX_EXTENDS_DEPTH} files, {files} goes on to {parent}"
        )
    merged, origins = _resolve(path.parent / parent, (*chain, path), named_by=path)
    if "label" not in tree:  # a label names the file that sets it, not the files that extend it
        merged.pop("label", None)
        origins.pop(("label",), None)
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


def resolve_with_origins(path: Path | str) -> tuple[dict[str, Any], dict[tuple[str, ...], Path]]:
    """Return the merged, unvalidated key tree of a scenario file and the file that set each key.

    The origins map each key path (a tuple of keys, tables included) to the
    absolute path of the last file in the `extends` chain that set it, the
    same record `load_scenario` blames errors on; a key no file sets (a
    schema default) has none. Lists are single values: their items have no
    origins of their own.

    Raises:
        ConfigError: a file of the chain that is missing or unreadable, or a bad `extends`.
    """
    try:
        return _resolve(Path(path), ())
    except ConfigError as error:
        raise ConfigError(_display(Path(error.path)), error.key, error.expected) from None


def resolve_tree(path: Path | str) -> dict[str, Any]:
    """Return the merged, unvalidated key tree of a scenario file."""
    tree, _ = resolve_with_origins(path)
    return tree


def validate_tree(tree: dict[str, Any], path: Path | str, origins: dict | None = None) -> Scenario:
    """Validate a merged key tree; raise ConfigError naming the first bad key."""
    path = Path(path)
    tree = dict(tree)
    if (origins or {}).get(("name",)) != path.resolve():
        # A file that does not name itself is named after itself, not its parent.
        if not name_problem(path.stem):
            tree["name"] = path.stem
        elif origins is not None or "name" not in tree:
            raise ConfigError(
                _display(path.resolve()),
                "name",
                f'the file sets no name and its file name "{path.stem}" is not one ({NAME_RULE}); add name = "..."',
            )
        # Without origins, a tree that names itself keeps its name when the file name is none.
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
    tree, origins = resolve_with_origins(path)
    if overrides:
        _merge(tree, overrides, origins, path.resolve())
    return validate_tree(tree, path, origins)


def scenario_hash(scenario: Scenario) -> str:
    """Return a stable hash of the resolved scenario (its JSON form)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
