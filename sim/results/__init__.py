"""Result directories on disk: written whole or not at all, owned, locked, with versions in their manifests.

Owns how Cadres writes (`storage`), what it may replace (`ownership`:
never a file it did not write), one writer per directory (`locks`) and
the package versions a manifest records (`versions`). Imports only the
base modules.
"""
