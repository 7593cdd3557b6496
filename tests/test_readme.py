"""The README a newcomer reads: the commands CI runs, the ways in it names, the pictures it shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_ci_runs_the_readmes_two_commands_verbatim():
    commands = re.findall(r"```bash\n# Install and run [^\n]*\n([^\n]+)\n```", section("Quickstart"))
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, command


def test_the_three_ways_in_link_to_sections_and_files_that_exist():
    text = section("Three ways in")
    for way in ("The command line", "Python", "The app"):
        assert f"**{way}**" in text, way
    headings = {anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.MULTILINE)}
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert {link for link in links if link.startswith("#")} == {
        "#calibration-ensembles-and-counterfactuals",
        "#from-python",
        "#the-app",
    }
    for link in links:
        if link.startswith("#"):
            assert link[1:] in headings, link
        else:
            assert (ROOT / link).is_file(), link


def test_every_picture_the_readme_shows_is_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/figures/app.png" in pictures and "docs/figures/cohort_composition.png" in pictures
    for picture in pictures:
        data = (ROOT / picture).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), picture


def layout_rows() -> list[list[str]]:
    """The first column of the README's layout table: the packages and modules of each row, in order."""
    text = README[README.index("## Layout\n") :]
    rows = re.findall(r"^\| (`[^|]+) \|", text, re.MULTILINE)
    return [re.findall(r"`([^`]+)`", row) for row in rows]


def as_path(module: str) -> str:
    """The file or folder of a module: sim.errors is sim/errors.py, sim.model is sim/model/."""
    path = module.replace(".", "/")
    return f"{path}.py" if (ROOT / f"{path}.py").exists() else f"{path}/"


def test_the_layout_table_lists_the_trees_packages_in_the_contracts_layers_order():
    import tomllib

    listed = [path for row in layout_rows() for path in row]
    sim = ROOT / "sim"
    tree = {f"sim/{p.parent.name}/" for p in sim.glob("*/__init__.py")}
    tree |= {f"sim/{p.name}" for p in sim.glob("*.py") if p.name != "__init__.py"}
    tree.add("calibration/")
    assert sorted(listed) == sorted(tree)  # every package and top-level module once, nothing that is not there

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    layers = [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]
    order = [as_path(name) for layer in layers for name in layer]
    assert [path for path in listed if path in order] == order  # top to bottom, as the contract has them
