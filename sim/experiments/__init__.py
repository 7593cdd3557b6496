"""Experiments on the model: runs, ensembles, comparisons, sweeps, sensitivity, break-even, findings.

Owns `Run`, `Ensemble` (replicates resumable on disk, their executors
and worker processes), `Comparison` (scenarios on common random numbers,
with posterior draws and the variance split), sweeps and SALib
sensitivity, the break-even search and the findings page. Imports
everything below it (plots, Mesa layer, records, results, model,
scenario), never the command line, the app or calibration.
"""
