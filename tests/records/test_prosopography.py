"""The career table (sim/records/prosopography.py) against the engine's own state, and `cadres elite`.

The engine is stepped by hand and the holder of every post is read on the
first of each month (before the month's events, as the records count
stocks); each spell, vacancy and fate in the tables must agree with those
snapshots, with the roster's exits and with the assignments.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.model.categories import EXIT_REASONS, LATER_FATES, PURGE_OUTCOMES
from sim.model.engine import Engine
from sim.records.prosopography import COLUMNS, KINDS, Prosopography, elite_table, fates, listed_posts, vacancies
from sim.records.run_records import collect
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMALL = {"institution": {"hq_departments": 4, "missions": 10}}  # 8 + 4 x 22 + 10 x 9 = 186 posts
# (scenario, first seed tried, end, the endings the run must show in the listed posts, so that the checks below are
# exercised): the run observed is that of the first seed from there whose table shows them all, so that a change of the
# calibrated values does not silently leave a check unexercised.
RUNS = [
    # Ordinary defection abroad is rare (0.001 a year), and so is defection on recall: few runs show both.
    ("historical", 8, "1940-12", {"promoted", "purged", "recalled, purged", "dismissed", "defected on recall", "defected"}),
    ("gradual_transition", 5, "1941-12", {"promoted", "retired", "retired (planned)", "transferred out", "died"}),
]
SEEDS_TRIED = 40


class Observed:
    """A run stepped by hand, with the holder of every post on the first of each month (rows: months, columns: posts)."""

    def __init__(self, name: str, seed: int, end: str, exits: frozenset[str]) -> None:
        self.exits = exits
        scenario = load_scenario(SCENARIOS / f"{name}.toml", overrides=SMALL | {"time": {"end": end}})
        self.engine = engine = Engine(scenario, seed).populate()
        self.first = engine.month
        snapshots = []
        while not engine.done:
            snapshots.append(engine.posts.holder.copy())
            engine.step()
        self.holders = np.array(snapshots)
        self.records = collect(engine)
        self.run = (scenario.time.start, scenario.time.end)

    def on(self, month: str) -> np.ndarray:
        """The holder of each post on the first of `month`."""
        return self.holders[month_index(month) - self.first]


def endings(observed: Observed) -> set[str]:
    """How the spells of the run's table ended, without the purge's outcome or the post moved to."""
    ended = elite_table(observed.engine, *observed.run)["ended"]
    return {re.sub(r" \((executed|imprisoned|exiled)\)$| to .*$", "", text) for text in ended}


@cache
def _observed(name: str, first_seed: int, end: str, exits: frozenset[str]) -> Observed:
    for seed in range(first_seed, first_seed + SEEDS_TRIED):
        observed = Observed(name, seed, end, exits)
        if exits <= endings(observed):
            return observed
    raise AssertionError(f"no seed of {name} from {first_seed} to {first_seed + SEEDS_TRIED - 1} shows all of {sorted(exits)}")


@pytest.fixture(params=RUNS, ids=[f"{run[0]}-{run[1]}" for run in RUNS])
def observed(request) -> Observed:
    """Shared between tests: read it, never change it."""
    name, seed, end, exits = request.param
    return _observed(name, seed, end, frozenset(exits))


def months(row) -> tuple[int, int | None]:
    """The months of a row: from, and to (None: still going at the end of the run)."""
    return month_index(row["from"]), month_index(row["to"]) if row["to"] else None


def rebuilt_holders(observed: Observed, table: pd.DataFrame) -> np.ndarray:
    """The holder of each post on the first of each month, as the table's spells say (-1: nobody)."""
    engine = observed.engine
    rebuilt = np.full(observed.holders.shape, -1, dtype=np.int64)
    for row in table.to_dict("records"):
        begin, end = months(row)
        end = engine.month - 1 if end is None else end
        rows = slice(max(begin + 1, observed.first) - observed.first, max(end + 1 - observed.first, 0))
        assert (rebuilt[rows, row["post_id"]] == -1).all(), f"two spells of {row['post']} overlap"
        rebuilt[rows, row["post_id"]] = row["person_id"]
    return rebuilt


# -- the spells --------------------------------------------------------------


