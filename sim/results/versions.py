"""Versions of Python and of the packages a run depends on, for manifests."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("cadres", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pydantic")


def package_versions() -> dict[str, str]:
    """Installed versions of Python and the packages results depend on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
