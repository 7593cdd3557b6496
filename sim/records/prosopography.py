"""The prosopography of one run: who held the commissariat's leading posts, when, and how each left.

A historian reads a commissariat as a career table: for each post, its
holders in turn, when each took it and left it, and why. `elite_table` is
that table for a run: one row per spell in post overlapping a period, for
the commissar, his deputies, the collegium members, the heads of mission and
the heads of the HQ departments (sim/model/posts.py). A spell is one person in one
post, from his assignment to his next assignment or his exit.
`vacancies` gives the stretches these posts stood empty, and `fates` what
became, by the end of 1939, of those in post on 1 January 1937.
`Prosopography` holds the three for one run, with their fixed-width text
(`cadres elite`).

Months follow the records (sim/model/stocks.py): a spell runs from the month of
the assignment ("from") to the month the holder left the post ("to"; blank
while still in post at the end of the run). He holds the post on the first
of every month after "from" up to "to"; a post that nobody holds on the
first of a month is vacant in that month, as the monthly `vacancies` and
`heads_of_mission_vacant` series count it.

>>> from sim.records.prosopography import Prosopography, elite_table
>>> table = elite_table(Engine(scenario, seed=1).populate().run())
>>> print(Prosopography.of("scenarios/historical.toml", seed=1).format())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.categories import (
    DEFECTED,
    DIED,
    DISMISSED,
    ELITE,
    EXIT_REASONS,
    GENERATIONS,
    LATER_FATES,
    MIDDLE,
    PARTY_COHORTS,
    PROFILES,
    PURGE_OUTCOMES,
    PURGED,
    RANKS,
    RETIRED,
    TRANSFERRED_OUT,
)
from sim.model.engine import Engine
from sim.model.generations import party_cohort
from sim.model.posts import Posts
from sim.scenario.config import Scenario, month_index

KINDS = ("commissar", "deputy", "collegium", "mission", "department")  # the posts the table can list, in its order
_TITLES = ("commissar", "deputy commissar {}", "collegium {}", "head of mission {}", "head of department {}")
_GROUPS = ("commissar", "deputy commissars", "collegium", "heads of mission", "heads of department")
PERIOD = ("1934-01", "1941-12")  # the purge (F9: December 1934 to September 1939) with the years either side
FATES_ON, FATES_BY = "1937-01", "1939-12"  # the Great Purges' years (F3, F9): the footer's cohort and horizon
COLUMNS = (
    "post",
    "kind",
    "post_id",
    "person_id",
    "from",
    "to",
    "months",
    "ended",
    "age",
    "born",
    "entered",
    "generation",
    "profile",
    "party_cohort",
    "later_fate",
)
FATE_COLUMNS = (
    "posts",
    "held",
    "purged",
    "dismissed",
    "defected",
    "retired_or_died",
    "transferred_out",
    "moved",
    "in_post",
    "later_purged",
)
_NEVER = np.iinfo(np.int64).max // 4  # the month after the last of a gap nobody closed


def _dates(months: np.ndarray | list[int]) -> list[str]:
    """The "YYYY-MM" of each month index (year * 12 + month - 1)."""
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in np.asarray(months).tolist()]


class PostNames:
    """Which posts the table lists, and the readable name of any post ("head of mission 14").

    Departments and missions are numbered from 1 in post order, as are the
    deputies and the collegium members.
    """

    def __init__(self, posts: Posts) -> None:
        self.posts = posts
        label = posts.label.astype(str)
        kind = np.full(posts.count, -1, dtype=np.int64)
        for code, name in enumerate(("commissar", "deputy", "collegium")):
            kind[label == name] = code
        units = np.arange(posts.unit_count)
        missions = posts.unit_abroad
        departments = ~missions & (units > 0)  # unit 0 is the collegium
        self.unit_number = np.zeros(posts.unit_count, dtype=np.int64)
        self.unit_number[missions] = np.arange(1, missions.sum() + 1)
        self.unit_number[departments] = np.arange(1, departments.sum() + 1)
        for code, unit_kind, head_rank in ((3, missions, ELITE), (4, departments, MIDDLE)):
            candidates = np.flatnonzero(unit_kind[posts.unit] & (posts.rank == head_rank))
            _, first = np.unique(posts.unit[candidates], return_index=True)
            kind[candidates[first]] = code  # the elite post of a mission, the first middle post of a department
        number = self.unit_number[posts.unit].copy()
        for code in (0, 1, 2):
            mask = kind == code
            number[mask] = np.arange(1, mask.sum() + 1)
        self.kind, self.number = kind, number

    def listed(self, kinds: Sequence[str] | str = KINDS) -> np.ndarray:
        """The posts of `kinds`, in the table's order (by kind, then number)."""
        codes = [KINDS.index(kind) for kind in kinds]
        posts = np.flatnonzero(np.isin(self.kind, codes))
        return posts[np.lexsort((self.number[posts], self.kind[posts]))]

    def name(self, post: int) -> str:
        """The post's name: "commissar", "deputy commissar 1", "head of mission 14", "middle post, department 3"."""
        code = int(self.kind[post])
        if code >= 0:
            return _TITLES[code].format(int(self.number[post]))
        posts = self.posts
        unit = int(posts.unit[post])
        where = "collegium" if unit == 0 else f"{'mission' if posts.unit_abroad[unit] else 'department'} {self.unit_number[unit]}"
        return f"{RANKS[posts.rank[post]]} post, {where}"


