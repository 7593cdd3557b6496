"""The comparison of calibrated model structures (calibration/structures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration import structures
from calibration.posterior import fit_table
from calibration.structures import GENERATED_BY, Structure, page, write_page
from calibration.targets import load_targets
from sim.errors import OutputError


def _table(shift: float):
    import pandas as pd

    targets = load_targets()
    simulated = pd.DataFrame([{t.id: t.documented + shift * (t.band[1] - t.band[0] + 1) for t in targets}] * 3)
    return fit_table(simulated, targets)


def test_the_page_has_every_target_for_every_structure_and_counts_inside(tmp_path):
    shown = (
        Structure("fits", "fits all", tmp_path / "a.toml", tmp_path / "a"),
        Structure("misses", "misses all", tmp_path / "b.toml", tmp_path / "b"),
        Structure("absent", "not run", tmp_path / "c.toml", tmp_path / "c"),
    )
    text = page(shown, {"fits": _table(0.0), "misses": _table(5.0)}, replicates=3)
    targets = load_targets()
    for target in targets:
        row = next(line for line in text.splitlines() if line.startswith(f"| {target.id}"))
        assert row.count("✓") == 1 and row.count("✗") == 1, row
    assert "**absent**" in text and "not calibrated yet" in text
    documented = sum(t.group == "documented" for t in targets)
    assert f"{documented} of {documented} | 0 of {documented}" in text


def test_the_page_is_written_only_over_its_own(tmp_path):
    path = tmp_path / "structures.md"
    path.write_text("my notes\n")
    with pytest.raises(OutputError):
        write_page(GENERATED_BY + "x\n", path)
    assert path.read_text() == "my notes\n"
    path.unlink()
    write_page(GENERATED_BY + "first\n", path)
    write_page(GENERATED_BY + "second\n", path)
    assert path.read_text().endswith("second\n")


def test_nothing_calibrated_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    missing = (Structure("none", "", Path(tmp_path / "none.toml"), tmp_path / "none"),)
    monkeypatch.setattr(structures, "STRUCTURES", missing)
    monkeypatch.setattr(structures, "PAGE", tmp_path / "structures.md")
    assert structures.main(["--replicates", "2", "--workers", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "structures.md").exists()


def test_each_report_ends_with_the_comparison_once_however_often_it_is_run(tmp_path):
    from calibration.structures import add_to_reports, report_section

    shown = [
        Structure("fits", "fits all", tmp_path / "a.toml", tmp_path / "a"),
        Structure("misses", "misses all", tmp_path / "b.toml", tmp_path / "b"),
    ]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.md").write_text("# Calibration of a\n\nthe fit\n")
    tables = {"fits": _table(0.0), "misses": _table(5.0)}
    section = report_section(shown, tables, replicates=3)
    add_to_reports(shown, section)
    add_to_reports(shown, section.replace("3 runs", "4 runs"))
    text = (tmp_path / "a" / "report.md").read_text()
    assert text.startswith("# Calibration of a\n\nthe fit\n\n") and text.count("## Structures compared") == 1
    assert "4 runs" in text and "| inside its band | fits | misses |" in text
    assert not (tmp_path / "b" / "report.md").exists()  # a structure without a report gets none
