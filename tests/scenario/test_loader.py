"""Reading scenario files: errors name the file, the key and what was expected; `extends` merging."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.scenario.loader import ConfigError, load_scenario, resolve_tree, validate_tree


@pytest.fixture
def base(scenarios_dir) -> Path:
    return scenarios_dir / "base.toml"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def child_of(base: Path, directory: Path, body: str, name: str = "child.toml") -> Path:
    """A scenario extending the real base.toml by absolute path."""
    return write(directory, name, f'extends = "{base}"\n{body}\n')


def copy_of(base: Path, directory: Path, old: str, new: str, name: str = "copy.toml") -> Path:
    """A standalone copy of base.toml with one line changed."""
    text = base.read_text()
    assert text.count(old) == 1, old
    return write(directory, name, text.replace(old, new))


def load_error(path: Path, overrides=None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_scenario(path, overrides=overrides)
    return caught.value


def assert_names(error: ConfigError, file: Path, key: str, *expected: str) -> None:
    """The error names the file, the key path, and what was expected."""
    message = str(error)
    assert Path(error.path).resolve() == file.resolve(), f"names {error.path}, not {file}"
    assert message.startswith(f"{error.path}: ")
    assert error.key == key
    assert f": {key}: " in message or (not key and message.count(": ") >= 1)
    for fragment in expected:  # a tuple: any one of the wordings
        options = fragment if isinstance(fragment, tuple) else (fragment,)
        assert any(option in message for option in options), f"{fragment!r} not in {message!r}"


# -- each kind of bad value, set in a file that extends base.toml ----------------

BAD_KEYS = {
    "unknown key, top level": ('colour = "red"', "colour", "unknown key"),
    "unknown key, nested": ("[institution]\nmisions = 30", "institution.misions", "unknown key"),
    "unknown key, deeply nested": ("[purge.multipliers.rank]\nelitte = 2.0", "purge.multipliers.rank.elitte", "unknown key"),
    "wrong type, integer": ('[institution]\nmissions = "many"', "institution.missions", "valid integer", "'many'"),
    "wrong type, fraction for a count": ("[institution]\nmissions = 30.5", "institution.missions", "valid integer", "30.5"),
    "wrong type, boolean": ('[purge]\nenabled = "perhaps"', "purge.enabled", "valid boolean"),
    "wrong type, number for a table": ("[attrition]\nmortality = 0.01", "attrition.mortality", ("dictionary", "object"), "0.01"),
    "wrong type, TOML date for a YYYY-MM": ("[time]\nend = 1940-12-01", "time.end", ("valid string", '"YYYY-MM"')),
    "share above 1": ("[institution]\ninitial_fill = 1.5", "institution.initial_fill", "less than or equal to 1", "1.5"),
    "probability below 0": (
        "[purge]\nrecall_defection_probability = -0.1",
        "purge.recall_defection_probability",
        "greater than or equal to 0",
    ),
    "negative rate": ("[attrition]\ntransfer_out_rate = -0.04", "attrition.transfer_out_rate", "greater than or equal to 0"),
    "share schedule above 1": (
        '[replacement]\nnew_generation_share = [["1931-01", 1.5]]',
        "replacement.new_generation_share",
        "between 0 and 1",
        "1.5",
    ),
    "knot dates out of order": (
        '[purge]\nintensity = [["1937-01", 0.1], ["1936-01", 0.2]]',
        "purge.intensity",
        "increasing order",
        "1936-01",
    ),
    "knot dates repeated": (
        '[purge]\nhq_wave = [["1939-05", 1.0], ["1939-05", 2.0]]',
        "purge.hq_wave",
        "increasing order",
    ),
    "empty schedule": ("[replacement]\nrecruitment_capacity = []", "replacement.recruitment_capacity", "at least one"),
    "bad YYYY-MM, month 13": ('[time]\nstart = "1921-13"', "time.start", "01-12", "1921-13"),
    "bad YYYY-MM, format": ('[time]\nend = "1940/12"', "time.end", '"YYYY-MM"', "1940/12"),
    "bad YYYY-MM in a knot": ('[purge]\nintensity = [["37-01", 0.1]]', "purge.intensity.0.0", '"YYYY-MM"', "37-01"),
    "knot that is not a pair": ('[purge]\nintensity = [["1937-01"]]', "purge.intensity.0.1", "required key is missing"),
}


@pytest.mark.parametrize("case", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_bad_value_in_an_extending_file(base, tmp_path, case):
    body, key, *expected = case
    path = child_of(base, tmp_path, body)
    assert_names(load_error(path), path, key, *expected)


# Checks across several keys of a table (shares, ordered dates): shown here on
# standalone copies of base.toml, where the file is unambiguous.
BAD_TABLES = {
    "category shares not adding up to 1": (
        "party = { pre_1917 = 0.25, civil_war = 0.30, later = 0.15, none = 0.30 }",
        "party = { pre_1917 = 0.25, civil_war = 0.30, later = 0.15, none = 0.20 }",
        "profiles.veterans.party",
        "adding up to 1",
        "0.9",
    ),
    "time.end before time.start": ('end = "1945-12"', 'end = "1920-06"', "time", "not before start", "1920-06", "1921-01"),
    "initial entries in the wrong order": ('entry_to = "1920-12"', 'entry_to = "1917-12"', "initial", "entry_to", "1917-12"),
    "age at entry: mode above mean": (
        "age_at_entry = { minimum = 22, mean = 38, mode = 35, maximum = 60 }",
        "age_at_entry = { minimum = 22, mean = 30, mode = 35, maximum = 60 }",
        "profiles.veterans.age_at_entry",
        "mode < mean",
    ),
}


@pytest.mark.parametrize("case", BAD_TABLES.values(), ids=BAD_TABLES.keys())
def test_bad_table_in_a_standalone_file(base, tmp_path, case):
    old, new, key, *expected = case
    path = copy_of(base, tmp_path, old, new)
    assert_names(load_error(path), path, key, *expected)


def test_initial_entries_must_precede_the_start(base, tmp_path):
    path = child_of(base, tmp_path, '[initial]\nentry_to = "1921-01"')
    error = load_error(path)
    assert Path(error.path).resolve() == path.resolve()
    assert "initial.entry_to" in str(error) and "before time.start" in str(error)


def test_missing_required_key(base, tmp_path):
    text = base.read_text()
    path = write(tmp_path, "no_mentoring.toml", text[: text.index("[mentoring]")])
    assert_names(load_error(path), path, "mentoring", "required key is missing")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    assert_names(load_error(path), path, "", "file not found")


def test_missing_extends_file(tmp_path):
    path = write(tmp_path, "orphan.toml", 'extends = "nowhere.toml"\n')
    assert_names(load_error(path), path, "extends", "nowhere.toml", "not found")


def test_extends_must_be_a_file_name(tmp_path):
    path = write(tmp_path, "odd.toml", "extends = 3\n")
    assert_names(load_error(path), path, "extends", "string")


def test_cyclic_extends(tmp_path):
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    error = load_error(a)
    assert error.key == "extends"
    assert "cycle" in str(error)
    assert "a.toml -> b.toml -> a.toml" in str(error)


def test_a_file_extending_itself(tmp_path):
    path = write(tmp_path, "self.toml", 'extends = "self.toml"\n')
    assert_names(load_error(path), path, "extends", "cycle", "self.toml -> self.toml")


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "broken.toml", "[institution\nmissions = 3\n")
    assert_names(load_error(path), path, "", "not valid TOML")


def test_invalid_toml_in_an_extended_file(base, tmp_path):
    write(tmp_path, "broken.toml", 'extends = "' + str(base) + '"\nseed = \n')
    path = write(tmp_path, "top.toml", 'extends = "broken.toml"\n')
    assert_names(load_error(path), tmp_path / "broken.toml", "", "not valid TOML")


# -- which file is named when the bad key comes from an extended file ------------


def test_error_names_the_extended_file_that_set_the_bad_key(base, tmp_path):
    middle = child_of(base, tmp_path, "[institution]\nmissions = -1", name="middle.toml")
    top = write(tmp_path, "top.toml", 'extends = "middle.toml"\nseed = 5\n')
    assert_names(load_error(top), middle, "institution.missions", "greater than or equal to 0", "-1")


def test_error_names_the_including_file_when_it_sets_the_bad_key(base, tmp_path):
    child_of(base, tmp_path, "seed = 5", name="middle.toml")
    top = write(tmp_path, "top.toml", 'extends = "middle.toml"\n[purge]\nhq_wave_dismissal_share = 2.0\n')
    assert_names(load_error(top), top, "purge.hq_wave_dismissal_share", "less than or equal to 1")


def test_a_child_can_repair_its_parents_bad_key(base, tmp_path):
    child_of(base, tmp_path, "[institution]\nmissions = -1", name="middle.toml")
    top = write(tmp_path, "top.toml", 'extends = "middle.toml"\n[institution]\nmissions = 3\n')
    assert load_scenario(top).institution.missions == 3


def test_table_check_names_the_file_that_set_the_bad_key_time(base, tmp_path):
    path = child_of(base, tmp_path, '[time]\nend = "1920-06"')
    assert_names(load_error(path), path, "time", "not before start")


def test_table_check_names_the_file_that_set_the_bad_key_shares(base, tmp_path):
    path = child_of(base, tmp_path, "[profiles.veterans.party]\nnone = 0.5")
    assert_names(load_error(path), path, "profiles.veterans.party", "adding up to 1")


def test_override_errors_name_the_scenario_file(base):
    error = load_error(base, overrides={"time": {"end": "1945-13"}})
    assert_names(error, base, "time.end", "01-12")


# -- strings where numbers or booleans are expected ------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [('[institution]\nmissions = "30"', "institution.missions"), ('[purge]\nenabled = "yes"', "purge.enabled")],
)
def test_strings_are_not_numbers_or_booleans(base, tmp_path, body, key):
    path = child_of(base, tmp_path, body)
    assert_names(load_error(path), path, key)


# -- extends: resolution and merging -------------------------------------------


def test_extends_is_relative_to_the_including_file(base, tmp_path, monkeypatch):
    write(tmp_path, "common/parent.toml", f'extends = "{base}"\nname = "parent"\n[institution]\nmissions = 7\n')
    child = write(tmp_path, "scenarios/child.toml", 'extends = "../common/parent.toml"\nname = "child"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Path.cwd() != child.parent
    scenario = load_scenario(os.path.relpath(child, elsewhere))
    assert scenario.name == "child"
    assert scenario.institution.missions == 7


def test_the_shipped_chains_load_from_any_directory(scenarios_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in sorted(scenarios_dir.glob("*.toml")):
        assert load_scenario(path).name == path.stem


def test_tables_are_merged_key_by_key(base, tmp_path):
    parent = load_scenario(base)
    body = "[institution]\nmissions = 5\ndepartment_posts = { middle = 2 }\n[attrition.mortality]\nage_slope = 0.05"
    path = child_of(base, tmp_path, body)
    child = load_scenario(path)
    assert child.institution.missions == 5
    assert child.institution.hq_departments == parent.institution.hq_departments
    assert child.institution.mission_posts == parent.institution.mission_posts
    assert child.institution.department_posts.middle == 2
    assert child.institution.department_posts.junior == parent.institution.department_posts.junior
    assert child.attrition.mortality.age_slope == 0.05
    assert child.attrition.mortality.log_baseline == parent.attrition.mortality.log_baseline
    assert child.attrition.transfer_out_rate == parent.attrition.transfer_out_rate
    assert child.profiles == parent.profiles


def test_arrays_are_replaced_whole(scenarios_dir, tmp_path):
    parent = load_scenario(scenarios_dir / "historical.toml")
    assert len(parent.purge.intensity) > 2
    body = '[purge]\nintensity = [["1935-01", 0.1]]'
    path = write(tmp_path, "child.toml", f'extends = "{scenarios_dir / "historical.toml"}"\n{body}\n')
    child = load_scenario(path)
    assert [tuple(knot) for knot in child.purge.intensity] == [("1935-01", 0.1)]
    assert child.purge.hq_wave == parent.purge.hq_wave
    assert child.purge.multipliers == parent.purge.multipliers


def test_scalars_are_replaced_and_extends_is_not_a_key(base, tmp_path):
    path = child_of(base, tmp_path, 'name = "mine"\nseed = 3')
    scenario = load_scenario(path)
    assert (scenario.name, scenario.seed) == ("mine", 3)
    assert "extends" not in scenario.model_dump()


def test_overrides_are_merged_key_by_key(base):
    parent = load_scenario(base)
    scenario = load_scenario(base, overrides={"time": {"end": "1940-12"}, "institution": {"missions": 2}})
    assert scenario.time.end == "1940-12"
    assert scenario.time.start == parent.time.start
    assert scenario.institution.missions == 2
    assert scenario.institution.hq_elite_posts == parent.institution.hq_elite_posts


# -- names: safe as a directory name (the default output is runs/<name>) ---------


@pytest.mark.parametrize("name", [".", "..", ".hidden", "a..b", "../up", "a/b", "-dash", "my scenario", "x" * 101, ""])
def test_a_name_that_is_not_a_safe_path_component_is_refused(base, tmp_path, name):
    path = child_of(base, tmp_path, f'name = "{name}"')
    assert_names(load_error(path), path, "name", "starting with a letter, digit or _", 'without ".."', repr(name))


@pytest.mark.parametrize("name", ["historical", "run_2", "_draft", "v1.2-final", "1937"])
def test_a_safe_name_is_kept(base, tmp_path, name):
    assert load_scenario(child_of(base, tmp_path, f'name = "{name}"')).name == name


@pytest.mark.parametrize("stem", [".", ".hidden", "my scenario", "a..b"])
def test_a_file_without_a_name_whose_file_name_is_no_name_is_blamed(base, tmp_path, stem):
    path = child_of(base, tmp_path, "", name=f"{stem}.toml")
    error = load_error(path)
    assert_names(error, path, "name", f'the file sets no name and its file name "{stem}" is not one', 'add name = "..."')
    assert "base.toml" not in str(error)


def test_a_file_whose_file_name_is_no_name_loads_once_it_names_itself(base, tmp_path):
    path = child_of(base, tmp_path, 'name = "mine"', name="my scenario.toml")
    assert load_scenario(path).name == "mine"


# -- files that cannot be read as TOML text --------------------------------------


def write_bytes(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def test_a_file_that_is_not_utf8(tmp_path):
    path = write_bytes(tmp_path, "latin.toml", 'name = "x"\ndescription = "caf\xe9"\n'.encode("latin-1"))
    assert_names(load_error(path), path, "", "UTF-8", "line 2", "0xe9")


def test_a_binary_file(tmp_path):
    path = write_bytes(tmp_path, "binary.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_names(load_error(path), path, "", "binary data")


def test_an_extended_file_that_is_not_utf8_is_named(tmp_path):
    parent = write_bytes(tmp_path, "parent.toml", b"seed = 1\n\xff\xfe\n")
    top = write(tmp_path, "top.toml", 'extends = "parent.toml"\n')
    assert_names(load_error(top), parent, "", "UTF-8")


def test_a_file_that_is_too_large(tmp_path):
    path = write(tmp_path, "huge.toml", "# padding\n" * 200_000)
    assert_names(load_error(path), path, "", "at most 1,000,000 bytes")


def test_a_pipe_is_not_read(tmp_path):
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    assert_names(load_error(path), path, "", "expected a TOML file", "pipe")


def test_a_directory(tmp_path):
    path = tmp_path / "folder.toml"
    path.mkdir()
    assert_names(load_error(path), path, "", "found a directory")


def test_extends_naming_a_directory(tmp_path):
    (tmp_path / "folder").mkdir()
    path = write(tmp_path, "top.toml", 'extends = "folder"\n')
    assert_names(load_error(path), path, "extends", "is a directory")


def test_a_symlink_loop(tmp_path):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    path = tmp_path / "a.toml"
    error = load_error(path)
    assert error.path == str(path) and error.key == ""
    assert "symlink loop" in str(error)


def test_extends_naming_a_symlink_loop(tmp_path):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    path = write(tmp_path, "top.toml", 'extends = "a.toml"\n')
    assert_names(load_error(path), path, "extends", "a.toml", "symlink loop")


def test_a_permission_error_names_the_file(base, tmp_path, monkeypatch):
    # Tests run as root, whom chmod 000 does not stop: the refusal is simulated.
    locked = write(tmp_path, "locked.toml", f'extends = "{base}"\n')
    path = write(tmp_path, "top.toml", 'extends = "locked.toml"\n')
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self.name == "locked.toml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    assert_names(load_error(path), locked, "", "cannot be read (Permission denied)")


def test_any_other_os_error_gives_its_reason(tmp_path, monkeypatch):
    path = write(tmp_path, "flaky.toml", 'name = "flaky"\n')

    def failing_open(self, *args, **kwargs):
        raise OSError(5, "Input/output error", str(self))

    monkeypatch.setattr(Path, "open", failing_open)
    assert_names(load_error(path), path, "", "cannot be read (Input/output error)")


# -- extends chains: depth ----------------------------------------------------------


def chain_of(base: Path, directory: Path, files: int) -> Path:
    """A chain of `files` files, the last extending base.toml; returns the first."""
    write(directory, f"f{files}.toml", f'extends = "{base}"\n')
    for k in range(files - 1, 0, -1):
        write(directory, f"f{k}.toml", f'extends = "f{k + 1}.toml"\n')
    return directory / "f1.toml"


def test_an_extends_chain_of_32_files_loads(base, tmp_path):
    # 31 files and base.toml.
    assert load_scenario(chain_of(base, tmp_path, 31)).name == "f1"


def test_an_extends_chain_deeper_than_32_files_is_refused(base, tmp_path):
    top = chain_of(base, tmp_path, 32)
    assert_names(load_error(top), tmp_path / "f32.toml", "extends", "at most 32 files", "f1.toml -> f2.toml", str(base))


def test_a_very_long_extends_chain_is_refused_without_recursion_error(base, tmp_path):
    top = chain_of(base, tmp_path, 1200)
    assert_names(load_error(top), tmp_path / "f32.toml", "extends", "at most 32 files")


def test_without_origins_a_tree_that_names_itself_keeps_its_name_when_the_file_name_is_none(base, tmp_path):
    named = child_of(base, tmp_path, 'name = "mine"', name="my scenario.toml")
    assert validate_tree(resolve_tree(named), named).name == "mine"
    unnamed = write(tmp_path, "my other.toml", base.read_text().replace('name = "base"\n', ""))
    error = load_error(unnamed)
    assert_names(error, unnamed, "name", 'its file name "my other" is not one')
    with pytest.raises(ConfigError, match='its file name "my other" is not one'):
        validate_tree(resolve_tree(unnamed), unnamed)


def test_a_label_belongs_to_the_file_that_sets_it(tmp_path, base):
    parent = tmp_path / "parent.toml"
    parent.write_text(f'extends = "{base}"\nname = "parent"\nlabel = "the parent, in words"\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n')
    labelled = tmp_path / "labelled.toml"
    labelled.write_text('extends = "parent.toml"\nname = "labelled"\nlabel = "its own words"\n')
    assert load_scenario(parent).title == "the parent, in words"
    assert load_scenario(child).label == "" and load_scenario(child).title == "child"
    assert load_scenario(labelled).title == "its own words"