@dataclass(frozen=True)
class Spells:
    """Every spell in post of a run, as arrays: one person (`slot`) in one `post` from `begin` to `end`.

    `end` is the month of the holder's next assignment (`next_post`, else -1),
    of his exit, or, for a spell still going (`going`), the first month not simulated.
    """

    slot: np.ndarray
    post: np.ndarray
    begin: np.ndarray
    end: np.ndarray
    next_post: np.ndarray
    going: np.ndarray

    @classmethod
    def of(cls, engine: Engine) -> Spells:
        """The spells of an engine, from its assignments and its roster's exits."""
        slot, post, begin = (part.astype(np.int64) for part in engine.assignments())
        order = np.argsort(slot, kind="stable")  # a person's assignments in the order they were made
        slot, post, begin = slot[order], post[order], begin[order]
        next_post = np.full(len(slot), -1, dtype=np.int64)
        again = slot[:-1] == slot[1:]
        next_post[:-1][again] = post[1:][again]
        exit_month = engine.roster.exit[slot].astype(np.int64)
        going = (next_post < 0) & (exit_month < 0)
        end = np.where(going, engine.month, exit_month)
        end[:-1][again] = begin[1:][again]
        return cls(slot, post, begin, end, next_post, going)

    def take(self, index: np.ndarray) -> Spells:
        """The spells at `index`, in its order."""
        return Spells(*(getattr(self, name)[index] for name in ("slot", "post", "begin", "end", "next_post", "going")))

    def of_posts(self, posts: np.ndarray, first: int, last: int) -> Spells:
        """The spells of `posts` held during months `first` to `last` (inclusive), in the order of `posts`, then by date."""
        position = np.full(1 + max(self.post.max(initial=-1), posts.max(initial=-1)), len(posts), dtype=np.int64)
        position[posts] = np.arange(len(posts))
        rank = position[self.post]
        keep = np.flatnonzero((rank < len(posts)) & (self.begin <= last) & (self.end >= first))
        return self.take(keep[np.lexsort((self.begin[keep], rank[keep]))])


def _period(start: str, end: str) -> tuple[int, int]:
    first, last = month_index(start), month_index(end)
    if last < first:
        raise ValueError(f"expected a period whose start ({start}) is not after its end ({end})")
    return first, last


