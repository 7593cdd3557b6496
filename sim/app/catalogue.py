"""The scenarios the app offers: the scenario files of one directory, by file name.

    >>> catalogue = Catalogue.of("scenarios")
    >>> catalogue.names            # ('historical', 'base', 'continuation', ...)
    >>> catalogue.path("no_purge")

A file that does not load (see `sim.scenario.loader`) is left out and listed in
`skipped` with the reason, so that one bad file in a directory of one's own
does not take the page down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.errors import ConfigError

DEFAULT_SCENARIO = "historical"  # offered first, and the page's first scenario
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"  # the repository's scenarios/ (an editable install)


@dataclass(frozen=True)
class Catalogue:
    """Scenario files by name (the file name without `.toml`), the default first."""

    directory: Path
    names: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (file name, why it was left out)

    @classmethod
    def of(cls, directory: str | Path) -> Catalogue:
        """The loadable scenario files of `directory`.

        Raises:
            ConfigError: the directory is missing or holds no scenario file that loads.
        """
        from sim.scenario.loader import load_scenario

        directory = Path(directory).resolve()
        if not directory.is_dir():
            raise ConfigError(directory, "", "expected a directory of scenario files (*.toml)")
        names, skipped = [], []
        for path in sorted(directory.glob("*.toml")):
            try:
                load_scenario(path)
            except ConfigError as error:
                skipped.append((path.name, str(error)))
            else:
                names.append(path.stem)
        if not names:
            found = f"; left out: {skipped[0][1]}" if skipped else ""
            raise ConfigError(directory, "", f"expected at least one scenario file (*.toml) that loads{found}")
        names.sort(key=lambda name: name != DEFAULT_SCENARIO)  # stable: the default first, the rest by name
        return cls(directory, tuple(names), tuple(skipped))

    @property
    def default(self) -> str:
        """The scenario the page starts with: `historical` if there is one, else the first by name."""
        return self.names[0]

    def path(self, name: str) -> Path:
        """The file of scenario `name`.

        Raises:
            ConfigError: no such scenario in the catalogue.
        """
        if name not in self.names:
            raise ConfigError(self.directory, "", f"expected one of the scenarios {', '.join(self.names)}, got {name!r}")
        return self.directory / f"{name}.toml"
