"""What runs leave behind, read as tables: records, outcomes, summaries, prosopography, bands.

Owns `run_records.Records` (a tidy monthly series and one biography per
person), the key outcomes (`outcomes`), a run's headline numbers
(`summary`), the elite's career table (`prosopography`), the data
dictionary and bands over replicates (`bands`). Reads the engine's
arrays; imports `sim.model`, `sim.scenario` and the base modules.
"""
