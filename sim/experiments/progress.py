"""Progress bars that work in a terminal and in Jupyter, without tqdm's "IProgress not found" warning.

In a terminal `progress_bar` is tqdm's text bar. In a Jupyter kernel it is
tqdm's notebook widget when ipywidgets is installed (the `[app]` extra
brings it), and the text bar otherwise, shown even though the kernel's
stderr is not a terminal (tqdm hides its text bar there).

tqdm.auto, which Mesa imports for `mesa.batch_run`, warns "IProgress not
found" (a TqdmWarning) when it is first imported in a kernel without
ipywidgets, and then uses the text bar. `quiet_auto` imports it with that
one warning ignored: `sim/__init__.py` calls it when `sim` is imported in a
kernel, before anything imports Mesa, so that a notebook prints no warning
about a fallback that works.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from tqdm.std import TqdmWarning
from tqdm.std import tqdm as text_bar


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (notebook, JupyterLab, VS Code), as tqdm.autonotebook decides."""
    return "ipykernel.zmqshell" in sys.modules


def notebook_bar() -> type[text_bar] | None:
    """The notebook bar of tqdm if ipywidgets can be imported (it draws the widget), else None."""
    from tqdm import notebook

    return notebook.tqdm if notebook.IProgress is not None else None


def quiet_auto() -> None:
    """Import tqdm.auto with its "IProgress not found" warning ignored (see module notes)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import tqdm.auto  # noqa: F401


def progress_bar(*, disable: bool | None = None, **kwargs: Any) -> text_bar:
    """A tqdm bar: the notebook widget in a kernel with ipywidgets, else the text bar (see module notes).

    Args:
        disable: True hides the bar; None (tqdm's default) hides the text bar where stderr is not a
            terminal, except in a kernel.
        kwargs: passed to tqdm (total, desc, unit, leave, ...).
    """
    if in_kernel():
        widget = notebook_bar()
        return (widget or text_bar)(disable=bool(disable), **kwargs)
    return text_bar(disable=disable, **kwargs)
