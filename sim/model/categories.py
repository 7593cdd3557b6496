"""Names of the categorical states, in the order of their integer codes.

The model stores categories as small integers in numpy arrays; these tuples
are the one place that says which integer means what.
"""

RANKS = ("elite", "middle", "junior")
ELITE, MIDDLE, JUNIOR = range(3)

POSTINGS = ("hq", "abroad")

# Party cohort by the year a person joined the party (F5, F6, F9).
PARTY_COHORTS = ("pre_1917", "civil_war", "nep", "recent", "none")
PRE_1917, CIVIL_WAR, NEP, RECENT, NO_PARTY = range(5)

# Profile categories a person is drawn with (F5 for veterans, F6 for recruits).
ORIGINS = ("middle_class", "nobility", "workers", "peasants")
EDUCATIONS = ("graduate", "college", "technical", "secondary")
NATIONALITIES = ("great_russian", "jewish", "ukrainian", "armenian", "other")

# The profile a person was drawn from on entry: F5 (veterans) or F6 (new generation).
PROFILES = ("veterans", "new_generation")
VETERANS_PROFILE, NEW_GENERATION_PROFILE = range(2)

# Generations, derived from party tenure and entry date (see sim/model/generations.py).
GENERATIONS = ("old_bolsheviks", "civil_war_bolsheviks", "specialists_1920s", "new_generation")
OLD_BOLSHEVIKS, CIVIL_WAR_BOLSHEVIKS, SPECIALISTS_1920S, NEW_GENERATION = range(4)

# Why a person left the commissariat ("" while serving).
EXIT_REASONS = ("", "died", "retired", "transferred_out", "dismissed", "purged", "defected")
SERVING, DIED, RETIRED, TRANSFERRED_OUT, DISMISSED, PURGED, DEFECTED = range(7)

# What happened to a person after leaving, while the model still follows them.
LATER_FATES = ("", "died", "purged")

PURGE_OUTCOMES = ("", "executed", "imprisoned", "exiled")
