"""The file formats figures are written in: PNG, SVG, PDF.

Light on purpose (no matplotlib): the command line reads `--figure-format`
with it before any figure is drawn. `figure_formats` sets, for a block, the
formats of every writer not told otherwise (sim.plots.run_figures.write_figures, used
by `Run.save`, `Ensemble.save`, `Comparison.save` and `cadres sweep`):

    >>> from sim.plots.formats import figure_formats
    >>> with figure_formats("png,svg"):
    ...     run.save("runs/historical")      # figures/NAME.png and figures/NAME.svg
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FIGURE_FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png",)
_FORMATS: ContextVar[tuple[str, ...]] = ContextVar("figure_formats", default=DEFAULT_FORMATS)


def check_formats(formats: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """Figure formats as a tuple without repeats, in the order given.

    Args:
        formats: "png", "svg" or "pdf" (any case, a leading dot allowed), several as a sequence or a
            comma list ("png,svg"); None: the formats of the enclosing `figure_formats` (PNG outside one).

    Raises:
        ValueError: an unknown format, or none.
    """
    if formats is None:
        return _FORMATS.get()
    items = [formats] if isinstance(formats, str) else [str(item) for item in formats]
    parts = [part.strip().lower().removeprefix(".") for item in items for part in item.split(",")]
    chosen = tuple(dict.fromkeys(part for part in parts if part))
    unknown = [part for part in chosen if part not in FIGURE_FORMATS]
    if unknown or not chosen:
        shown = ", ".join(unknown) if unknown else repr(formats)
        raise ValueError(f"expected figure formats among {', '.join(FIGURE_FORMATS)}, got {shown}")
    return chosen


@contextmanager
def figure_formats(formats: str | Iterable[str] | None) -> Iterator[tuple[str, ...]]:
    """Within the block, figures are written in `formats` unless the writer is told otherwise (None: unchanged).

    Raises:
        ValueError: an unknown format (before the block runs).
    """
    if formats is None:
        yield _FORMATS.get()
        return
    token = _FORMATS.set(check_formats(formats))
    try:
        yield _FORMATS.get()
    finally:
        _FORMATS.reset(token)
