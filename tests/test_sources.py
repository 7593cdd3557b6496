"""The documented figures live in the repository (docs/sources.md); the licence and citation match pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml  # PyYAML: a requirement of dask, which Cadres depends on

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "docs" / "sources.md"

FIGURE_ID = re.compile(r"\bF(10|[1-9])\b")
# A figure is defined by a bold heading at the start of a line: "**F1 — all responsible officials ...**"
DEFINITION = re.compile(r"^\*\*F(10|[1-9]) — ", re.MULTILINE)

CITING = ["scenarios/*.toml", "calibration/targets.toml", "docs/ODD.md", "README.md"]
REPOSITORY_FILES = [*CITING, "docs/*.md", "sim/**/*.py", "calibration/**/*.py"]
OUTSIDE_REFERENCES = ["narkomindel-figures.md", "../shared"]


def _files(patterns):
    found = {path for pattern in patterns for path in ROOT.glob(pattern) if path.is_file()}
    return sorted(found)


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _declared_license():
    declared = _pyproject()["license"]
    return declared["text"] if isinstance(declared, dict) else declared


def test_each_figure_is_defined_once():
    defined = [int(n) for n in DEFINITION.findall(SOURCES.read_text(encoding="utf-8"))]
    assert sorted(defined) == list(range(1, 11)), f"docs/sources.md defines {sorted(defined)}, expected F1..F10 once each"


def test_every_cited_figure_is_defined():
    defined = set(DEFINITION.findall(SOURCES.read_text(encoding="utf-8")))
    files = _files(CITING)
    assert len(files) > len(CITING), "the citing files were not found"
    undefined = {}
    for path in files:
        cited = set(FIGURE_ID.findall(path.read_text(encoding="utf-8")))
        if cited - defined:
            undefined[str(path.relative_to(ROOT))] = sorted(f"F{n}" for n in cited - defined)
    assert not undefined, f"figures cited but not defined in docs/sources.md: {undefined}"


def test_no_file_cites_the_outside_source():
    files = _files(REPOSITORY_FILES)
    assert any(path.suffix == ".py" for path in files), "the package sources were not found"
    offending = [
        f"{path.relative_to(ROOT)}: {reference}"
        for path in files
        for reference in OUTSIDE_REFERENCES
        if reference in path.read_text(encoding="utf-8")
    ]
    assert not offending, f"files cite a source outside the repository (use docs/sources.md): {offending}"


def test_license_names_the_declared_licence():
    declared = _declared_license()
    first_line = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.strip() == f"{declared} License", f"LICENSE begins {first_line!r}; pyproject.toml declares {declared}"


def test_citation_matches_pyproject():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == _pyproject()["version"]
    assert citation["license"] == _declared_license()