def test_every_spell_matches_the_holders_month_by_month(observed):
    table = elite_table(observed.engine, *observed.run)
    posts = listed_posts(observed.engine)["post_id"].to_numpy()
    rebuilt = rebuilt_holders(observed, table)
    np.testing.assert_array_equal(rebuilt[:, posts], observed.holders[:, posts])
    assert len(posts) == 1 + 3 + 4 + 10 + 4
    assert set(table["kind"]) == set(KINDS)


def test_open_spells_are_the_holders_at_the_end(observed):
    engine = observed.engine
    table = elite_table(engine, *observed.run)
    going = table[table["to"] == ""]
    assert (going["ended"] == "in post").all() and (table.loc[table["to"] != "", "ended"] != "in post").all()
    assert (engine.posts.holder[going["post_id"]] == going["person_id"]).all()
    assert (engine.roster.exit[going["person_id"]] == -1).all()
    held = listed_posts(engine)["post_id"]
    held = held[engine.posts.holder[held] >= 0]
    assert sorted(going["post_id"]) == sorted(held), "a post held at the end has no open spell"


def test_spells_of_a_post_do_not_overlap(observed):
    table = elite_table(observed.engine, *observed.run)
    for _, spells in table.groupby("post_id"):
        spans = [months(row) for row in spells.to_dict("records")]
        assert spans == sorted(spans, key=lambda span: span[0]), "spells are not in date order"
        for (begin, end), (next_begin, _) in zip(spans, spans[1:], strict=False):
            assert end is not None and begin <= end <= next_begin


def test_how_each_spell_ended_matches_the_roster_and_the_next_assignment(observed):
    engine = observed.engine
    roster, rank = engine.roster, engine.posts.rank
    table = elite_table(engine, *observed.run)
    names = dict(zip(listed_posts(engine)["post_id"], listed_posts(engine)["post"], strict=True))
    careers: dict[int, list[tuple[int, int]]] = {}
    for slot, post, month in zip(*(part.tolist() for part in engine.assignments()), strict=True):
        careers.setdefault(slot, []).append((month, post))
    seen = set()
    for row in table.to_dict("records"):
        person, ended = row["person_id"], row["ended"]
        career = careers[person]
        k = career.index((month_index(row["from"]), row["post_id"]))
        later = career[k + 1] if k + 1 < len(career) else None
        if later is not None:
            verb = "promoted" if rank[later[1]] < rank[row["post_id"]] else "moved"
            assert ended == f"{verb} to {names.get(later[1], ended.split(' to ', 1)[-1])}"
            assert month_index(row["to"]) == later[0] and row["later_fate"] == ""
            seen.add(verb)
            continue
        if ended == "in post":
            continue  # test_open_spells_are_the_holders_at_the_end
        reason = EXIT_REASONS[roster.exit_reason[person]]
        assert month_index(row["to"]) == roster.exit[person]
        assert reason.replace("_", " ") in ended
        outcome = roster.purge_outcome[person]
        if reason == "purged":
            assert ended.endswith(f"purged ({PURGE_OUTCOMES[outcome]})")
            assert ended.startswith("recalled, ") == bool(roster.recalled[person])
        if reason == "retired":
            assert ended == ("retired (planned)" if roster.planned_retirement[person] else "retired")
        if reason == "defected":
            assert ended == ("defected on recall" if roster.recalled[person] else "defected")
        fate = roster.later_fate[person]
        if fate:
            when = roster.later_fate_month[person]
            assert row["later_fate"].startswith(f"later {LATER_FATES[fate]}")
            assert row["later_fate"].endswith(f"{when // 12}-{when % 12 + 1:02d}")
        else:
            assert row["later_fate"] == ""
        seen.add(re.sub(r" \((executed|imprisoned|exiled)\)$", "", ended))
    assert observed.exits <= seen  # the checks above were exercised


