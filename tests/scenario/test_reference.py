"""The scenario reference (docs/scenario-reference.md) is generated from the schema and current."""

from __future__ import annotations

import re
from pathlib import Path

from sim.scenario import reference
from sim.scenario.loader import resolve_tree

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "scenario-reference.md"
ROW_KEY = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def leaves(tree: dict, prefix: tuple[str, ...] = ()):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaves(value, (*prefix, key))
        else:
            yield ".".join((*prefix, key))


def test_the_committed_page_is_the_generated_one():
    assert PAGE.read_text(encoding="utf-8") == reference.markdown(), (
        f"docs/scenario-reference.md is not current: run `{reference.COMMAND}` and commit it"
    )


def test_the_page_says_it_is_generated_and_by_which_command():
    first = PAGE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("<!--") and first.endswith("-->") and reference.COMMAND in first


def test_every_field_of_the_schema_has_a_description():
    missing = reference.undescribed()
    assert not missing, f"fields without a description (Field(description=...), sim.scenario.config.about): {', '.join(missing)}"


def test_the_page_lists_every_key_base_toml_sets():
    listed = set(ROW_KEY.findall(PAGE.read_text(encoding="utf-8")))
    base = set(leaves(resolve_tree(ROOT / "scenarios" / "base.toml")))
    assert base, "scenarios/base.toml sets no keys?"
    assert not base - listed, f"keys base.toml sets that the reference does not list: {sorted(base - listed)}"


def test_every_row_has_a_type_a_default_and_a_meaning():
    for section in reference.sections():
        for key in section.keys:
            assert key.type and key.default and key.meaning, key


def test_ranges_come_from_the_constraints():
    keys = {key.dotted: key for section in reference.sections() for key in section.keys}
    assert keys["institution.initial_fill"].range == "0–1"
    assert keys["replacement.promotion_order"].range == '"random" or "seniority"'
    assert keys["replacement.new_generation_share"].type == "schedule"
    assert keys["replacement.new_generation_share"].range == "values 0–1"
    assert keys["replacement.recruitment_lag_months"].type == "integer or schedule"
    assert keys["calibration.abc.max_minutes"].range == "> 0"
    assert keys["time.start"].unit == 'year-month "YYYY-MM"'
    assert keys["purge.intensity"].unit == "per year"
    assert keys["institution.hq_elite_posts"].default == "required"
    assert keys["attrition.retirement_age_limit"].default == "none"
    assert "calibration.priors.<name>.keys" in keys


def test_a_field_without_a_description_is_named(monkeypatch):
    from sim.scenario.config import Mentoring

    field = Mentoring.model_fields["full_competence_months"]
    monkeypatch.setattr(field, "description", None)
    assert reference.undescribed() == ["mentoring.full_competence_months"]


def test_the_command_writes_the_page(tmp_path, capsys):
    target = tmp_path / "reference.md"
    assert reference.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == reference.markdown()
    assert str(target) in capsys.readouterr().out
