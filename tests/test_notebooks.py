"""Every notebook runs: its code cells execute in order in one namespace, in a fresh process.

A separate process keeps the test session's settings (x64, strict promotion) away from the notebooks,
which run as a user would run them (float32 by default, matplotlib without a display).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Runs in the child: executes the code cells of the notebook given as argv[1]; IPython magics and shell
# lines (% …, ! …) are skipped, since they are not Python. On an error it names the failing cell.
RUNNER = r"""
import json
import sys
import traceback

import matplotlib

matplotlib.use("Agg")

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    cells = json.load(f)["cells"]
namespace = {"__name__": "__main__"}
code_index = -1
for index, cell in enumerate(cells):
    if cell["cell_type"] != "code":
        continue
    code_index += 1
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        exec(compile(source, f"{path} [cell {index}]", "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        print(f"FAILED at cell {index} (code cell {code_index})", file=sys.stderr)
        sys.exit(1)
"""


def test_notebooks_exist():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat4(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert isinstance(nb["metadata"], dict)
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("code", "markdown", "raw")
        assert isinstance(cell["source"], (str, list)) and isinstance(cell["metadata"], dict)
        if nb.get("nbformat_minor", 0) >= 5:
            assert isinstance(cell["id"], str)
        if cell["cell_type"] == "code":
            assert "outputs" in cell and "execution_count" in cell


# 20 s to 3 min each; `JAXBRAIN_NOTEBOOK_QUICK=1 pytest -m slow tests/test_notebooks.py` runs their short modes.
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"{path.name} failed:\n{proc.stderr[-6000:]}", pytrace=False)
