"""Progress bars: tqdm's text bar in a terminal; in a Jupyter kernel the widget, or without ipywidgets the text bar, shown.

The kernel itself is exercised in tests/test_notebook.py; here a kernel is
imitated by a module of the name tqdm.autonotebook looks for.
"""

import subprocess
import sys
import types

import pytest
from tqdm import notebook
from tqdm.std import tqdm as text_bar

from sim.experiments.progress import progress_bar


@pytest.fixture
def kernel(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))


def test_a_text_bar_outside_a_kernel_hidden_where_stderr_is_no_terminal():
    with progress_bar(total=2, disable=None) as bar:
        assert type(bar) is text_bar and bar.disable  # pytest captures stderr: not a terminal
    with progress_bar(total=2, disable=True) as bar:
        assert bar.disable


def test_in_a_kernel_without_ipywidgets_the_text_bar_is_shown(kernel, monkeypatch):
    monkeypatch.setattr(notebook, "IProgress", None)
    with progress_bar(total=2, disable=None) as bar:
        assert type(bar) is text_bar and not bar.disable
    with progress_bar(total=2, disable=True) as bar:
        assert bar.disable


def test_in_a_kernel_with_ipywidgets_the_notebook_bar(kernel):
    pytest.importorskip("ipywidgets")
    with progress_bar(total=2, disable=True) as bar:  # disabled: no widget to display outside a kernel
        assert isinstance(bar, notebook.tqdm)


def test_importing_sim_in_a_kernel_without_ipywidgets_imports_mesa_without_the_iprogress_warning():
    code = (
        "import sys, types, warnings\n"
        "warnings.simplefilter('error')\n"
        "sys.modules['ipywidgets'] = None\n"
        "sys.modules['ipykernel.zmqshell'] = types.ModuleType('ipykernel.zmqshell')\n"
        "sys.modules['IPython'] = types.SimpleNamespace(get_ipython=lambda: types.SimpleNamespace())\n"
        "import sim\n"
        "import mesa\n"
        "import tqdm.auto\n"
        "assert 'tqdm.notebook' not in str(tqdm.auto.tqdm.__mro__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "IProgress" not in done.stderr


def test_without_the_quiet_import_tqdm_auto_would_warn():
    """The warning the quiet import avoids is real (if tqdm ever drops it, sim/experiments/progress.py's note is stale)."""
    code = (
        "import sys, types, warnings\n"
        "sys.modules['ipywidgets'] = None\n"
        "sys.modules['ipykernel.zmqshell'] = types.ModuleType('ipykernel.zmqshell')\n"
        "sys.modules['IPython'] = types.SimpleNamespace(get_ipython=lambda: types.SimpleNamespace())\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import tqdm.auto\n"
        "print([str(w.message) for w in caught])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "IProgress not found" in done.stdout
