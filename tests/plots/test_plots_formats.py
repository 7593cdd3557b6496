"""Figures as PNG, SVG and PDF: the Python writers, `figure_formats`, and `--figure-format` on the command line."""

from __future__ import annotations

import json

import pytest

from sim.cli import build_parser, main
from sim.experiments.ensemble import Ensemble
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.plots.formats import check_formats, figure_formats
from sim.plots.run_figures import save_figures, write_figures
from tests.ensemble_helpers import short, short_file

HEADERS = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}
RUN_FIGURES = ("cohort_composition", "cohort_composition_elite", "headcount", "exits")


def assert_valid(path) -> None:
    """A figure file is what its extension says, by its first bytes."""
    data = path.read_bytes()
    kind = path.suffix.lstrip(".")
    if kind == "svg":
        assert data.startswith(b"<?xml") and b"<svg" in data[:2000] and data.rstrip().endswith(b"</svg>"), path
    else:
        assert data.startswith(HEADERS[kind]), path
    if kind == "pdf":
        assert data.rstrip().endswith(b"%%EOF"), path


@pytest.fixture(scope="module")
def run() -> Run:
    return Run(short(), seed=1).execute(agents=False)


def test_formats_are_checked_deduplicated_and_kept_in_order():
    assert check_formats("png") == ("png",)
    assert check_formats(["svg", "PNG", ".pdf", "svg"]) == ("svg", "png", "pdf")
    assert check_formats("png, svg,pdf") == ("png", "svg", "pdf")
    assert check_formats() == ("png",)  # outside a figure_formats block
    for bad in ("jpg", "", ["png", "eps"]):
        with pytest.raises(ValueError, match="expected figure formats among png, svg, pdf"):
            check_formats(bad)


def test_save_figures_writes_each_figure_in_each_format(run, tmp_path):
    paths = save_figures(run.timeseries, tmp_path, "short", formats=("png", "svg", "pdf"))
    assert [p.name for p in paths] == [f"{name}.{kind}" for name in RUN_FIGURES for kind in ("png", "svg", "pdf")]
    for path in paths:
        assert_valid(path)


def test_vector_files_are_the_same_bytes_when_drawn_twice(run, tmp_path):
    first = {p.name: p.read_bytes() for p in save_figures(run.timeseries, tmp_path / "a", "", formats="svg,pdf")}
    second = {p.name: p.read_bytes() for p in save_figures(run.timeseries, tmp_path / "b", "", formats="svg,pdf")}
    assert first == second  # no creation date, fixed SVG ids: a manifest's hashes do not change with the clock


def test_a_bad_format_writes_nothing(run, tmp_path):
    with pytest.raises(ValueError):
        save_figures(run.timeseries, tmp_path / "figures", "", formats="gif")
    assert not (tmp_path / "figures").exists()


def test_figure_formats_sets_the_default_of_every_writer_within_its_block(run, tmp_path):
    with figure_formats(["svg", "pdf"]) as chosen:
        assert chosen == ("svg", "pdf") and check_formats() == chosen
        run.save(tmp_path / "run")
    assert check_formats() == ("png",)  # restored after the block
    names = sorted(p.name for p in (tmp_path / "run" / "figures").iterdir())
    assert names == sorted(f"{name}.{kind}" for name in RUN_FIGURES for kind in ("svg", "pdf"))
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert {f"figures/{name}" for name in names} <= set(manifest["files"])  # recorded as Cadres' own


def test_rewriting_a_figure_in_other_formats_removes_its_old_files(run, tmp_path):
    figures = {"exits": run.plot()["exits"]}
    write_figures(figures, tmp_path, ("png", "svg"))
    write_figures(figures, tmp_path, "pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exits.pdf"]


def test_ensemble_save_writes_the_formats_and_records_them(tmp_path):
    ensemble = Ensemble(short(), replicates=2, seed=3, out=tmp_path / "e").execute(Serial(), progress=False)
    with figure_formats("png,pdf"):
        ensemble.save()
    figures = sorted((tmp_path / "e" / "figures").iterdir())
    assert len(figures) == 8
    for path in figures:
        assert_valid(path)
    recorded = json.loads((tmp_path / "e" / "manifest.json").read_text())["files"]
    assert {f"figures/{p.name}" for p in figures} <= set(recorded)
    ensemble.save()  # PNG only: the PDFs go, and nothing unrecorded is left behind
    assert sorted(p.suffix for p in (tmp_path / "e" / "figures").iterdir()) == [".png"] * 4


