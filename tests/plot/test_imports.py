"""The plot package exports its figure functions and does not import matplotlib until one is called."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_plot_functions_does_not_import_matplotlib():
    code = (
        "import sys, json\n"
        "from jaxbrain.plot import brain_network, fc_comparison, fc_scatter, fcd_matrix, power_spectrum, traces\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == []
