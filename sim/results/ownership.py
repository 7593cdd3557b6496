"""What Cadres wrote in a result directory, and may therefore replace.

Every result directory Cadres writes (a run, an ensemble, a replicate, a
comparison, a sweep) holds a `manifest.json` that says what kind of result
it is and records every file written at its level (`files`: size and
SHA-256 of each), and which subdirectories are results of their own
(`sub_results`: glob patterns such as "replicates/*", each with its own
manifest). From it follow the two questions asked before any write:

- Is a stored result whole? `damaged_files` compares the files with their
  records: a missing, truncated or altered part makes the result incomplete,
  to be recomputed.
- May this directory be replaced? `check_replaceable` allows it only for a
  Cadres result that holds nothing but what Cadres wrote: a directory with
  no manifest, or with any file or folder not recorded in it (a user's
  notes, an analysis folder), is refused, whatever the flags.

Hidden entries named after one of the result's own entries (".r0003.x1y2",
".manifest.json.tmp", ".historical.lock") are Cadres' staging and lock
files; they are not the user's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

from sim.errors import ResultExistsError

MANIFEST = "manifest.json"

# What each kind wrote before manifests recorded their files (results of older versions).
LEGACY_ENTRIES = {
    "run": ("timeseries.parquet", "biographies.parquet", "summary.json", "figures"),
    "replicate": ("timeseries.parquet", "biographies.parquet", "summary.json"),
    "ensemble": ("replicates", "bands.parquet", "outcomes.csv", "summary.json", "figures"),
    "sweep": ("points", "samples.csv", "sensitivity.csv", "figures"),
    "comparison": ("comparison.csv", "comparison.json", "findings.md", "figures"),
}


def read_manifest(directory: Path) -> dict | None:
    """The manifest of an existing result directory, or None.

    A comparison written by an older version has no manifest of its own;
    its comparison.json, naming its scenarios, stands in for one.
    """
    found = _read_json(Path(directory) / MANIFEST)
    if found is None:
        table = _read_json(Path(directory) / "comparison.json")
        if table is not None and isinstance(table.get("scenarios"), list):
            return {"kind": "comparison", "sub_results": [str(name) for name in table["scenarios"]]}
    return found


def _read_json(path: Path) -> dict | None:
    try:
        found = json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


def file_records(directory: Path, names: Iterable[str]) -> dict[str, dict]:
    """Size and SHA-256 of each file (paths relative to `directory`), for a manifest's `files`."""
    directory = Path(directory)
    return {name: _record(directory / name) for name in sorted(names)}


def files_under(directory: Path) -> list[str]:
    """Every file below `directory`, as relative paths."""
    directory = Path(directory)
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


def _record(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def damaged_files(directory: Path, manifest: dict) -> list[str]:
    """The recorded files that are missing or differ from their records (all of them if none are recorded)."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or not recorded:
        return ["(the manifest records no files)"]
    damaged = []
    for name, expected in recorded.items():
        path = Path(directory) / name
        if not path.is_file() or path.stat().st_size != expected.get("bytes") or _record(path) != expected:
            damaged.append(name)
    return damaged


def foreign_entries(directory: Path, manifest: dict | None = None) -> list[str]:
    """Files and folders under a result directory that Cadres did not write (relative paths).

    A directory without a manifest is foreign as a whole (["."]).
    """
    directory = Path(directory)
    manifest = read_manifest(directory) if manifest is None else manifest
    if manifest is None:
        return ["."]
    recorded = manifest.get("files")
    owned = {MANIFEST, *(recorded if isinstance(recorded, dict) else LEGACY_ENTRIES.get(manifest.get("kind"), ()))}
    patterns = [str(pattern) for pattern in manifest.get("sub_results", [])]
    foreign: list[str] = []
    _walk(directory, directory, owned, patterns, foreign)
    return foreign


def _walk(root: Path, folder: Path, owned: set[str], patterns: list[str], foreign: list[str]) -> bool:
    """Collect the foreign entries below `folder`; True if it holds anything Cadres wrote."""
    prefix = "" if folder == root else f"{folder.relative_to(root)}/"
    own_here = {name.removeprefix(prefix).split("/")[0] for name in owned | set(patterns) if name.startswith(prefix)}
    holds_own = False
    for entry in sorted(folder.iterdir()):
        relative = prefix + entry.name
        if _is_staging(entry.name, own_here | {"manifest"}):
            continue
        if entry.is_dir() and not entry.is_symlink() and any(fnmatch(relative, p) for p in patterns):
            inner = foreign_entries(entry)  # a result of its own
            foreign.extend(relative + ("/" if name == "." else f"/{name}") for name in inner)
            holds_own = holds_own or inner != ["."]
        elif relative in owned:  # a recorded file (or, for older results, a whole entry)
            holds_own = True
        elif entry.is_dir() and not entry.is_symlink():
            below: list[str] = []
            if _walk(root, entry, owned, patterns, below) or any(o.startswith(relative + "/") for o in owned | set(patterns)):
                holds_own = True
                foreign.extend(below)  # a folder of Cadres': only the foreign files in it
            else:
                foreign.append(relative + "/")
        else:
            foreign.append(relative)
    return holds_own


def _is_staging(name: str, own_names: set[str]) -> bool:
    """Cadres' hidden staging and lock files are named ".<one of its entries>.<suffix>"."""
    if not name.startswith("."):
        return False
    return any(fnmatch(name, f".{own}.?*") for own in own_names)


def describe(manifest: dict) -> str:
    """What a stored result is, for messages: "a run", "an ensemble of 40 replicates", "a comparison"."""
    kind = str(manifest.get("kind", "run"))
    more = f" of {manifest.get('replicates')} replicates" if kind == "ensemble" else ""
    return f"{'an' if kind[:1] in tuple('aeiou') else 'a'} {kind}{more}"


def check_replaceable(directory: Path) -> dict | None:
    """Refuse to replace a directory unless it is absent, empty, or a Cadres result holding only Cadres' files.

    Returns:
        The manifest of the result that may be replaced (None if there is nothing).

    Raises:
        ResultExistsError: a file, a directory that is not a Cadres result, or a
            result holding files Cadres did not write (named in the message).
    """
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return None
    if not directory.is_dir() or directory.is_symlink():
        raise ResultExistsError(
            f"{directory} is not a directory; Cadres writes results only into directories: choose another --out"
        )
    if not any(directory.iterdir()):
        return None
    manifest = read_manifest(directory)
    if manifest is None:
        raise ResultExistsError(
            f"{directory} exists and is not a Cadres result (no manifest.json); Cadres never writes into it: choose another --out"
        )
    foreign = foreign_entries(directory, manifest)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ResultExistsError(
            f"{directory} holds files Cadres did not write ({shown}); Cadres replaces only its own results: "
            "move them or choose another --out"
        )
    return manifest


def refuse_foreign_figures(folder: Path, own: Iterable[str], writer: str) -> None:
    """Refuse a published figures folder that is not a folder, or holds a file `writer` did not write.

    Hidden entries (an editor's, the staging of a write) are not counted. A folder that does not exist is fine.

    Raises:
        ResultExistsError: naming the folder, and the first few foreign files.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise ResultExistsError(f"{folder} is not a folder of figures {writer} wrote; it is never replaced: move it away first")
    own = set(own)
    foreign = sorted(entry.name for entry in folder.iterdir() if entry.name not in own and not entry.name.startswith("."))
    if foreign:
        raise ResultExistsError(f"{folder} holds files {writer} did not write ({', '.join(foreign[:5])}); move them away first")