def post_kinds(kinds: Sequence[str] | str) -> tuple[str, ...]:
    """The kinds of post named (a sequence, or one comma-separated string), in the table's order.

    Raises:
        ValueError: none, or one that is not in `KINDS`.
    """
    named = [kind.strip() for kind in kinds.split(",")] if isinstance(kinds, str) else list(kinds)
    unknown = [kind for kind in named if kind not in KINDS]
    if unknown or not named:
        shown = ", ".join(repr(kind) for kind in unknown) or "none"
        raise ValueError(f"expected kinds of post among {', '.join(KINDS)}, got {shown}")
    return tuple(kind for kind in KINDS if kind in named)


def _exit_text(reason: int, outcome: int, recalled: bool, planned: bool) -> str:
    if reason == PURGED:
        text = "purged" + (f" ({PURGE_OUTCOMES[outcome]})" if outcome else "")
        return f"recalled, {text}" if recalled else text
    if reason == DEFECTED:
        return "defected on recall" if recalled else "defected"
    if reason == RETIRED and planned:
        return "retired (planned)"
    return EXIT_REASONS[reason].replace("_", " ")


def _endings(engine: Engine, names: PostNames, spells: Spells) -> list[str]:
    """How each spell ended: promoted or moved to a post, the exit (sim.model.categories), or "in post"."""
    roster, rank = engine.roster, engine.posts.rank
    slot = spells.slot
    exits = zip(
        roster.exit_reason[slot].tolist(),
        roster.purge_outcome[slot].tolist(),
        roster.recalled[slot].tolist(),
        roster.planned_retirement[slot].tolist(),
        strict=True,
    )
    endings = []
    for post, after, going, (reason, outcome, recalled, planned) in zip(
        spells.post.tolist(), spells.next_post.tolist(), spells.going.tolist(), exits, strict=True
    ):
        if after >= 0:
            endings.append(f"{'promoted' if rank[after] < rank[post] else 'moved'} to {names.name(after)}")
        else:
            endings.append("in post" if going else _exit_text(reason, outcome, recalled, planned))
    return endings


def _later_fates(engine: Engine, spells: Spells) -> list[str]:
    """What befell those who left the service, while followed: "later purged (executed) 1938-03", else ""."""
    roster = engine.roster
    slot = spells.slot
    left = (spells.next_post < 0) & ~spells.going
    fate = np.where(left, roster.later_fate[slot], 0).tolist()
    outcome = roster.purge_outcome[slot].tolist()
    when = _dates(np.maximum(roster.later_fate_month[slot], 0))
    texts = []
    for code, how, month in zip(fate, outcome, when, strict=True):
        purged = LATER_FATES[code] == "purged" and how
        texts.append(f"later {LATER_FATES[code]}{f' ({PURGE_OUTCOMES[how]})' if purged else ''} {month}" if code else "")
    return texts


def listed_posts(engine: Engine, kinds: Sequence[str] | str = KINDS) -> pd.DataFrame:
    """The posts of `kinds` in the table's order: columns `post_id`, `post` (its name), `kind`, `number`."""
    names = PostNames(engine.posts)
    posts = names.listed(post_kinds(kinds))
    return pd.DataFrame(
        {
            "post_id": posts,
            "post": [names.name(post) for post in posts.tolist()],
            "kind": pd.Categorical.from_codes(names.kind[posts], categories=list(KINDS)),
            "number": names.number[posts],
        }
    )