def test_the_people_are_those_of_the_biographies(observed):
    table = elite_table(observed.engine, *observed.run)
    bio = observed.records.biographies.set_index("person_id").loc[table["person_id"]]
    assert list(table.columns) == list(COLUMNS)
    assert (table["born"].to_numpy() == bio["birth"].dt.year.to_numpy()).all()
    assert (table["entered"].to_numpy() == bio["entry"].dt.year.to_numpy()).all()
    for column in ("generation", "profile", "party_cohort"):
        assert list(table[column].astype(str)) == list(bio[column].astype(str)), column
    taken = pd.to_datetime(table["from"] + "-01")
    age = (taken.dt.year - bio["birth"].dt.year.to_numpy()) * 12 + taken.dt.month - bio["birth"].dt.month.to_numpy()
    assert (table["age"].to_numpy() == (age // 12).to_numpy()).all()
    assert table["age"].between(14, 100).all()
    ends = [month_index(to) if to else observed.engine.month for to in table["to"]]  # still in post: to the end of the run
    assert (table["months"].to_numpy() == np.array(ends) - [month_index(begin) for begin in table["from"]]).all()


def test_the_period_keeps_the_spells_held_in_it(observed):
    engine = observed.engine
    whole = elite_table(engine, *observed.run)
    table = elite_table(engine, "1937-03", "1938-06", ("deputy", "mission"))
    first, last = month_index("1937-03"), month_index("1938-06")

    def held_in_period(row) -> bool:
        begin, end = months(row)
        return begin <= last and (end is None or end >= first)

    expected = whole[whole["kind"].isin(["deputy", "mission"]) & whole.apply(held_in_period, axis=1)]
    pd.testing.assert_frame_equal(table.reset_index(drop=True), expected.reset_index(drop=True))
    assert 0 < len(table) < len(whole)


def test_bad_periods_and_kinds_are_refused(observed):
    with pytest.raises(ValueError, match="YYYY-MM"):
        elite_table(observed.engine, "1937", "1938-01")
    with pytest.raises(ValueError, match="not after"):
        vacancies(observed.engine, "1939-01", "1938-01")
    with pytest.raises(ValueError, match="ambassador"):
        elite_table(observed.engine, kinds=("commissar", "ambassador"))


# -- vacancies and fates -----------------------------------------------------


@pytest.mark.parametrize("period", [("1936-01", "1940-06"), None], ids=["1936-1940", "whole run"])
def test_vacant_months_are_the_months_nobody_held_the_post(observed, period):
    engine = observed.engine
    start, end = period or observed.run
    rows = slice(month_index(start) - observed.first, month_index(end) - observed.first + 1)
    gaps = vacancies(engine, start, end)
    by_post = gaps.groupby("post_id")["months"].sum()
    for post in listed_posts(engine)["post_id"]:
        assert by_post.get(post, 0) == int((observed.holders[rows, post] == -1).sum()), post
    assert by_post.sum() > 0
    # The records count the same vacancies: every elite post, and the heads of mission.
    ts = observed.records.timeseries
    in_period = ts["date"].between(pd.Timestamp(f"{start}-01"), pd.Timestamp(f"{end}-01"))
    elite = ts[in_period & (ts["measure"] == "vacancies") & (ts["series_group"] == "elite")]["value"].sum()
    missions = ts[in_period & (ts["measure"] == "heads_of_mission_vacant")]["value"].sum()
    assert gaps.loc[gaps["kind"] != "department", "months"].sum() == elite
    assert gaps.loc[gaps["kind"] == "mission", "months"].sum() == missions


def test_a_vacancy_runs_from_one_holder_to_the_next(observed):
    engine = observed.engine
    table, gaps = elite_table(engine, *observed.run), vacancies(engine, *observed.run)
    for gap in gaps.to_dict("records"):
        spells = table[table["post_id"] == gap["post_id"]]
        assert gap["from"] == observed.run[0] or gap["from"] in set(spells["to"])
        assert gap["to"] in set(spells["from"]) | {""}
    vacant_at_start = np.flatnonzero(observed.holders[0] == -1)
    listed = set(listed_posts(engine)["post_id"])
    assert set(gaps.loc[gaps["from"] == observed.run[0], "post_id"]) == listed & set(vacant_at_start.tolist())


def test_fates_of_the_1937_holders(observed):
    table = fates(observed.engine)
    assert table.loc["heads of mission", "posts"] == 10 and table["held"].sum() > 0
    outcomes = ["purged", "dismissed", "defected", "retired_or_died", "transferred_out", "moved", "in_post"]
    assert (table[outcomes].sum(axis=1) == table["held"]).all()
    assert table.loc["elite, together", "purged"] > 0 or "purged" not in observed.exits
    elite = ["commissar", "deputy commissars", "collegium", "heads of mission"]
    assert (table.loc["elite, together"] == table.loc[elite].sum()).all()


def test_fates_match_the_holders_and_the_roster_on_any_dates(observed):
    engine, roster = observed.engine, observed.engine.roster
    posts = listed_posts(engine)["post_id"].to_numpy()
    last = engine.month - 2  # so that the first of the month after `by` was recorded
    outcomes = {"purged": "purged", "dismissed": "dismissed", "defected": "defected", "transferred_out": "transferred_out"}
    moved = 0
    for on in (month_index(date) for date in ("1921-01", "1925-01", "1933-01", "1938-01")):  # around the runs' promotions
        before = observed.holders[on - observed.first, posts]
        people = before[before >= 0]
        for by in range(on, min(on + 60, last + 1)):  # every month: the boundaries of "moved" and "in post"
            table = fates(engine, f"{on // 12}-{on % 12 + 1:02d}", f"{by // 12}-{by % 12 + 1:02d}")
            total = table.drop(index="elite, together")
            after = observed.holders[by + 1 - observed.first, posts][before >= 0]
            left = (roster.exit[people] >= 0) & (roster.exit[people] <= by)
            reasons = [EXIT_REASONS[code] for code in roster.exit_reason[people[left]]]
            assert total["held"].sum() == len(people)
            for column, reason in outcomes.items():
                assert total[column].sum() == reasons.count(reason), (on, by, column)
            assert total["retired_or_died"].sum() == reasons.count("retired") + reasons.count("died")
            assert total["in_post"].sum() == int((after == people).sum()), (on, by)
            assert total["moved"].sum() == int((~left & (after != people)).sum()), (on, by)
            moved += total["moved"].sum()
    assert moved > 0


def test_a_move_to_a_post_of_the_same_rank_or_lower():
    # The model promotes only upwards; a move sideways or down, made through the engine's own
    # state changes, reads as "moved to".
    engine = Engine(load_scenario(SCENARIOS / "historical.toml", overrides=SMALL | {"time": {"end": "1936-12"}}), 2)
    engine.populate().run()
    posts = listed_posts(engine).set_index("post")["post_id"]
    holder = engine.posts.holder
    moving, leaving = holder[posts["head of mission 2"]], holder[posts["collegium 3"]]
    department = posts["head of department 1"]
    demoted = holder[department]
    assert min(moving, leaving, demoted) >= 0
    engine.leave_service(np.array([leaving]), engine.month, EXIT_REASONS.index("died"), 2)
    engine.assign(np.array([moving]), np.array([posts["collegium 3"]]), engine.month, promotion=True)
    engine.assign(np.array([demoted]), np.array([department + 1]), engine.month, promotion=True)  # a middle post below
    table = elite_table(engine, "1936-12", "1937-01").set_index(["post", "person_id"])["ended"]
    assert table[("head of mission 2", moving)] == "moved to collegium 3"
    assert table[("collegium 3", leaving)] == "died"
    assert table[("collegium 3", moving)] == "in post"
    assert table[("head of department 1", demoted)] == "moved to middle post, department 1"


def test_the_commissars_of_1937_to_1939(observed):
    run = Prosopography.from_engine(observed.engine)
    rows = slice(month_index("1937-01") - observed.first, month_index("1940-01") - observed.first + 1)
    expected = set(observed.holders[rows, 0].tolist()) - {-1}
    assert set(run.commissars) == expected
    assert f"Commissars 1937-1939: {len(expected)} (" in run.format()


def test_the_text_lists_every_post_and_spell(observed):
    run = Prosopography.from_engine(observed.engine, "1935-01", "1940-12")
    text = run.format()
    for name in run.posts["post"]:
        assert f"\n{name}: " in text
    for row in run.spells.to_dict("records"):
        assert f"#{row['person_id']}" in text
    assert text.count("  vacant  ") == len(run.vacancies)
    assert "Holders on 1 January 1937, by the end of 1939:" in text


def test_a_run_without_1937(observed):
    engine = Engine(load_scenario(SCENARIOS / "historical.toml", overrides=SMALL | {"time": {"end": "1930-12"}}), 1)
    run = Prosopography.from_engine(engine.populate().run(), "1925-01", "1930-12")
    assert run.fates is None and run.commissars == []
    assert "no account" in run.format()
    assert (run.spells["to"] == "").sum() == (engine.posts.holder[run.posts["post_id"]] >= 0).sum()


# -- the command line --------------------------------------------------------


@pytest.fixture
def small_toml(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(
        f'extends = "{SCENARIOS / "historical.toml"}"\nname = "small"\n'
        '[time]\nend = "1939-12"\n[institution]\nhq_departments = 4\nmissions = 10\n'
    )
    return path


def test_elite_prints_the_table(small_toml, capsys):
    assert main(["elite", str(small_toml), "--seed", "3", "--posts", "commissar,deputy", "--from", "1935-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Who held the posts of small, seed 3, from 1935-01 to 1939-12")  # the run ends in 1939
    assert "\ncommissar: " in out and "\ndeputy commissar 3: " in out and "head of mission" not in out
    assert "Holders on 1 January 1937, by the end of 1939:" in out and "Commissars 1937-1939: " in out


@pytest.mark.parametrize(
    ("options", "period"),
    [
        ([], "from 1934-01 to 1939-12"),  # the default period, as far as the run goes
        (["--to", "1930-06"], "from 1921-01 to 1930-06"),
        (["--from", "1936-02", "--to", "1936-02"], "from 1936-02 to 1936-02"),
    ],
)
def test_the_period_shown(small_toml, capsys, options, period):
    assert main(["elite", str(small_toml), "--posts", "commissar", *options]) == 0
    assert capsys.readouterr().out.startswith(f"Who held the posts of small, seed 1917, {period}\n")


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--from", "1937-13"], "--from"),
        (["--to", "1937"], "--to"),
        (["--from", "1919-06"], "--from"),  # before the run
        (["--to", "1940-01"], "--to"),  # after it
        (["--from", "1938-01", "--to", "1937-12"], "--to"),
        (["--posts", "commissar,ambassador"], "ambassador"),
        (["--posts", ""], "--posts"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_toml, capsys, options, named):
    assert main(["elite", str(small_toml), *options]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err and "Traceback" not in err


def test_a_missing_scenario_is_exit_2(tmp_path, capsys):
    assert main(["elite", str(tmp_path / "nowhere.toml")]) == 2
    assert "nowhere.toml" in capsys.readouterr().err


def test_csv_is_written_and_never_over_someone_elses_file(small_toml, tmp_path, capsys):
    foreign = tmp_path / "notes.csv"
    foreign.write_text("my,own\n1,2\n")
    for force in ([], ["--force"]):
        assert main(["elite", str(small_toml), "--csv", str(foreign), *force]) == 2
        assert "not written by cadres elite" in capsys.readouterr().err
    assert foreign.read_text() == "my,own\n1,2\n"
    assert main(["elite", str(small_toml), "--csv", str(tmp_path)]) == 2
    assert "not a plain file" in capsys.readouterr().err
    assert main(["elite", str(small_toml), "--csv", str(foreign / "under_a_file.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file" in err

    table = tmp_path / "out" / "elite.csv"
    assert main(["elite", str(small_toml), "--seed", "3", "--csv", str(table)]) == 0
    written = pd.read_csv(table, keep_default_na=False)
    assert list(written.columns) == list(COLUMNS) and len(written) > 20
    assert f"spells table: {table}" in capsys.readouterr().out
    assert main(["elite", str(small_toml), "--seed", "4", "--csv", str(table)]) == 2  # exists: --force to replace
    assert "--force" in capsys.readouterr().err
    assert pd.read_csv(table, keep_default_na=False).equals(written)
    assert main(["elite", str(small_toml), "--seed", "4", "--csv", str(table), "--force"]) == 0
    assert not pd.read_csv(table, keep_default_na=False).equals(written)
    assert sorted(path.name for path in table.parent.iterdir()) == ["elite.csv"]  # no temporary or lock file left
    assert not (tmp_path / ".out.lock").exists() and not list(tmp_path.glob(".elite.csv*"))


def test_help_lists_elite_and_every_kind(capsys):
    assert main(["--help"]) == 0
    assert "elite" in capsys.readouterr().out
    assert main(["elite", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert all(kind in out for kind in KINDS)
