"""What the targets can measure: each population (who is counted), its categories (what is measured) and their units.

Populations (who is counted) and their categories (what is measured).
Dates are firsts of months (calibration/spells.py): "serving on 1 May
1939" leaves out who entered during May 1939. The documented figures (F1-F4):

- staff_1920s, elite_1920s: everyone who held a post in the 1920s, and those
  whose highest 1920s rank was elite (F1, F2). Categories: the historian's
  five (calibration/historian.py), "purged_true", the true purged share, and
  "count", how many people the population holds.
- field_purge_arrests: purge arrests of people serving abroad (recalled and
  arrested; F3). Category from_1936_07_to_1938_12: the share in that period.
- purge_arrests: purge arrests of serving officials. Category first_year:
  the date of the first, as a decimal year (F3).
- hq_staff_1939_01: headquarters staff serving on 1 Jan 1939 (F3).
  Category gone_by_1939_12: the share who left the service during 1939.
- hq_minor_1939_05, hq_staff_1939_05: non-elite (all) headquarters staff
  serving on 1 May 1939, when Molotov took over (F4). Category
  gone_by_1939_08: the share who left the service by 1 Sep 1939.

The patterns (F4, F6-F9; calibration/patterns.py):

- commissar_1937_01: whoever held the commissar's post on 1 Jan 1937.
  Category holds_to_1939_05: 1.0 if his spell in the post ended in May 1939
  and he was never purged, else 0.0 (F4, F8).
- commissar_post: the commissar's post. Category vacant_months_1937_1939:
  the months of 1937-01..1939-12 that began with the post vacant (F4, F8).
- elite_1937_01: everyone in an elite post on 1 Jan 1937. Category
  survivors_1939: how many were neither purged nor defected by the end of
  1939 (a count; F8).
- entrants_1931_1936, entrants_1937_1938: who entered in those years.
  Category purged_by_1939_12: the share arrested in the purge (in service
  or later) by the end of 1939 (F7).
- purge_arrests, category peak_month: the month with the most purge
  arrests of serving officials, as a decimal year (F9). Category
  peak_outside_1937_1938_06: the most such arrests in a month outside
  1937-01..1938-06 over the most in a month inside (below 1: the peak is
  inside; F9).
- hq_staff_1939_05, category headcount_ratio_1939_08: the headquarters
  headcount on 1 Aug 1939 over that on 1 May 1939 (F4).
- hq_staff_1939_08: headquarters staff serving on 1 Aug 1939. Category
  new_since_1939_05: the share whose current post (or service) began in
  May-July 1939 (F4).
- new_generation_entrants_1937_1938: recruits of the new-generation profile
  who entered in 1937-38. Category mean_age_at_entry, in years (F6).
- entrants_1937_1939: every recruit of 1937-39. Category
  aged_50_plus_at_entry: the share aged 50 or more at entry (F6).

Headquarters staff are those serving whose latest post is not abroad. A
share or mean of an empty population is NaN; so is a date or count when
there is nothing to date or count from (no purge arrest, no commissar or
elite on 1 Jan 1937). The distance treats NaN as far outside every band.
"""

from __future__ import annotations

from calibration.historian import CATEGORIES

SHARE, COUNT, DECIMAL_YEAR, MONTHS, RATIO, YEARS_OF_AGE = "share", "count", "decimal year", "months", "ratio", "years of age"

# Per population, its categories and the unit each is measured in.
MEASURES: dict[str, dict[str, str]] = {
    "staff_1920s": {name: SHARE for name in (*CATEGORIES, "purged_true")} | {"count": COUNT},
    "elite_1920s": {name: SHARE for name in (*CATEGORIES, "purged_true")} | {"count": COUNT},
    "field_purge_arrests": {"from_1936_07_to_1938_12": SHARE},
    "purge_arrests": {"first_year": DECIMAL_YEAR, "peak_month": DECIMAL_YEAR, "peak_outside_1937_1938_06": RATIO},
    "hq_staff_1939_01": {"gone_by_1939_12": SHARE},
    "hq_minor_1939_05": {"gone_by_1939_08": SHARE},
    "hq_staff_1939_05": {"gone_by_1939_08": SHARE, "headcount_ratio_1939_08": RATIO},
    "commissar_1937_01": {"holds_to_1939_05": SHARE},
    "commissar_post": {"vacant_months_1937_1939": MONTHS},
    "elite_1937_01": {"survivors_1939": COUNT},
    "entrants_1931_1936": {"purged_by_1939_12": SHARE},
    "entrants_1937_1938": {"purged_by_1939_12": SHARE},
    "hq_staff_1939_08": {"new_since_1939_05": SHARE},
    "new_generation_entrants_1937_1938": {"mean_age_at_entry": YEARS_OF_AGE},
    "entrants_1937_1939": {"aged_50_plus_at_entry": SHARE},
}
