"""The targets file: every F1-F4 figure and the F4-F9 patterns present, bands consistent, bad files rejected clearly."""

from __future__ import annotations

import tomllib

import pytest

from calibration.targets import DEFAULT_TARGETS, in_distance, load_targets
from sim.scenario.loader import ConfigError

GOOD = """
[[target]]
id = "F1.purged_total"
population = "staff_1920s"
category = "purged_true"
documented = 0.34
band = [0.34, 0.79]
fit = "band"
source = "F1, Uldricks 1977"
"""


def test_default_targets_cover_every_figure_of_f1_to_f4():
    targets = {target.id: target for target in load_targets()}
    for population, figure in (("staff_1920s", "F1"), ("elite_1920s", "F2")):
        shares = [
            targets[f"{figure}.{name}"].documented
            for name in ("definitely_purged", "likely_purged", "not_purged", "died_or_defected", "unaccounted")
        ]
        assert sum(shares) == pytest.approx(1.0)  # F1, F2 tables add up to 100%
        assert targets[f"{figure}.purged_total"].population == population
    assert targets["F1.purged_total"].band == (0.34, 0.34 + 0.45)  # F1: at least 34%, at most 34% + 45%
    assert targets["F2.purged_total"].band == (0.62, 0.62 + 0.08)  # F2
    assert targets["F4.minor_replaced"].band == (0.9, 1.0)  # F4: "at least 90%"
    documented = {target.id.split(".")[0] for target in targets.values() if target.group == "documented"}
    assert documented == {"F1", "F2", "F3", "F4"}
    # F2's count of people is the one documented figure only checked: no calibrated parameter sets it.
    checked = [target.id for target in targets.values() if target.group == "documented" and target.use == "check"]
    assert checked == ["F2.elite_count"]
    assert targets["F2.elite_count"].band == (100.0, 150.0)  # F2: "over one hundred people"
    assert all(target.source.startswith(target.id.split(".")[0]) for target in targets.values())


PATTERNS = {  # id: (band, use)
    "F8.commissar_continuity": ((1.0, 1.0), "check"),
    "F4.commissar_vacant_months": ((0.0, 1.0), "check"),
    "F8.surviving_nucleus": ((7.0, 15.0), "distance"),
    "F7.terror_entrants_purged": ((0.02, 0.25), "distance"),
    "F7.entrants_1931_1936_purged": ((0.25, 0.75), "distance"),
    "F9.purge_peak": ((1937.0, 1938.42), "check"),
    "F9.peak_elsewhere": ((0.0, 0.9), "distance"),
    "F4.hq_refilled": ((0.8, 1.2), "distance"),
    "F4.hq_new_incumbents": ((0.5, 1.0), "check"),
    "F6.recruit_mean_age": ((31.0, 35.0), "check"),
    "F6.recruits_aged_50_plus": ((0.0, 0.02), "check"),
}


def test_default_targets_hold_the_patterns_with_their_bands_and_use():
    targets = load_targets()
    patterns = {target.id: (target.band, target.use) for target in targets if target.group == "pattern"}
    assert patterns == PATTERNS
    groups = [target.group for target in targets]
    assert groups == sorted(groups)  # documented figures first, then patterns
    assert {target.id: target.documented for target in targets}["F6.recruit_mean_age"] == 33  # F6
    checked = {k for k, v in PATTERNS.items() if v[1] == "check"} | {"F2.elite_count"}
    assert in_distance(targets) == [target for target in targets if target.id not in checked]


def test_every_target_states_group_and_use_and_each_check_only_one_says_why():
    text = DEFAULT_TARGETS.read_text()
    entries = tomllib.loads(text)["target"]
    assert all({"group", "use"} <= set(entry) for entry in entries)
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines) if line == "[[target]]"]
    for entry, start in zip(entries, starts, strict=True):
        comment = []  # the comment block right above the target
        for line in reversed(lines[:start]):
            if not line.startswith("#"):
                break
            comment.insert(0, line)
        says_why = bool(comment) and comment[0].startswith("# Check-only: ")
        assert says_why == (entry["use"] == "check"), entry["id"]


def test_point_and_band_distances():
    target = load_targets()[0]  # F1.definitely_purged, 0.20 in [0.17, 0.23]
    assert target.error(0.20) == 0 and target.error(0.23) == pytest.approx(1.0)
    bound = {t.id: t for t in load_targets()}["F1.purged_total"]
    assert bound.error(0.5) == 0 and bound.error(0.34 - 0.45) == pytest.approx(-1.0)


def test_a_target_may_set_its_own_unit_of_distance():
    nucleus = {t.id: t for t in load_targets()}["F8.surviving_nucleus"]  # band 7-15 people, unit 2 people
    assert nucleus.error(5.0) == pytest.approx(-1.0) and nucleus.error(17.0) == pytest.approx(1.0)
    assert nucleus.error(10.0) == 0
    plain = nucleus.model_copy(update={"distance_unit": None})
    assert plain.error(5.0) == pytest.approx(-0.25)  # in band widths


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("band = [0.34, 0.79]", "band = [0.79, 0.34]"), "target.0", "lo <= hi"),
        (("documented = 0.34", "documented = 0.9"), "target.0", "inside the band"),
        (('population = "staff_1920s"', 'population = "diplomats"'), "target.0", "population: expected one of"),
        (('category = "purged_true"', 'category = "arrested"'), "target.0", "category: expected one of"),
        (('fit = "band"', 'fit = "exact"'), "target.0.fit", "'point' or 'band'"),
        (('id = "F1.purged_total"', 'id = "F10.purged"'), "target.0.id", "pattern"),
        (('fit = "band"', 'fit = "band"\nuse = "fit"'), "target.0.use", "'distance' or 'check'"),
        (('fit = "band"', 'fit = "band"\ngroup = "figure"'), "target.0.group", "'documented' or 'pattern'"),
        (('source = "F1, Uldricks 1977"', 'source = "F1"\nsauce = "F1"'), "target.0.sauce", "unknown key"),
        (('source = "F1, Uldricks 1977"', ""), "target.0.source", "required key is missing"),
        (('fit = "band"', 'fit = "band"\ndistance_unit = 0'), "target.0.distance_unit", "greater than 0"),
    ],
)
def test_bad_targets_name_the_key(tmp_path, change, key, message):
    path = tmp_path / "targets.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_targets(path)
    assert caught.value.key.startswith(key) and message in str(caught.value)
    assert str(path) in str(caught.value)


def test_duplicate_ids_missing_file_and_bad_toml(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(GOOD + GOOD)
    with pytest.raises(ConfigError, match="unique ids, F1.purged_total appears twice"):
        load_targets(path)
    with pytest.raises(ConfigError, match="expected an existing targets file"):
        load_targets(tmp_path / "missing.toml")
    path.write_text("[[target]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_targets(path)


def test_default_file_is_plain_toml_with_notes():
    tree = tomllib.loads(DEFAULT_TARGETS.read_text())
    assert all(entry.get("note") for entry in tree["target"])
