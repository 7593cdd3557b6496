"""`cadres calibrate` writes only its own outputs and never loses a finished posterior.

The write-back path, `--out`, `--quick`, `--replace` and `--fresh`, damaged
databases, stale reports, the output lock and the import cost of the
command module. Runs that need no inference replace `run_abc` by one that is
"killed" (KeyboardInterrupt) after recording what it was asked to write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from test_calibration import PRIORS, SMALL

from sim.cli import main
from sim.results.locks import OutputBusyError, output_lock
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
POSTERIORS = ROOT / "calibration" / "posteriors"
REPORT_FILES = ("posterior.csv", "summary.csv", "predictive.csv", "fit.csv", "fit.json", "fit.png", "report.md", "run.json")

# A real calibration (not --quick, so it writes the calibrated scenario back) on a budget of seconds.
TINY = (
    SMALL
    + PRIORS
    + """
[calibration.abc]
population_size = 12
max_generations = 2
max_simulations = 150
max_minutes = 3.0
predictive_draws = 8
replicates = 6
"""
)


def digest(*paths: Path) -> dict[str, str]:
    """Every file under `paths` (or the file itself) by path: its SHA-256."""
    files = [file for path in paths for file in ([path] if path.is_file() else sorted(path.rglob("*")))]
    return {str(file): hashlib.sha256(file.read_bytes()).hexdigest() for file in files if file.is_file()}


@dataclass
class Call:
    database: Path
    beside: list[str]  # the files in the database's directory when the inference started


class KilledAbc:
    """Stands in for `calibration.abc.run_abc`: records the call, then is interrupted like a killed run."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def __call__(self, problem, targets, settings, database, workers, progress=True, seed=None, client=None):
        database = Path(database)
        self.calls.append(Call(database, sorted(path.name for path in database.parent.iterdir())))
        raise KeyboardInterrupt


@pytest.fixture(autouse=True)
def no_shipped_posteriors(tmp_path, monkeypatch) -> None:
    """Whatever the code under test does, calibration/posteriors/ of the repository is out of its reach."""
    monkeypatch.setattr("calibration.outputs.POSTERIORS", tmp_path / "default posteriors")


@pytest.fixture
def killed(monkeypatch) -> KilledAbc:
    fake = KilledAbc()
    monkeypatch.setattr("calibration.abc.run_abc", fake)
    return fake


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A directory with small.toml, its finished calibration out/ and the small_calibrated.toml it wrote."""
    home = tmp_path_factory.mktemp("finished")
    (home / "small.toml").write_text(TINY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("calibration.outputs.POSTERIORS", home / "default posteriors")
        assert main(["calibrate", str(home / "small.toml"), "--workers", "1", "--out", str(home / "out")]) == 0
    assert (home / "small_calibrated.toml").exists()
    return home


@pytest.fixture
def home(finished, tmp_path) -> Path:
    """A copy of `finished` this test may change."""
    return Path(shutil.copytree(finished, tmp_path / "home"))


def calibrate(home: Path, *options: str) -> int:
    return main(["calibrate", str(home / "small.toml"), "--workers", "1", "--out", str(home / "out"), *options])


def one_line(capsys) -> str:
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error
    return error


def set_stamp(out: Path, complete: bool) -> None:
    stamp = json.loads((out / "checkpoint.json").read_text())
    (out / "checkpoint.json").write_text(json.dumps({**stamp, "complete": complete}))


# 1. The calibrated scenario is written inside the scenario's directory, as a .toml, over nothing but its own file.


@pytest.mark.parametrize(
    ("write_to", "expected"),
    [
        ("ABSOLUTE", "inside"),
        ("../victim.toml", "inside"),
        ("notes.txt", ".toml"),
        ("hand.toml", "written by `cadres calibrate`"),
        ("sub", "a file"),
    ],
)
def test_write_to_is_refused_outside_the_scenario_directory_or_over_other_files(tmp_path, killed, capsys, write_to, expected):
    scenarios = tmp_path / "scenarios"
    (scenarios / "sub").mkdir(parents=True)
    victim, hand = tmp_path / "victim.toml", scenarios / "hand.toml"
    victim.write_text("precious = true\n")
    hand.write_text("# written by hand\nprecious = true\n")
    target = str(victim) if write_to == "ABSOLUTE" else write_to
    (scenarios / "small.toml").write_text(TINY.replace('write_to = "small_calibrated.toml"', f"write_to = {json.dumps(target)}"))
    before = digest(tmp_path)
    assert main(["calibrate", str(scenarios / "small.toml"), "--workers", "1", "--out", str(tmp_path / "out")]) == 2
    error = one_line(capsys)
    assert "calibration.write_to" in error and expected in error, error
    assert not killed.calls and not (tmp_path / "out").exists()
    assert digest(tmp_path) == before


def test_the_calibrated_scenario_is_written_whole_with_its_header_and_the_medians(finished):
    text = (finished / "small_calibrated.toml").read_text()
    assert text.startswith("# Generated by `cadres calibrate ")
    folders = (finished, finished / "out")
    assert not [entry.name for folder in folders for entry in folder.iterdir() if entry.name.endswith(".tmp")]
    medians = pd.read_csv(finished / "out/summary.csv").set_index("parameter")["median"]
    calibrated = load_scenario(finished / "small_calibrated.toml")
    assert dict(calibrated.purge.intensity)["1937-07"] == pytest.approx(medians["purge_peak"], abs=1e-6)


# 2. --out: never a file, never a directory of other files.


def test_out_that_is_a_file_is_refused_before_anything_runs(tmp_path, killed, capsys):
    (tmp_path / "small.toml").write_text(TINY)
    precious = tmp_path / "results.csv"
    precious.write_text("a,b\n1,2\n")
    assert main(["calibrate", str(tmp_path / "small.toml"), "--out", str(precious)]) == 2
    error = one_line(capsys)
    assert error.startswith("error: command line: --out") and "directory" in error, error
    assert precious.read_text() == "a,b\n1,2\n" and not killed.calls


def test_out_holding_other_files_is_refused_and_never_cleared(tmp_path, killed, capsys):
    (tmp_path / "small.toml").write_text(TINY)
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.md").write_text("years of work\n")
    assert main(["calibrate", str(tmp_path / "small.toml"), "--quick", "--out", str(out)]) == 2
    error = one_line(capsys)
    assert "--out" in error and "chapter1.md" in error, error
    assert [path.name for path in out.iterdir()] == ["chapter1.md"] and not killed.calls


# 3. --quick writes to a scratch directory and never writes the calibrated scenario back.


def test_quick_of_the_shipped_scenario_leaves_the_shipped_posterior_and_scenarios_alone(tmp_path, monkeypatch, killed):
    """On copies (in tmp_path) of the shipped scenarios and posterior, so that no regression can touch the real ones."""
    scenarios, posteriors = tmp_path / "scenarios", tmp_path / "posteriors"
    shutil.copytree(SCENARIOS, scenarios)
    shutil.copytree(POSTERIORS / "historical", posteriors / "historical")
    monkeypatch.setattr("calibration.outputs.POSTERIORS", posteriors)
    shipped, copies = digest(POSTERIORS, SCENARIOS), digest(scenarios, posteriors)
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(scenarios / "historical.toml"), "--quick", "--workers", "1"]) == 130
    assert [call.database.absolute() for call in killed.calls] == [tmp_path / "runs/calibration/historical-quick/abc.db"]
    assert digest(scenarios, posteriors) == copies and digest(POSTERIORS, SCENARIOS) == shipped


@pytest.mark.parametrize("explicit_out", [False, True])
def test_quick_never_writes_the_calibrated_scenario(tmp_path, monkeypatch, explicit_out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.toml").write_text(TINY)
    out = tmp_path / ("mine" if explicit_out else "runs/calibration/small-quick")
    options = ["--out", str(out)] if explicit_out else []
    assert main(["calibrate", "small.toml", "--quick", "--workers", "1", *options]) == 0
    assert (out / "report.md").exists() and (out / "abc.db").exists()
    assert not (tmp_path / "small_calibrated.toml").exists()
    assert json.loads((out / "run.json").read_text())["calibrated scenario written to"].startswith("(not written")
    assert not (tmp_path / "calibration").exists()


def test_quick_into_the_shipped_posteriors_is_refused(tmp_path, monkeypatch, killed, capsys):
    posteriors = tmp_path / "posteriors"
    monkeypatch.setattr("calibration.outputs.POSTERIORS", posteriors)  # in place of calibration/posteriors
    (tmp_path / "small.toml").write_text(TINY)
    assert main(["calibrate", str(tmp_path / "small.toml"), "--quick", "--out", str(posteriors / "small")]) == 2
    assert "--out" in one_line(capsys) and not posteriors.exists() and not killed.calls


def test_help_says_where_quick_writes(capsys):
    try:
        code = main(["calibrate", "--help"])
    except SystemExit as exit:  # argparse's way; a parser may also return
        code = exit.code
    assert code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "runs/calibration/NAME-quick" in text and "--replace" in text and "never" in text


# 4. A finished calibration is replaced only by --replace, and only once its successor is complete.


def test_fresh_on_a_finished_calibration_is_refused_naming_replace(home, killed, capsys):
    before = digest(home)
    assert calibrate(home, "--fresh") == 2
    error = one_line(capsys)
    assert "--replace" in error and "finished" in error, error
    assert digest(home) == before and not killed.calls


def test_a_finished_calibration_of_other_priors_is_refused_naming_replace(home, killed, capsys):
    before = digest(home / "out")
    (home / "small.toml").write_text(TINY.replace("high = 1.0", "high = 0.9"))
    assert calibrate(home) == 2
    error = one_line(capsys)
    assert "--replace" in error and "finished" in error, error
    assert digest(home / "out") == before and not killed.calls


@pytest.mark.parametrize("setting", ["kernel_variance = 2.5", "ancestor_power = 0.0"])
def test_a_calibration_of_another_proposal_kernel_is_neither_reported_nor_continued(home, killed, capsys, setting):
    before = digest(home / "out")
    (home / "small.toml").write_text(TINY.replace("population_size = 12", f"population_size = 12\n{setting}"))
    assert calibrate(home) == 2  # finished: kept, --replace named
    error = one_line(capsys)
    assert "--replace" in error and "finished" in error, error
    set_stamp(home / "out", complete=False)
    assert calibrate(home) == 2  # unfinished: not continued under another kernel
    error = one_line(capsys)
    assert "unfinished calibration of another" in error, error
    assert not killed.calls
    assert {name: value for name, value in digest(home / "out").items() if not name.endswith("checkpoint.json")} == {
        name: value for name, value in before.items() if not name.endswith("checkpoint.json")
    }


def test_a_finished_calibration_is_reported_without_inference(home, killed, capsys):
    simulations = json.loads((home / "out/run.json").read_text())["simulations (ABC)"]
    assert calibrate(home) == 0
    assert not killed.calls
    assert "--replace" in capsys.readouterr().err
    assert json.loads((home / "out/run.json").read_text())["simulations (ABC)"] == simulations


def test_replace_keeps_the_old_posterior_until_the_new_one_is_complete(home, monkeypatch, capsys):
    out, staging = home / "out", home / ".out.next"
    old = digest(out, home / "small_calibrated.toml")
    old_file = os.stat(home / "small_calibrated.toml").st_ino
    with monkeypatch.context() as patch:  # killed during the new inference
        killed = KilledAbc()
        patch.setattr("calibration.abc.run_abc", killed)
        assert calibrate(home, "--replace", "--seed", "7") == 130
    assert [call.database for call in killed.calls] == [staging / "abc.db"]
    assert digest(out, home / "small_calibrated.toml") == old
    assert calibrate(home) == 0  # the old one is still finished and usable
    capsys.readouterr()

    (out / "coverage").mkdir()  # a coverage check kept beside the calibration, and its lock
    (out / "coverage" / "coverage.json").write_text("{}")
    (out / ".coverage.lock").write_text("")
    assert calibrate(home, "--replace", "--seed", "7") == 0  # the same command continues the replacement
    assert not staging.exists() and not (home / ".out.old").exists()
    assert (out / "coverage" / "coverage.json").read_text() == "{}" and (out / ".coverage.lock").exists()
    assert json.loads((out / "checkpoint.json").read_text())["complete"]
    assert json.loads((out / "run.json").read_text())["seed"] == 7
    assert all((out / name).stat().st_size > 0 for name in ("abc.db", *REPORT_FILES))
    assert (home / "small_calibrated.toml").read_text().startswith("# Generated by `cadres calibrate ")
    assert os.stat(home / "small_calibrated.toml").st_ino != old_file  # written anew, after the swap


def test_replace_continues_a_replacement_killed_while_reporting(home, killed):
    out, staging = home / "out", home / ".out.next"
    shutil.copytree(out, staging)  # the new inference finished, its reports were not written yet
    for name in REPORT_FILES:
        (staging / name).unlink()
    (staging / "marker").write_text("the new one\n")
    assert calibrate(home, "--replace") == 0
    assert not killed.calls and not staging.exists() and not (home / ".out.old").exists()
    assert (out / "marker").exists() and all((out / name).exists() for name in REPORT_FILES)


def test_a_swap_killed_between_its_renames_is_completed_by_the_next_call(home, killed):
    out, staging, aside = home / "out", home / ".out.next", home / ".out.old"
    shutil.copytree(out, staging)
    (staging / "marker").write_text("the new one\n")
    out.rename(aside)  # killed here: no out, the old aside, the complete new one staged
    assert calibrate(home) == 0
    assert (out / "marker").exists() and not staging.exists() and not aside.exists()
    assert not killed.calls  # the finished new one is reported, not inferred again


# 5. A damaged database is refused before pyabc opens it.


@pytest.mark.parametrize("damage", ["truncated", "random"])
def test_a_damaged_unfinished_database_is_refused_until_fresh(home, killed, capsys, damage):
    out = home / "out"
    set_stamp(out, complete=False)
    database = out / "abc.db"
    if damage == "truncated":
        os.truncate(database, 300)
    else:
        database.write_bytes(os.urandom(5000))
    assert calibrate(home) == 2
    error = one_line(capsys)
    assert str(database) in error and "damaged" in error and "--fresh" in error, error
    assert not killed.calls

    assert calibrate(home, "--fresh") == 130
    assert [call.database for call in killed.calls] == [database] and "abc.db" not in killed.calls[0].beside


def test_a_damaged_finished_database_is_refused_naming_replace(home, killed, capsys):
    os.truncate(home / "out/abc.db", 300)
    assert calibrate(home) == 2
    error = one_line(capsys)
    assert "damaged" in error and "--replace" in error, error
    assert not killed.calls


# 6. A report never sits beside a database it does not describe.


def test_a_report_of_a_finished_calibration_keeps_what_computed_it(home, killed, capsys):
    out = home / "out"
    before, fit = json.loads((out / "run.json").read_text()), (out / "fit.csv").read_bytes()
    assert calibrate(home, "--seed", "5") == 0
    assert not killed.calls
    after = json.loads((out / "run.json").read_text())
    for key in ("command", "seed", "budget (max minutes, max simulations)", "wall time of this invocation (s)"):
        assert after[key] == before[key], key
    assert "--seed 5" in after["reported by"] and "--seed 5" not in after["command"]
    assert f"- reported by: {after['reported by']}" in (out / "report.md").read_text()
    assert (out / "fit.csv").read_bytes() == fit, "the predictive runs of a report did not keep the inference's seed"


def edit_model_code(out: Path, complete: bool) -> None:
    """Make the stamp say the inference ran another version of the purge rule."""
    stamp = json.loads((out / "checkpoint.json").read_text())
    assert "sim/model/rules/purge.py" in stamp["model_code"]
    stamp["model_code"]["sim/model/rules/purge.py"] = "000000000000"
    (out / "checkpoint.json").write_text(json.dumps({**stamp, "complete": complete}))


def test_a_finished_calibration_of_other_model_code_is_reported_with_a_warning(home, killed, capsys):
    edit_model_code(home / "out", complete=True)
    assert calibrate(home) == 0
    assert not killed.calls
    error = capsys.readouterr().err
    assert "other model code" in error and "sim/model/rules/purge.py" in error
    assert json.loads((home / "out/checkpoint.json").read_text())["model_code"]["sim/model/rules/purge.py"] == "000000000000"


def test_an_unfinished_calibration_of_other_model_code_is_not_continued(home, killed, capsys):
    edit_model_code(home / "out", complete=False)
    assert calibrate(home) == 2
    error = one_line(capsys)
    assert "other code" in error and "sim/model/rules/purge.py" in error and "--fresh" in error
    assert not killed.calls
    assert calibrate(home, "--fresh") == 130  # started over, with this code
    assert json.loads((home / "out/checkpoint.json").read_text())["model_code"]["sim/model/rules/purge.py"] != "000000000000"


def test_an_unfinished_calibration_starts_without_the_reports_of_an_earlier_one(home, killed):
    out = home / "out"
    set_stamp(out, complete=False)  # as if a new inference had been killed here after an earlier one finished
    (out / "notes.txt").write_text("mine\n")
    assert calibrate(home) == 130
    assert not set(REPORT_FILES) & set(killed.calls[0].beside), killed.calls[0].beside
    assert not any((out / name).exists() for name in REPORT_FILES)
    assert (out / "notes.txt").read_text() == "mine\n"


# 7. One calibration of an output directory at a time.


def test_a_calibration_of_a_busy_output_is_refused(tmp_path, killed):
    (tmp_path / "small.toml").write_text(TINY)
    out = tmp_path / "out"
    with output_lock(out):
        try:
            code = main(["calibrate", str(tmp_path / "small.toml"), "--quick", "--out", str(out)])
        except OutputBusyError:
            code = 2
    assert code == 2 and not killed.calls and not out.exists()


# 8. Building `cadres --help` does not import the inference machinery.


def test_the_command_module_imports_no_inference_machinery():
    heavy = ["pyabc", "matplotlib", "calibration.abc", "calibration.posterior", "calibration.report", "calibration.simulate"]
    probe = f"import sys, calibration.commands; print([name for name in {heavy!r} if name in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


# 9. Scenarios missing what the commands need are bad input.


@pytest.mark.parametrize(
    ("command", "text", "key"),
    [
        ("calibrate", SMALL, "calibration.priors"),
        ("calibrate", TINY.replace('write_extends = "small.toml"\n', ""), "calibration.write_extends"),
        ("validate", f'extends = "{SCENARIOS / "no_purge.toml"}"\n', "calibration.historian"),
    ],
)
def test_a_scenario_without_what_the_command_needs_is_bad_input(tmp_path, killed, capsys, command, text, key):
    (tmp_path / "s.toml").write_text(text)
    assert main([command, str(tmp_path / "s.toml")]) == 2
    assert key in one_line(capsys) and not killed.calls
