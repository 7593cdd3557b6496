"""What the schema and sim.experiments.limits refuse before a run starts: non-finite numbers, dates, sizes, memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiments import limits
from sim.model.generations import PARTY_YEAR_TABLE_END
from sim.model.posts import build_posts
from sim.model.profiles import draw_people
from sim.scenario.config import FIRST_YEAR, LAST_YEAR, MAX_POSTS, MAX_REPLICATES, month_index
from sim.scenario.loader import ConfigError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = SCENARIOS / "base.toml"


def child(tmp_path: Path, body: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASE}"\n{body}\n')
    return path


def refusal(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    return caught.value


def assert_refused(path: Path, key: str, *fragments: str) -> None:
    error = refusal(path)
    assert Path(error.path).resolve() == path.resolve()
    assert error.key == key, str(error)
    for fragment in fragments:
        assert fragment in str(error), f"{fragment!r} not in {str(error)!r}"


# -- non-finite numbers -------------------------------------------------------------

NON_FINITE = {
    "inf capacity": ('[replacement]\nrecruitment_capacity = [["1921-01", inf]]', "replacement.recruitment_capacity.0.1"),
    "nan share": ("[institution]\ninitial_fill = nan", "institution.initial_fill"),
    "-inf log baseline": ("[attrition.mortality]\nlog_baseline = -inf", "attrition.mortality.log_baseline"),
    "inf rate": ("[attrition]\ntransfer_out_rate = inf", "attrition.transfer_out_rate"),
    "nan multiplier": ("[purge.multipliers.rank]\nelite = nan", "purge.multipliers.rank.elite"),
    "inf transition quota": (
        "[transition]\nnew_generation_recruits_per_year = inf",
        "transition.new_generation_recruits_per_year",
    ),
    "inf prior bound": (
        '[calibration.priors.capacity]\nlow = 0.0\nhigh = inf\nkeys = ["replacement.recruitment_capacity.0.1"]',
        "calibration.priors.capacity.high",
    ),
    "nan prior bound": (
        '[calibration.priors.capacity]\nlow = nan\nhigh = 1.0\nkeys = ["replacement.recruitment_capacity.0.1"]',
        "calibration.priors.capacity.low",
    ),
}


@pytest.mark.parametrize("case", NON_FINITE.values(), ids=NON_FINITE.keys())
def test_non_finite_numbers_are_refused(tmp_path, case):
    body, key = case
    assert_refused(child(tmp_path, body), key, "finite number")


# -- dates the model cannot honour ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "date"),
    [
        ('[time]\nend = "9999-12"', "time.end", "9999-12"),
        (f'[time]\nend = "{LAST_YEAR + 1}-01"', "time.end", f"{LAST_YEAR + 1}-01"),
        ('[purge]\nintensity = [["2200-01", 0.1]]', "purge.intensity.0.0", "2200-01"),
        ('[transition]\nstart = "3000-01"', "transition.start", "3000-01"),
        ('[calibration.abc]\nhorizon = "2500-12"', "calibration.abc.horizon", "2500-12"),
    ],
)
def test_dates_past_the_models_year_table_are_refused(tmp_path, body, key, date):
    assert_refused(child(tmp_path, body), key, f"expected a date up to {LAST_YEAR}-12", "year table ends", repr(date))


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[time]\nstart = "1700-01"', "time.start"),
        ('[initial]\nentry_from = "0001-01"', "initial.entry_from"),
        ('[initial]\nentry_from = "1897-12"', "initial.entry_from"),
    ],
)
def test_dates_before_the_partys_founding_are_refused(tmp_path, body, key):
    assert_refused(child(tmp_path, body), key, f"expected a date from {FIRST_YEAR}-01", "party's founding")


def test_the_date_bounds_themselves_are_accepted(tmp_path):
    body = f'[time]\nend = "{LAST_YEAR}-12"\n[initial]\nentry_from = "{FIRST_YEAR}-01"'
    scenario = load_scenario(child(tmp_path, body))
    assert (scenario.time.end, scenario.initial.entry_from) == (f"{LAST_YEAR}-12", f"{FIRST_YEAR}-01")


def youngest_joiners(entry_year: int, count: int = 20_000) -> dict[str, np.ndarray]:
    """People entering in December of `entry_year` at the youngest age the schema allows, all later party members."""
    veterans = load_scenario(BASE).profiles.veterans
    youngest = veterans.age_at_entry.model_copy(update={"minimum": 14.0, "mode": 14.0, "mean": 14.5})
    later = veterans.party.model_copy(update={"pre_1917": 0.0, "civil_war": 0.0, "later": 1.0, "none": 0.0})
    profile = veterans.model_copy(update={"age_at_entry": youngest, "party": later})
    entry = np.full(count, month_index(f"{entry_year}-12"), dtype=np.int32)
    return draw_people(np.random.default_rng(0), profile, entry, 0)


def test_the_last_entry_year_is_what_the_party_year_table_allows():
    # Entrants of LAST_YEAR join the party up to the table's last year, and no later ...
    people = youngest_joiners(LAST_YEAR)
    assert people["party_year"].max() == PARTY_YEAR_TABLE_END - 1
    # ... while a year later some join past it, which the table cannot look up.
    with pytest.raises(IndexError):
        youngest_joiners(LAST_YEAR + 1)


def test_births_of_the_earliest_entrants_stay_after_year_zero():
    # The widest age distribution the schema allows: exponential, scale 66 years.
    base = load_scenario(BASE).profiles.veterans
    ages = base.age_at_entry.model_copy(update={"minimum": 14.0, "mode": 14.0, "mean": 80.0})
    widest = base.model_copy(update={"age_at_entry": ages})
    entry = np.full(1_000_000, month_index(f"{FIRST_YEAR}-01"), dtype=np.int32)
    assert draw_people(np.random.default_rng(1), widest, entry, 0)["birth"].min() >= 0


# -- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "total"),
    [
        ("[institution]\nhq_elite_posts = 1_000_000_000", "1,000,000,522"),
        ("[institution]\nmissions = 10_000_000", "90,000,260"),
        ("[institution]\ndepartment_posts = { middle = 7, junior = 1_000_000 }", "12,000,362"),
        ("[institution]\nmission_posts = { middle = 3, junior = 10_000_000_000_000_000_000 }", "300,000,000,000,000,000,380"),
    ],
)
def test_an_institution_beyond_the_post_limit_is_refused(tmp_path, body, total):
    assert_refused(child(tmp_path, body), "institution", "expected at most 1,000,000 posts", f"got {total}")


def test_an_institution_at_the_post_limit_is_accepted(tmp_path):
    # 8 elite + 12 x 21 + missions x 9: the rest of the limit in missions, then one post more.
    missions = (MAX_POSTS - 8 - 12 * 21) // 9
    spare = MAX_POSTS - (8 + 12 * 21 + 9 * missions)
    scenario = load_scenario(child(tmp_path, f"[institution]\nmissions = {missions}\nhq_elite_posts = {8 + spare}"))
    assert scenario.institution.post_count == MAX_POSTS
    body = f"[institution]\nmissions = {missions}\nhq_elite_posts = {9 + spare}"
    assert_refused(child(tmp_path, body, "over.toml"), "institution", f"got {MAX_POSTS + 1:,}")


def test_post_count_is_the_number_of_posts_laid_out():
    for path in (BASE, Path(__file__).parents[1] / "data" / "homogeneous.toml"):
        institution = load_scenario(path).institution
        assert institution.post_count == build_posts(institution).count


def test_replicates_are_capped(tmp_path):
    assert_refused(child(tmp_path, "replicates = 10_000_000"), "replicates", f"less than or equal to {MAX_REPLICATES}")
    assert load_scenario(child(tmp_path, f"replicates = {MAX_REPLICATES}", "most.toml")).replicates == MAX_REPLICATES


# -- memory -------------------------------------------------------------------------------


def test_a_run_that_fits_passes(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 8 * 10**9)
    limits.check_resources(load_scenario(SCENARIOS / "historical.toml"), replicates=4, jobs=4, path="historical.toml")


def test_a_run_larger_than_the_memory_available_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 200 * 10**6)
    scenario = load_scenario(SCENARIOS / "historical.toml")
    with pytest.raises(ConfigError) as caught:
        limits.check_resources(scenario, replicates=1, jobs=8, path="scenarios/historical.toml")
    error = caught.value
    assert (error.path, error.key) == ("scenarios/historical.toml", "institution")
    assert "530 posts over 300 months, 1 run, needs about 0.3 GB, this machine has 0.2 GB available" in str(error)


def test_the_estimate_counts_the_runs_at_once(monkeypatch):
    scenario = load_scenario(SCENARIOS / "historical.toml")
    one = limits.run_bytes(scenario)
    monkeypatch.setattr(limits, "available_memory", lambda: 3 * one)
    limits.check_resources(scenario, replicates=100, jobs=3, path="x.toml")  # three at a time fit
    limits.check_resources(scenario, replicates=2, jobs=64, path="x.toml")  # two runs, however many workers
    with pytest.raises(ConfigError, match="4 concurrent runs, needs about 1.3 GB"):
        limits.check_resources(scenario, replicates=100, jobs=4, path="x.toml")


def test_the_estimate_grows_with_posts_and_months(tmp_path):
    small = load_scenario(SCENARIOS / "historical.toml")
    large = load_scenario(child(tmp_path, '[institution]\nmissions = 300\n[time]\nend = "1990-12"'))
    posts, months = large.institution.post_count, large.end_month - large.start_month + 1
    assert limits.run_bytes(large) == limits.PROCESS_BYTES + limits.BYTES_PER_POST_MONTH * posts * months
    assert limits.run_bytes(large) > limits.run_bytes(small)


def test_an_institution_at_the_limit_over_the_longest_horizon_is_refused_on_a_small_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 16 * 10**9)
    body = f'[institution]\nmissions = 110_000\n[time]\nend = "{LAST_YEAR}-12"'
    with pytest.raises(ConfigError, match=r"needs about \d+\.\d GB, this machine has 16.0 GB available"):
        limits.check_resources(load_scenario(child(tmp_path, body)), 1, 1, "big.toml")


def test_available_memory_reads_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   24000000 kB\n")
    assert limits.available_memory(meminfo) == 24_000_000 * 1024


def test_available_memory_falls_back_to_free_pages(tmp_path, monkeypatch):
    pages = {"SC_AVPHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(limits.os, "sysconf", pages.__getitem__)
    assert limits.available_memory(tmp_path / "no-meminfo") == 4_096_000


def test_unknown_memory_refuses_nothing(tmp_path, monkeypatch):
    def unknown(name):
        raise ValueError(name)

    monkeypatch.setattr(limits.os, "sysconf", unknown)
    assert limits.available_memory(tmp_path / "no-meminfo") is None
    monkeypatch.setattr(limits, "available_memory", lambda: None)
    limits.check_resources(load_scenario(BASE), replicates=MAX_REPLICATES, jobs=1_000, path="base.toml")


# -- on the command line: one line, exit 2 ----------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'name = "x"\n\xff\n', "UTF-8"),
        (b"\x00\x01\x02binary", "binary data"),
        (f'extends = "{BASE}"\n[time]\nend = "9999-12"\n'.encode(), "time.end"),
        (f'extends = "{BASE}"\n[institution]\nhq_elite_posts = 1_000_000_000\n'.encode(), "institution"),
        (f'extends = "{BASE}"\nreplicates = 10_000_000\n'.encode(), "replicates"),
        (f'extends = "{BASE}"\n[replacement]\nrecruitment_capacity = [["1921-01", inf]]\n'.encode(), "finite"),
    ],
)
def test_bad_input_on_the_command_line_is_one_line_and_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "bad.toml" in err and expected in err
    assert not out.exists()


def test_a_symlink_loop_on_the_command_line(tmp_path, capsys):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert main(["run", str(tmp_path / "a.toml"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "symlink loop" in err
