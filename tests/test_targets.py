"""The targets file: every F1-F4 figure present, bands consistent, bad files rejected clearly."""

from __future__ import annotations

import tomllib

import pytest

from calibration.targets import DEFAULT_TARGETS, load_targets
from sim.loader import ConfigError

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
    assert {target.id.split(".")[0] for target in targets.values()} == {"F1", "F2", "F3", "F4"}
    assert all(target.source.startswith(target.id.split(".")[0]) for target in targets.values())


def test_point_and_band_distances():
    target = load_targets()[0]  # F1.definitely_purged, 0.20 in [0.17, 0.23]
    assert target.error(0.20) == 0 and target.error(0.23) == pytest.approx(1.0)
    bound = {t.id: t for t in load_targets()}["F1.purged_total"]
    assert bound.error(0.5) == 0 and bound.error(0.34 - 0.45) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("band = [0.34, 0.79]", "band = [0.79, 0.34]"), "target.0", "lo <= hi"),
        (("documented = 0.34", "documented = 0.9"), "target.0", "inside the band"),
        (('population = "staff_1920s"', 'population = "diplomats"'), "target.0", "population: expected one of"),
        (('category = "purged_true"', 'category = "arrested"'), "target.0", "category: expected one of"),
        (('fit = "band"', 'fit = "exact"'), "target.0.fit", "'point' or 'band'"),
        (('id = "F1.purged_total"', 'id = "F9.purged"'), "target.0.id", "pattern"),
        (('source = "F1, Uldricks 1977"', 'source = "F1"\nsauce = "F1"'), "target.0.sauce", "unknown key"),
        (('source = "F1, Uldricks 1977"', ""), "target.0.source", "required key is missing"),
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
