"""The pages whose code is meant to run as written (not fragments) run: their python blocks, in order, in one
namespace, in a fresh process (the test session's x64 and strict promotion stay out of it, as for notebooks)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
RUNNABLE = ["custom_model.md"]

RUNNER = r"""
import pathlib, re, sys
path = pathlib.Path(sys.argv[1])
blocks = re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
assert blocks, f"no python blocks in {path}"
namespace = {"__name__": "__main__"}
for index, block in enumerate(blocks):
    exec(compile(block, f"{path.name} [block {index}]", "exec"), namespace)
print(len(blocks))
"""


@pytest.mark.parametrize("page", RUNNABLE)
def test_page_code_runs(page, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", JAX_ENABLE_X64="0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "docs" / page)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{page} failed:\n{proc.stderr[-4000:]}"
    assert int(proc.stdout.split()[-1]) >= 3  # every block ran (the page has three)
