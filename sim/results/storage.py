"""Runs on disk: a result directory written whole or not at all.

A run directory holds manifest.json (resolved config, its hash, seed,
package versions, and the size and SHA-256 of every file written),
timeseries, biographies and posts (.parquet, or .csv with --format csv),
data_dictionary.csv (sim/records/dictionary.py), summary.json and figures/. It is
written into a temporary sibling directory, the manifest last, and renamed
into place, so an interrupted or failed run never leaves a half-written
result. An existing directory is replaced only if it is a Cadres result
holding nothing but Cadres' own files (sim.results.ownership), and only once its
successor is complete.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import ConfigError, OutputError, ResultExistsError
from sim.months import json_text
from sim.results.ownership import check_replaceable, damaged_files, describe, file_records, files_under, read_manifest
from sim.results.versions import package_versions
from sim.scenario.config import Scenario
from sim.scenario.loader import scenario_hash


def manifest(scenario: Scenario, seed: int | str, format: str = "parquet") -> dict:
    """The provenance record of a run (its `files` are added when the run is written)."""
    return {
        "kind": "run",
        "scenario": scenario.name,
        "seed": seed,
        "format": format,
        "config_hash": scenario_hash(scenario),
        "config": scenario.model_dump(mode="json"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
    }


RUNS = Path("runs")  # default home of results, relative to the working directory
FORMATS = ("parquet", "csv")  # how tables are written: Parquet (typed, compact), or CSV for Excel, R and Stata


def write_frame(frame, path: Path, format: str = "parquet") -> None:
    """Write a table to `path` as Parquet or as CSV (dates as YYYY-MM-DD, missing values as empty cells).

    Raises:
        ValueError: a format not in FORMATS.
    """
    if format not in FORMATS:
        raise ValueError(f"expected a format among {', '.join(FORMATS)}, got {format!r}")
    if format == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def write_table(frame, directory: Path, stem: str, format: str = "parquet") -> str:
    """Write a table as `directory`/`stem`.parquet or .csv (see `write_frame`); its file name."""
    name = f"{stem}.{format}"
    write_frame(frame, Path(directory) / name, format)
    return name


def default_directory(*parts: str) -> Path:
    """The default output directory `runs/<parts...>`, refused unless it lies strictly inside runs/.

    Scenario names are checked to be safe path components (sim.scenario.config); this
    is the last guard that a default output can never be runs/ itself, the
    working directory or anywhere outside.

    Raises:
        ConfigError: a part that would lead outside runs/.
    """
    path = RUNS.joinpath(*parts)
    inside = RUNS.resolve()
    resolved = path.resolve()
    if resolved == inside or not resolved.is_relative_to(inside) or any(part in ("", ".", "..") for part in parts):
        raise ConfigError("scenario", "name", f"expected a name that makes a directory inside runs/, not {path} (or pass --out)")
    return path


def read_summary(directory: Path) -> dict:
    """The stored summary.json of a result directory."""
    return json.loads((directory / "summary.json").read_text())


def existing_result(directory: Path, scenario: Scenario, seed: int | str, force: bool = False, format: str = "parquet") -> bool:
    """True if `directory` already holds the result of this config and seed, whole, its tables in `format`.

    False if there is nothing to keep: no directory, an empty one, this very
    result with a part missing or damaged, or its tables in another format
    (it is recomputed), or, with `force`, another result that Cadres wrote
    and may replace.

    Raises:
        ResultExistsError: anything Cadres may not replace (see
            sim.results.ownership.check_replaceable), a result of another kind, or
            without `force` a result of another config or seed.
    """
    found = check_replaceable(directory)
    if found is None:
        return False
    kind = found.get("kind", "run")
    if kind != "run":
        raise ResultExistsError(
            f"{directory} holds {describe(found)}, not a single run; "
            "choose another --out" + (" (or run the ensemble with --replicates)" if kind == "ensemble" else "")
        )
    if found.get("config_hash") == scenario_hash(scenario) and found.get("seed") == seed:
        return found.get("format", "parquet") == format and not damaged_files(directory, found)
    if force:
        return False
    other = "another config" if found.get("seed") == seed else f"seed {found.get('seed')}"
    raise ResultExistsError(
        f"{directory} holds the result of {other}; "
        "pass --force to replace it (Cadres replaces only its own results) or choose another --out"
    )


def write_atomically(directory: Path, fill: Callable[[Path], None]) -> Path:
    """Create `directory` by filling a temporary sibling and renaming it into place.

    An existing `directory` is replaced only if Cadres may replace it
    (sim.results.ownership.check_replaceable), and only once the new one is complete.

    Raises:
        ResultExistsError: `directory` holds something that is not Cadres' own.
        OutputError: the directory cannot be written (its message names it); nothing is left behind.
    """
    directory = Path(directory)
    check_replaceable(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as error:
        raise OutputError(f"{directory}: cannot write here ({_reason(error)}); nothing was written") from None
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; results are ordinary files
        fill(staging)
        check_replaceable(directory)  # again: something may have appeared while the run was computed
        if directory.exists():
            retired = _set_aside(directory)
            os.replace(staging, directory)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, directory)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{directory}: cannot write the result ({_reason(error)}); nothing was written") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def _set_aside(directory: Path) -> Path:
    """Rename a result out of the way (into a hidden sibling) and return the sibling to remove."""
    retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
    os.replace(directory, retired / "result")
    return retired


def retire(directory: Path) -> None:
    """Remove a result that Cadres may replace (check sim.results.ownership.check_replaceable first): rename, then delete."""
    shutil.rmtree(_set_aside(Path(directory)), ignore_errors=True)


def finish_manifest(staging: Path, record: dict) -> None:
    """Write a result's manifest last, with the size and hash of every file already in `staging`."""
    write_json(staging / "manifest.json", {**record, "files": file_records(staging, files_under(staging))})


def record_files(directory: Path, names: list[str], manifest: dict) -> None:
    """Rewrite `directory`'s manifest as `manifest`, with its stored files and `names` (just written) recorded.

    Files written into a result directory after its manifest are thereby
    Cadres' own: a later --force may replace them, and nothing else.
    """
    stored = read_manifest(directory) or {}
    files = stored.get("files", {}) | file_records(directory, names)
    replace_file(Path(directory) / "manifest.json", lambda path: write_json(path, {**manifest, "files": files}))


def replace_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file through a temporary sibling renamed into place: it is the old file or the new one, never half.

    The temporary file (".NAME.XXXXXXXX") is flushed to disk before the
    rename, and a file it replaces keeps its permissions.

    Raises:
        OutputError: it cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(handle)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({_reason(error)})") from None
    temporary = Path(temporary)
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({_reason(error)}); the previous file, if any, is unchanged") from None
    finally:
        temporary.unlink(missing_ok=True)
    return path


def replace_text(path: Path, text: str) -> Path:
    """`replace_file` of a text."""
    return replace_file(path, lambda temporary: temporary.write_text(text))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "no space left on the device"
    if error.errno == errno.EROFS:
        return "read-only file system"
    return error.strerror or str(error)


def write_json(path: Path, payload: dict) -> None:
    """Write strict JSON with stable key order: NaN as null, an infinite number refused (sim.months.json_text).

    Raises:
        ValueError: an infinite number in `payload` (month outcomes are written with sim.months.month_fields).
    """
    path.write_text(json_text(payload) + "\n")
