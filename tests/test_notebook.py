"""docs/tutorial.ipynb runs from top to bottom, in a kernel of this interpreter, writing nothing into the repository.

The notebook is stored without outputs; it is executed here with nbclient
in a temporary working directory, with TMPDIR pointing there too (the
notebook writes only into a `tempfile.mkdtemp` folder). A failing cell
fails the test with that cell's source and error. No output may carry
tqdm's "IProgress not found" warning (sim/experiments/progress.py), with ipywidgets
installed (the [test] extra brings it) or hidden from the kernel.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
TIMEOUT = 300  # seconds per cell; the whole notebook takes well under a minute
KERNEL = "cadres-tests"
WARNINGS = ("TqdmWarning", "IProgress not found")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kernel_manager(directory: Path) -> AsyncKernelManager:
    """A kernel of this interpreter (the venv's), whatever kernels the user or the system have installed."""
    kernels = directory / "kernels"
    (kernels / KERNEL).mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "language": "python"}
    (kernels / KERNEL / "kernel.json").write_text(json.dumps(spec | {"display_name": "Cadres tests"}))
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def execute(notebook, directory: Path, monkeypatch) -> float:
    """Run every cell in `directory`; the seconds it took. A failing cell fails the test with its error."""
    work = directory / "work"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))  # the kernel inherits it: tempfile.mkdtemp writes under work/
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(
        notebook,
        km=kernel_manager(directory),
        timeout=TIMEOUT,
        resources={"metadata": {"path": str(work)}},
    )
    start = time.perf_counter()
    failure = None
    try:
        client.execute(cleanup_kc=True)  # shut the kernel down and close its channels, though we made its manager
    except CellExecutionError as error:
        failure = ANSI.sub("", str(error))  # the cell's source and its traceback, without the kernel's colours
    if failure is not None:
        pytest.fail(f"a cell failed:\n{failure}", pytrace=False)
    return time.perf_counter() - start


def outputs_text(notebook) -> str:
    """Every text a cell printed or returned (streams, results, errors)."""
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(str(value) for key, value in output.get("data", {}).items() if key.startswith("text/"))
            texts.extend(output.get("traceback", []))
    return "\n".join(texts)


def test_the_tutorial_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_tutorial_runs_and_writes_nothing_into_the_repository(tmp_path, monkeypatch):
    before = sorted(path.name for path in (ROOT / "docs").iterdir())
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    seconds = execute(notebook, tmp_path, monkeypatch)
    print(f"{NOTEBOOK.name}: {seconds:.1f} s")
    text = outputs_text(notebook)
    assert not [warning for warning in WARNINGS if warning in text], text
    assert sorted(path.name for path in (ROOT / "docs").iterdir()) == before
    assert not (tmp_path / "work" / "runs").exists() and not (ROOT / "docs" / "runs").exists()
    written = [path for path in (tmp_path / "work").glob("cadres-tutorial-*/**/*") if path.is_file()]
    assert any(path.name == "manifest.json" for path in written)
    figures = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(figures) >= 5


def test_no_iprogress_warning_in_a_kernel_without_ipywidgets(tmp_path, monkeypatch):
    """The fallback: ipywidgets hidden from the kernel, the bar of an ensemble is tqdm's text bar, and no warning."""
    cells = [
        "import sys, warnings\nsys.modules['ipywidgets'] = None  # as if it were not installed\nwarnings.simplefilter('always')",
        "import sim\nfrom sim import Ensemble, TurnoverModel, load_scenario\nimport mesa",
        f"scenario = load_scenario({str(ROOT / 'scenarios' / 'historical.toml')!r}, "
        "overrides={'time': {'start': '1931-01', 'end': '1931-06'}})\n"
        "Ensemble(scenario, replicates=1, out='runs/e').execute(jobs=1).reduce()\n"
        "TurnoverModel(scenario, rng=1).step()",
        "from tqdm import notebook\nassert notebook.IProgress is None",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    execute(notebook, tmp_path, monkeypatch)
    text = outputs_text(notebook)
    assert not [warning for warning in WARNINGS if warning in text], text
    assert "replicate" in text  # the text bar was drawn
