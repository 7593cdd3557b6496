"""Users' files are never deleted, results are whole or recomputed, one writer per directory.

Each test reproduces a way a command could destroy or misreport data: `--force`
on a foreign directory, user files inside a result, a damaged stored part, two
commands on one directory, a disk that refuses the write.
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from sim.errors import ConfigError, ResultExistsError
from sim.results.locks import output_lock
from sim.results.ownership import check_replaceable, foreign_entries, refuse_foreign_figures
from sim.results.storage import default_directory
from tests.ensemble_helpers import ROOT, short_file

RUN = ["--quiet", "--no-figures"]


def snapshot(directory):
    """Every file under `directory` with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def scenario(tmp_path):
    return short_file(tmp_path, end="1937-06")


@pytest.fixture
def single(tmp_path, scenario):
    """A stored single run (seed 1) and its files."""
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), *RUN]) == 0
    return out


def test_force_never_writes_into_a_directory_that_is_not_a_result(tmp_path, scenario, capsys):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    before = snapshot(docs)
    for flags in ([], ["--force"]):
        assert main(["run", str(scenario), "--out", str(docs), *RUN, *flags]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not a Cadres result" in err and "--force" not in err
        assert main(["run", str(scenario), "--replicates", "2", "--jobs", "1", "--out", str(docs), *RUN, *flags]) == 2
        assert "not a Cadres result" in capsys.readouterr().err
    assert snapshot(docs) == before


def test_force_never_replaces_a_plain_file(tmp_path, scenario, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    assert main(["run", str(scenario), "--out", str(target), *RUN, "--force"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert target.read_text() == "my notes"


def test_an_output_under_a_plain_file_is_one_line_and_exit_2(tmp_path, scenario, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("my notes")
    assert main(["run", str(scenario), "--out", str(blocker / "result"), *RUN]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f"{blocker} is a file" in error
    assert blocker.read_text() == "my notes"


def test_force_keeps_user_files_inside_a_result(single, scenario, capsys):
    (single / "notes.txt").write_text("what I saw")
    (single / "my_analysis").mkdir()
    (single / "my_analysis" / "table.csv").write_text("a,b\n")
    before = snapshot(single)
    assert main(["run", str(scenario), "--seed", "2", "--out", str(single), *RUN, "--force"]) == 2
    err = capsys.readouterr().err
    assert "my_analysis/" in err and "notes.txt" in err and "did not write" in err
    assert snapshot(single) == before
    # Once they are moved away, --force replaces Cadres' own result.
    shutil.rmtree(single / "my_analysis")
    (single / "notes.txt").unlink()
    assert main(["run", str(scenario), "--seed", "2", "--out", str(single), *RUN, "--force"]) == 0
    assert json.loads((single / "manifest.json").read_text())["seed"] == 2


def test_force_keeps_user_files_inside_an_ensemble(tmp_path, scenario, capsys):
    out = tmp_path / "ensemble"
    command = ["run", str(scenario), "--replicates", "2", "--jobs", "1", "--out", str(out), *RUN]
    assert main(command) == 0
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "mine.png").write_bytes(b"png")
    (out / "replicates" / "r0000" / "notes.txt").write_text("a note in a replicate")
    assert foreign_entries(out) == ["figures/", "replicates/r0000/notes.txt"]
    before = snapshot(out)
    assert main([*command, "--seed", "5", "--force"]) == 2
    assert "did not write" in capsys.readouterr().err
    assert snapshot(out) == before


def test_staging_and_lock_files_are_cadres_own(single):
    (single / ".manifest.json.tmp1").write_text("{}")
    assert foreign_entries(single) == []
    (single / ".notes.txt.swp").write_text("")
    assert foreign_entries(single) == [".notes.txt.swp"]


def test_default_output_stays_inside_runs():
    assert default_directory("historical").as_posix() == "runs/historical"
    for name in (".", "..", ""):
        with pytest.raises(ConfigError, match="inside runs/"):
            default_directory(name)
    with pytest.raises(ConfigError):
        default_directory("compare", "..")


def test_a_second_writer_of_the_same_directory_is_refused(single, scenario, capsys):
    before = snapshot(single)
    with output_lock(single):
        assert main(["run", str(scenario), "--seed", "2", "--out", str(single), *RUN, "--force"]) == 2
        assert "another cadres process" in capsys.readouterr().err
    assert snapshot(single) == before
    assert not (single.parent / ".out.lock").exists()  # released and removed


def test_two_concurrent_runs_one_wins_one_is_refused(tmp_path, scenario):
    out = tmp_path / "concurrent"
    commands = [
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "--seed", str(seed), "--out", str(out), *RUN] for seed in (1, 2)
    ]
    processes = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    outcomes = [(p.returncode, err) for p, err in zip(processes, errors, strict=True)]
    codes = sorted(code for code, _ in outcomes)
    # Either one was refused while the other wrote, or (if one finished first) the second saw another seed's result.
    assert codes == [0, 2], outcomes
    refused = next(err for code, err in outcomes if code == 2)
    assert "another cadres process" in refused or "seed" in refused
    seed = json.loads((out / "manifest.json").read_text())["seed"]
    winner = next(index for index, (code, _) in enumerate(outcomes) if code == 0)
    assert seed == (1, 2)[winner]


@pytest.mark.parametrize("damage", ["missing", "truncated", "random"])
@pytest.mark.parametrize("part", ["biographies.parquet", "timeseries.parquet", "summary.json"])
def test_a_damaged_single_run_is_recomputed_not_reported_unchanged(single, scenario, capsys, damage, part):
    good = snapshot(single)
    path = single / part
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(bytes(range(256)) * 8)
    capsys.readouterr()
    assert main(["run", str(scenario), "--seed", "1", "--out", str(single), *RUN]) == 0
    assert "unchanged" not in capsys.readouterr().out
    repaired = snapshot(single)
    for name in ("biographies.parquet", "timeseries.parquet", "summary.json"):
        assert repaired[name] == good[name]


@pytest.mark.parametrize("part", ["biographies.parquet", "timeseries.parquet"])
def test_a_damaged_replicate_is_simulated_again(tmp_path, scenario, part):
    out = tmp_path / "ensemble"
    command = ["run", str(scenario), "--replicates", "3", "--jobs", "1", "--out", str(out), *RUN]
    assert main(command) == 0
    good = pd.read_parquet(out / "replicates" / "r0001" / part)
    bands = pd.read_parquet(out / "bands.parquet")
    damaged = out / "replicates" / "r0001" / part
    damaged.write_bytes(damaged.read_bytes()[:100])
    untouched = (out / "replicates" / "r0000" / "manifest.json").stat().st_mtime_ns
    assert main(command) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(damaged), good)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "bands.parquet"), bands)
    assert (out / "replicates" / "r0000" / "manifest.json").stat().st_mtime_ns == untouched


def test_a_single_run_into_an_ensemble_says_so(tmp_path, scenario, capsys):
    out = tmp_path / "ensemble"
    assert main(["run", str(scenario), "--replicates", "2", "--jobs", "1", "--out", str(out), *RUN]) == 0
    capsys.readouterr()
    assert main(["run", str(scenario), "--out", str(out), *RUN]) == 2
    err = capsys.readouterr().err
    assert "holds an ensemble of 2 replicates, not a single run" in err and "config or seed" not in err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_disk_that_refuses_the_write_is_one_line_and_leaves_nothing(tmp_path, scenario, capsys, monkeypatch, code):
    def refuse(self, path, *args, **kwargs):
        raise OSError(code, __import__("os").strerror(code))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", refuse)
    out = tmp_path / "full"
    assert main(["run", str(scenario), "--out", str(out), *RUN]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left


def test_an_unwritable_parent_is_one_line(tmp_path, scenario, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert main(["run", str(scenario), "--out", str(tmp_path / "ro"), *RUN]) == 2
    assert "read-only file system" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value"), [("--seed", "-5"), ("--replicates", "0"), ("--replicates", "-3"), ("--jobs", "0")])
def test_bad_counts_and_seeds_are_one_line(tmp_path, scenario, capsys, option, value):
    assert main(["run", str(scenario), "--out", str(tmp_path / "x"), option, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and option in err and "expected" in err
    assert not (tmp_path / "x").exists()


def test_a_published_figures_folder_is_refused_unless_it_holds_only_cadres_figures(tmp_path):
    folder = tmp_path / "figures"
    refuse_foreign_figures(folder, ["a.png"], "cadres findings")  # not there yet: nothing to refuse
    folder.mkdir()
    (folder / "a.png").write_bytes(b"png")
    (folder / ".a.png.tmp").write_bytes(b"")  # staging, hidden
    refuse_foreign_figures(folder, ["a.png"], "cadres findings")
    (folder / "mine.png").write_bytes(b"png")
    with pytest.raises(ResultExistsError, match=r"holds files cadres findings did not write \(mine.png\)"):
        refuse_foreign_figures(folder, ["a.png"], "cadres findings")
    shutil.rmtree(folder)
    folder.write_text("my notes\n")  # a file where the folder would be
    with pytest.raises(ResultExistsError, match="is not a folder of figures"):
        refuse_foreign_figures(folder, ["a.png"], "cadres findings")
    folder.unlink()
    (tmp_path / "elsewhere").mkdir()
    folder.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ResultExistsError, match="is not a folder of figures"):
        refuse_foreign_figures(folder, ["a.png"], "cadres findings")
    assert (tmp_path / "elsewhere").is_dir() and folder.is_symlink()


def test_check_replaceable_accepts_only_cadres_results(tmp_path, single):
    assert check_replaceable(tmp_path / "absent") is None
    (tmp_path / "empty").mkdir()
    assert check_replaceable(tmp_path / "empty") is None
    assert check_replaceable(single)["kind"] == "run"
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "a.txt").write_text("")
    with pytest.raises(ResultExistsError, match="not a Cadres result"):
        check_replaceable(tmp_path / "foreign")


def test_findings_leave_the_published_page_alone_unless_asked(tmp_path, capsys, monkeypatch):
    from sim.experiments.findings import FINDINGS_SCENARIOS

    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    for name in FINDINGS_SCENARIOS:
        short_file(scenarios, name, end="1937-06")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    published = snapshot(tmp_path / "docs")
    command = ["findings", "--scenarios", str(scenarios), "--replicates", "2", "--jobs", "1", "--quiet"]
    assert main(command) == 0
    assert "unchanged" in capsys.readouterr().out
    assert snapshot(tmp_path / "docs") == published
    page = (tmp_path / "runs" / "findings" / "findings.md").read_text()
    assert "## The answer in plain words" in page and "](figures/new_generation_share.png)" in page
    assert foreign_entries(tmp_path / "runs" / "findings") == []  # the page is recorded as Cadres' own
    assert main([*command, "--publish"]) == 0
    assert (tmp_path / "docs" / "findings.md").read_text() != published["findings.md"].decode()
    assert "--replicates 2 --publish" in (tmp_path / "docs" / "findings.md").read_text()
    # A page that cadres findings did not write is never replaced.
    (tmp_path / "docs" / "findings.md").write_text("# My own findings\n")
    capsys.readouterr()
    assert main([*command, "--publish"]) == 2
    assert "not written by cadres findings" in capsys.readouterr().err
    assert (tmp_path / "docs" / "findings.md").read_text() == "# My own findings\n"
