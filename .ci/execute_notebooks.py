"""Execute the numbered notebooks in their short mode and write the executed copies, with their outputs.

    python .ci/execute_notebooks.py [--out build/notebooks] [--full] [NOTEBOOK ...]

Each notebook runs in its own Jupyter kernel (nbclient, the kernel named in the notebook, normally ipykernel's
`python3`) with JAXBRAIN_NOTEBOOK_QUICK=1 (unless --full) and a fresh temporary folder as its working directory,
so nothing is written into the repository. The executed copy goes to the output folder under the same name; the
documentation site renders those copies (mkdocs.yml, docs/hooks.py). Every notebook is run even after one fails;
the exit status is 1 if any failed, and each failure is named with its cell and error.
"""

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT_S = 900  # one cell; a full-mode cell on two cores takes at most a few minutes
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def execute(path: Path, out_dir: Path, quick: bool) -> float:
    """Run one notebook, write its executed copy to `out_dir`, return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    env_before = {k: os.environ.get(k) for k in ("JAXBRAIN_NOTEBOOK_QUICK", "MPLBACKEND", "PYTHONPATH")}
    # The kernel inherits this process's environment: the short mode, the inline backend (figures become outputs;
    # CI's Agg would drop them) and the repository on the path (as tests/test_notebooks.py runs them).
    os.environ["JAXBRAIN_NOTEBOOK_QUICK"] = "1" if quick else "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env_before["PYTHONPATH"]]))
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix=f"nb-{path.stem}-") as workdir:
            # The kernel talks over local sockets in the working folder, not TCP ports.
            config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(workdir, "kernel")}})
            client = NotebookClient(
                nb,
                config=config,
                timeout=CELL_TIMEOUT_S,
                kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                resources={"metadata": {"path": workdir}},
            )
            try:
                client.execute()
            finally:
                out_dir.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, out_dir / path.name)  # also a failed run's copy: its error is in the outputs
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "notebooks", help="folder for executed copies")
    parser.add_argument("--full", action="store_true", help="run the full mode instead of the short one")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("no numbered notebooks found in notebooks/", file=sys.stderr)
        return 1
    failed = []
    total = time.perf_counter()
    for path in paths:
        try:
            seconds = execute(path, args.out, quick=not args.full)
        except Exception as error:  # a cell error or timeout, a dead kernel: named, and the others still run
            failed.append(path.name)
            message = ANSI_COLOUR.sub("", str(error))[-4000:]
            print(f"FAILED {path.name}: {type(error).__name__}\n{message}", file=sys.stderr, flush=True)
        else:
            print(f"ran {path.name} in {seconds:.0f} s", flush=True)
    seconds = time.perf_counter() - total
    print(f"{len(paths) - len(failed)} of {len(paths)} notebooks ran in {seconds:.0f} s", flush=True)
    if failed:
        print("notebooks that failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