def elite_table(engine: Engine, start: str = PERIOD[0], end: str = PERIOD[1], kinds: Sequence[str] | str = KINDS) -> pd.DataFrame:
    """Who held each listed post during `start` to `end` ("YYYY-MM", inclusive): one row per spell in post.

    Args:
        engine: a populated engine that has run (all its months, or some).
        start: first month of the period.
        end: last month of the period.
        kinds: the posts to list, among `KINDS`.

    Returns:
        The columns of `COLUMNS`, in post order then by date: `post` (its
        readable name), `kind`, `post_id`, `person_id` (the roster slot),
        `from` and `to` ("YYYY-MM"; `to` blank while in post at the end of
        the run), `months` in post (to the end of the run, if still in
        post), `ended` ("promoted to collegium 2", "purged (executed)",
        "dismissed", "in post", ...), `age` on taking the post, `born`,
        `entered` (years), `generation`, `profile`, `party_cohort` and, for
        those who left the service, `later_fate` ("later purged 1938-03").

    Raises:
        ValueError: a date that is not "YYYY-MM", a period that ends before
            it starts, or an unknown kind.
    """
    first, last = _period(start, end)
    names = PostNames(engine.posts)
    spells = Spells.of(engine).of_posts(names.listed(post_kinds(kinds)), first, last)
    roster, slot = engine.roster, spells.slot
    birth = roster.birth[slot].astype(np.int64)
    party = roster.party_year[slot]
    return pd.DataFrame(
        {
            "post": [names.name(post) for post in spells.post.tolist()],
            "kind": pd.Categorical.from_codes(names.kind[spells.post], categories=list(KINDS)),
            "post_id": spells.post,
            "person_id": slot,
            "from": _dates(spells.begin),
            "to": np.where(spells.going, "", _dates(spells.end)) if len(slot) else [],
            "months": spells.end - spells.begin,
            "ended": _endings(engine, names, spells),
            "age": pd.arrays.IntegerArray(
                (spells.begin - birth) // 12, mask=birth < 0
            ),  # births < 0: unknown (sim.records.run_records)
            "born": pd.arrays.IntegerArray(birth // 12, mask=birth < 0),
            "entered": roster.entry[slot] // 12,
            "generation": pd.Categorical.from_codes(roster.generation[slot].astype(int), categories=list(GENERATIONS)),
            "profile": pd.Categorical.from_codes(roster.profile[slot].astype(int), categories=list(PROFILES)),
            "party_cohort": pd.Categorical.from_codes(party_cohort(party).astype(int), categories=list(PARTY_COHORTS)),
            "later_fate": _later_fates(engine, spells),
        },
        columns=list(COLUMNS),
    )


def _run_months(engine: Engine) -> tuple[int, int]:
    """The first and the last month on whose first day the run recorded its stocks."""
    return engine.scenario.start_month, engine.month - 1


def vacancies(engine: Engine, start: str = PERIOD[0], end: str = PERIOD[1], kinds: Sequence[str] | str = KINDS) -> pd.DataFrame:
    """The stretches each listed post stood vacant during `start` to `end`: one row each, in post order.

    Returns:
        Columns `post`, `kind`, `post_id`, `from` (the month the post fell
        vacant, or the run's first month), `to` (the month it was filled;
        blank if still vacant at the end of the run) and `months`: the
        months of the period (and of the run) on whose first day nobody held it.

    Raises:
        ValueError: as `elite_table`.
    """
    first, last = _period(start, end)
    run_first, run_last = _run_months(engine)
    low, high = max(first, run_first), min(last, run_last)
    names = PostNames(engine.posts)
    listed = names.listed(post_kinds(kinds))
    spells = Spells.of(engine).of_posts(listed, -_NEVER, _NEVER)
    post, count = spells.post, len(spells.post)
    opens, closes = np.ones(count, dtype=bool), np.ones(count, dtype=bool)  # a post's first and last spell
    opens[1:] = closes[:-1] = post[1:] != post[:-1]
    before = np.empty(count, dtype=np.int64)
    before[1:] = spells.end[:-1]
    before[opens] = run_first - 1  # vacant since before the run: counted from its first month
    never_held = np.setdiff1d(listed, post)
    # The gaps before each spell, after each post's last spell, and of the posts nobody held.
    gap_post = np.concatenate([post, post[closes], never_held])
    vacated = np.concatenate([before, spells.end[closes], np.full(len(never_held), run_first - 1)])
    filled = np.concatenate([spells.begin, np.full(len(gap_post) - count, _NEVER)])
    months = np.minimum(filled, high) - np.maximum(vacated + 1, low) + 1
    position = np.zeros(engine.posts.count, dtype=np.int64)
    position[listed] = np.arange(len(listed))
    keep = np.flatnonzero(months > 0)
    keep = keep[np.lexsort((vacated[keep], position[gap_post[keep]]))]
    gap_post, vacated, filled = gap_post[keep], vacated[keep], filled[keep]
    return pd.DataFrame(
        {
            "post": [names.name(p) for p in gap_post.tolist()],
            "kind": pd.Categorical.from_codes(names.kind[gap_post], categories=list(KINDS)),
            "post_id": gap_post,
            "from": _dates(np.maximum(vacated, run_first)),
            "to": np.where(filled < _NEVER, _dates(np.minimum(filled, run_last + 1)), "") if len(keep) else [],
            "months": months[keep],
        }
    )


def fates(engine: Engine, on: str = FATES_ON, by: str = FATES_BY, kinds: Sequence[str] | str = KINDS) -> pd.DataFrame:
    """What became of the holders of the listed posts on the first of `on`, by the end of `by`.

    `by` stops at the run's last month if the run ends before it.

    Returns:
        One row per kind listed ("commissar", "deputy commissars", ...), with
        the elite kinds' total ("elite, together") when there are several,
        before the heads of department. Columns: the
        kind's `posts`, those `held` on the first of `on`, and how many of
        their holders by the end of `by` had left the service `purged`,
        `dismissed`, `defected`, `retired_or_died` or `transferred_out`, were
        serving in another post (`moved`) or were still in theirs
        (`in_post`); those columns add up to `held`. `later_purged`: those
        who left otherwise and were purged afterwards, by the end of `by`.

    Raises:
        ValueError: `on` is not a month the run recorded, or `by` is before it.
    """
    run_first, run_last = _run_months(engine)
    first, last = month_index(on), min(month_index(by), run_last)
    if not run_first <= first <= run_last:
        recorded = " to ".join(_dates([run_first, run_last]))
        raise ValueError(f"expected a month the run recorded ({recorded}), got {on}")
    if last < first:
        raise ValueError(f"expected {by} not before {on}")
    kinds = post_kinds(kinds)
    names = PostNames(engine.posts)
    spells = Spells.of(engine).of_posts(names.listed(kinds), first, first)
    spells = spells.take(np.flatnonzero(spells.begin < first))  # held on the first of the month
    roster, slot = engine.roster, spells.slot
    exit_month, reason = roster.exit[slot], roster.exit_reason[slot]
    left = (exit_month >= 0) & (exit_month <= last)
    outcome = {
        "purged": left & (reason == PURGED),
        "dismissed": left & (reason == DISMISSED),
        "defected": left & (reason == DEFECTED),
        "retired_or_died": left & np.isin(reason, (RETIRED, DIED)),
        "transferred_out": left & (reason == TRANSFERRED_OUT),
        "moved": ~left & (spells.end <= last),
        "in_post": ~left & (spells.end > last),
    }
    later = left & (roster.later_fate[slot] == LATER_FATES.index("purged")) & (roster.later_fate_month[slot] <= last)
    kind = names.kind[spells.post]
    groups = {_GROUPS[KINDS.index(name)]: [KINDS.index(name)] for name in kinds if name != "department"}
    if len(groups) > 1:
        groups["elite, together"] = [KINDS.index(name) for name in kinds if name != "department"]
    if "department" in kinds:
        groups[_GROUPS[-1]] = [KINDS.index("department")]
    rows = {}
    for group, codes in groups.items():
        mine = np.isin(kind, codes)
        counts = {name: int(np.count_nonzero(mask & mine)) for name, mask in outcome.items()}
        posts = int(np.count_nonzero(np.isin(names.kind, codes)))
        rows[group] = {"posts": posts, "held": int(mine.sum()), **counts, "later_purged": int(np.count_nonzero(later & mine))}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(FATE_COLUMNS))