def test_the_save_methods_take_the_figure_formats(run, tmp_path):
    run.save(tmp_path / "run", figure_formats="svg")
    assert sorted(p.name for p in (tmp_path / "run" / "figures").iterdir()) == sorted(f"{n}.svg" for n in RUN_FIGURES)
    ensemble = Ensemble(short(), replicates=2, seed=3).execute(Serial(), progress=False)
    ensemble.save(directory=tmp_path / "e", figure_formats=["pdf", "png"])
    assert sorted(p.suffix for p in (tmp_path / "e" / "figures").iterdir()) == [".pdf"] * 4 + [".png"] * 4


def test_a_comparison_saves_its_figures_in_the_formats_asked_for(tmp_path):
    from sim.experiments.compare import Comparison

    comparison = Comparison([short(), short("no_purge")], replicates=2, seed=3).execute(Serial(), progress=False)
    with pytest.raises(ValueError, match="got gif"):
        comparison.save(directory=tmp_path / "c", figure_formats="gif")
    assert not (tmp_path / "c").exists()
    comparison.save(directory=tmp_path / "c", figure_formats="svg")
    figures = sorted((tmp_path / "c" / "figures").iterdir())
    assert len(figures) == 4 and all(p.suffix == ".svg" for p in figures)
    for path in figures:
        assert_valid(path)


def test_a_save_method_given_a_bad_figure_format_writes_nothing(run, tmp_path):
    with pytest.raises(ValueError, match="expected figure formats among png, svg, pdf, got gif"):
        run.save(tmp_path / "run", figure_formats="gif")
    ensemble = Ensemble(short(), replicates=2, seed=3).execute(Serial(), progress=False)
    with pytest.raises(ValueError, match="got eps"):
        ensemble.save(directory=tmp_path / "e", figure_formats="eps")
    assert list(tmp_path.iterdir()) == []


def test_a_saved_run_holds_the_figures_of_its_plot(run, tmp_path):
    run.save(tmp_path / "run", figure_formats="svg")  # titled by the label, the scenario's own purge marked
    drawn = write_figures(run.plot(), tmp_path / "plot", "svg")
    for path in drawn:
        assert (tmp_path / "run" / "figures" / path.name).read_bytes() == path.read_bytes(), path.name


# The command line


def test_the_option_is_repeatable_or_a_comma_list_and_png_by_default():
    parser = build_parser()
    parse = parser.parse_args
    assert parse(["run", "x.toml"]).figure_format is None  # sim.plots.formats' default, PNG
    assert parse(["run", "x.toml", "--figure-format", "svg", "--figure-format", "pdf"]).figure_format == ["svg", "pdf"]
    assert parse(["compare", "a.toml", "b.toml", "--figure-format", "png,svg"]).figure_format == ["png", "svg"]
    assert parse(["sweep", "a.toml", "--samples", "2", "--figure-format", "pdf"]).figure_format == ["pdf"]


def test_an_unknown_format_is_a_usage_error(tmp_path, capsys):
    assert main(["run", str(short_file(tmp_path)), "--out", str(tmp_path / "out"), "--figure-format", "jpg"]) == 2
    assert "expected png, svg or pdf" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_command_writes_svg_and_pdf(tmp_path):
    out = tmp_path / "out"
    argv = ["run", str(short_file(tmp_path)), "--seed", "2", "--out", str(out), "--quiet"]
    assert main([*argv, "--figure-format", "svg", "--figure-format", "pdf"]) == 0
    figures = sorted((out / "figures").iterdir())
    assert sorted(p.name for p in figures) == sorted(f"{name}.{kind}" for name in RUN_FIGURES for kind in ("svg", "pdf"))
    for path in figures:
        assert_valid(path)
    assert main([*argv, "--figure-format", "png,svg"]) == 0  # a format not stored yet: the figures are redrawn
    assert {p.suffix for p in (out / "figures").iterdir()} == {".png", ".svg"}


def test_compare_command_writes_the_formats_asked_for(tmp_path):
    a, b = short_file(tmp_path, "historical"), short_file(tmp_path, "no_purge")
    out = tmp_path / "cmp"
    argv = ["compare", str(a), str(b), "--replicates", "2", "--jobs", "1", "--seed", "3", "--out", str(out), "--quiet"]
    assert main([*argv, "--figure-format", "png,svg,pdf"]) == 0
    names = {p.name for p in (out / "figures").iterdir()}
    expected = ("cohort_composition", "new_generation_share", "experience", "heads_of_mission_vacant")
    assert names == {f"{name}.{kind}" for name in expected for kind in ("png", "svg", "pdf")}
    for path in (out / "figures").iterdir():
        assert_valid(path)
