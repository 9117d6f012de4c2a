"""MkDocs hooks of jaxbrain's documentation site (mkdocs.yml `hooks:`).

* The numbered notebooks are added to the site as `notebooks/<name>.ipynb`, which mkdocs-jupyter renders. They are
  taken from the folder in the environment variable JAXBRAIN_NOTEBOOKS (CI points it at the executed copies that
  `.ci/execute_notebooks.py` writes, so the pages show outputs; the folder must be named `notebooks`), else from
  the repository's `notebooks/` (the committed notebooks, without outputs).
* `<!-- params: jaxbrain.models.NAME -->` in a page becomes a table of that model's `Params` defaults, read from the
  module's source: each field's name, default and the comment on its line (meaning and unit);
  `<!-- params: MODULE:CLASS -->` does the same for another NamedTuple (`jaxbrain.bold._balloon:BalloonParams`).
"""

import ast
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
PARAMS_MARKER = re.compile(r"<!-- params: (jaxbrain(?:\.\w+)+)(?::(\w+))? -->")


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns every .ipynb file into a page
def on_files(files, config):
    source = Path(os.environ.get("JAXBRAIN_NOTEBOOKS") or ROOT / "notebooks").resolve()
    found = sorted(source.glob(NOTEBOOK_GLOB))
    expected = sorted(p.name for p in (ROOT / "notebooks").glob(NOTEBOOK_GLOB))
    if [p.name for p in found] != expected:
        raise PluginError(
            f"JAXBRAIN_NOTEBOOKS={source} holds {[p.name for p in found]}, expected the numbered notebooks {expected}"
        )
    if source.name != "notebooks":  # mkdocs-jupyter reads a notebook from its File's src_dir and src_uri
        raise PluginError(f"JAXBRAIN_NOTEBOOKS={source} must be a folder named notebooks")
    for path in found:
        page = File(f"notebooks/{path.name}", str(source.parent), config["site_dir"], config["use_directory_urls"])
        files.append(page)
    return files


def params_table(module: str, name: str = "Params") -> str:
    """A markdown table of the NamedTuple `name` in `module`'s source: each field, its default, its line's comment."""
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name]
    if not classes:
        raise PluginError(f"{path} defines no class {name}")
    rows = ["| parameter | default | meaning, unit |", "|---|---|---|"]
    for node in classes[0].body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            continue
        default = ast.get_source_segment("\n".join(lines), node.value)
        line = lines[node.end_lineno - 1]
        after = line[node.end_col_offset :]
        comment = after.split("#", 1)[1].strip() if "#" in after else ""
        rows.append(f"| `{node.target.id}` | `{default}` | {comment.replace('|', '&#124;')} |")
    return "\n".join(rows)


def on_page_markdown(markdown, page, config, files):
    return PARAMS_MARKER.sub(lambda m: params_table(m.group(1), m.group(2) or "Params"), markdown)