def commissars(engine: Engine, start: str = FATES_ON, end: str = FATES_BY) -> list[int]:
    """The people (slots) who held the commissar's post at some time during `start` to `end`, in order."""
    first, last = _period(start, end)
    spells = Spells.of(engine).of_posts(np.array([0]), first, last)  # post 0 is the commissar's
    return list(dict.fromkeys(spells.slot.tolist()))


_SHOWN = {"from": "from", "to": "to", "person": "person", "ended": "how it ended", "age": "age", "born": "born"}
_SHOWN |= {"entered": "entered", "generation": "generation", "party_cohort": "party", "later_fate": "later fate"}
_RIGHT = {"age", "born", "entered"}
_FATE_HEADINGS = {"posts": "posts", "held": "held", "purged": "purged", "dismissed": "dismissed", "defected": "defected"}
_FATE_HEADINGS |= {"retired_or_died": "retired/died", "transferred_out": "transferred", "moved": "moved", "in_post": "in post"}
_FATE_HEADINGS |= {"later_purged": "later purged"}


@dataclass(frozen=True, eq=False)  # its tables are DataFrames, which do not compare to one truth value
class Prosopography:
    """The career table of one run over a period: spells in post, vacancies, and the fates of the 1937 holders.

    Build it from an engine that has run (`from_engine`) or from a scenario
    and a seed (`of`); `format()` is the text `cadres elite` prints, `csv()`
    the spells table as CSV.
    """

    scenario: str
    seed: int | str
    period: tuple[str, str]
    run: tuple[str, str]  # the first and the last month the run recorded
    kinds: tuple[str, ...]
    posts: pd.DataFrame  # listed_posts
    spells: pd.DataFrame  # elite_table
    vacancies: pd.DataFrame  # vacancies
    fates: pd.DataFrame | None  # fates; None if the run does not record 1 January 1937
    commissars: list[int]  # who held the commissar's post in 1937-1939 (as far as the run goes), if listed

    @classmethod
    def from_engine(
        cls, engine: Engine, start: str = PERIOD[0], end: str = PERIOD[1], kinds: Sequence[str] | str = KINDS
    ) -> Prosopography:
        """The tables of an engine that has run (see `elite_table`, `vacancies`, `fates`)."""
        kinds = post_kinds(kinds)
        run_first, run_last = _run_months(engine)
        covered = run_first <= month_index(FATES_ON) <= run_last
        return cls(
            scenario=engine.scenario.name,
            seed=_seed_text(engine.seed),
            period=(start, end),
            run=(_dates([run_first])[0], _dates([run_last])[0]),
            kinds=kinds,
            posts=listed_posts(engine, kinds),
            spells=elite_table(engine, start, end, kinds),
            vacancies=vacancies(engine, start, end, kinds),
            fates=fates(engine, FATES_ON, FATES_BY, kinds) if covered else None,
            commissars=commissars(engine, FATES_ON, FATES_BY) if covered and "commissar" in kinds else [],
        )

    @classmethod
    def of(
        cls,
        scenario: Scenario | str | Path,
        seed: int | None = None,
        start: str = PERIOD[0],
        end: str = PERIOD[1],
        kinds: Sequence[str] | str = KINDS,
    ) -> Prosopography:
        """Run a scenario (a Scenario or a scenario file) once with `seed` on the bare engine; its tables.

        Raises:
            ConfigError: a scenario file that cannot be used.
            ValueError: as `elite_table` (before the run).
        """
        from sim.scenario.loader import load_scenario

        scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        _period(start, end)
        post_kinds(kinds)
        return cls.from_engine(Engine(scenario, seed).populate().run(), start, end, kinds)

    def format(self) -> str:
        """The table grouped by post, fixed width, with a header and the fates of the 1937 holders."""
        start, end = self.period
        groups = ", ".join(_GROUPS[KINDS.index(kind)] for kind in self.kinds)
        lines = [
            f"Who held the posts of {self.scenario}, seed {self.seed}, from {start} to {end}",
            f"  posts: {groups}; the run: {self.run[0]} to {self.run[1]}",
            '  "to": the month the holder left the post, blank if he was still in it at the end of the run;',
            "  vacant: the months of the period on whose first day nobody held the post",
            "",
        ]
        rows = self._rows()
        widths = {key: max([len(heading), *(len(row.get(key, "")) for row in rows)]) for key, heading in _SHOWN.items()}
        lines += [_line(_SHOWN, widths), ""]
        first = max(month_index(start), month_index(self.run[0]))
        months = max(0, min(month_index(end), month_index(self.run[1])) - first + 1)
        by_post: dict[int, list[dict[str, str]]] = {post: [] for post in self.posts["post_id"]}
        for row in rows:
            by_post[row["post_id"]].append(row)
        for (post, name), post_rows in zip(
            self.posts[["post_id", "post"]].itertuples(index=False), by_post.values(), strict=True
        ):
            holders = self.spells.loc[self.spells["post_id"] == post, "person_id"].nunique()
            vacant = int(self.vacancies.loc[self.vacancies["post_id"] == post, "months"].sum())
            lines.append(f"{name}: {holders} holder{'' if holders == 1 else 's'}, vacant {vacant} of {months} months")
            lines += [_line(row, widths) for row in post_rows] + [""]
        return "\n".join(lines + self._footer())

    def _rows(self) -> list[dict]:
        """Text cells of the spells and the vacancies, by post and by date."""
        rows = []
        for record in self.spells.to_dict("records"):
            cells = {key: "" if pd.isna(record[key]) else str(record[key]).replace("_", " ") for key in _SHOWN if key in record}
            # A post's spells and vacancies follow each other: each ends as, or before, the next one ends.
            rows.append(
                cells | {"person": f"#{record['person_id']}", "post_id": record["post_id"], "order": (record["to"] or "~", 1)}
            )
        for record in self.vacancies.to_dict("records"):
            months = f"{record['months']} month{'' if record['months'] == 1 else 's'}"
            cells = {"from": record["from"], "to": record["to"], "person": "vacant", "ended": months}
            rows.append(cells | {"post_id": record["post_id"], "order": (record["to"] or "~", 0)})
        return sorted(rows, key=lambda row: row["order"])

    def _footer(self) -> list[str]:
        if self.fates is None:
            return ["(the run does not record 1 January 1937: no account of its holders)"]
        by = min(FATES_BY, self.run[1])
        horizon = "the end of 1939" if by == FATES_BY else f"the end of the run ({by})"
        width = max(len(group) for group in self.fates.index)
        widths = {column: max(len(heading), 5) for column, heading in _FATE_HEADINGS.items()}
        lines = [f"Holders on 1 January 1937, by {horizon}:"]
        lines.append(f"  {'':{width}}" + "".join(f"  {_FATE_HEADINGS[c]:>{widths[c]}}" for c in self.fates.columns))
        for group, row in self.fates.iterrows():
            lines.append(f"  {group:{width}}" + "".join(f"  {row[c]:>{widths[c]}}" for c in self.fates.columns))
        lines.append("  moved: serving in another post; later purged: purged after leaving otherwise")
        if "commissar" in self.kinds:
            years = "1937-1939" if by == FATES_BY else f"1937-01 to {by}"
            people = ", ".join(f"#{slot}" for slot in self.commissars)
            lines.append(f"Commissars {years}: {len(self.commissars)} ({people})")
        return lines

    def csv(self) -> str:
        """The spells table as CSV (the columns of `COLUMNS`)."""
        return self.spells.to_csv(index=False)


def _seed_text(seed: int | np.random.SeedSequence) -> int | str:
    if not isinstance(seed, np.random.SeedSequence):
        return int(seed)
    return f"{seed.entropy}" + (f" (spawn key {seed.spawn_key})" if seed.spawn_key else "")


def _line(cells: dict[str, str], widths: dict[str, int]) -> str:
    parts = [f"{cells.get(key, ''):{'>' if key in _RIGHT else '<'}{width}}" for key, width in widths.items()]
    return ("  " + "  ".join(parts)).rstrip()
