"""A griffe extension for the API reference (mkdocs.yml), fitting jaxbrain's conventions to what mkdocstrings renders:

* a name re-exported as ``from ._x import name as name`` (jaxbrain's public names, STYLE.md C16) is public, so each
  package's page lists what it re-exports (griffe otherwise counts imported names as private where there is no
  ``__all__``);
* Sphinx roles (:func:`simulate`, :class:`~a.b.C`) become code spans (`simulate`, `C`); markdown would otherwise
  print the role's name before the code;
* an equinox module (a class deriving from ``eqx.Module``, as the stimuli do) gets the ``__init__`` that equinox
  writes from its fields at import time (griffe reads the source, which has none), so the arguments its docstring
  describes are the signature's;
* ``Main arguments:`` and ``Other arguments:`` (the split of `simulate`'s arguments, STYLE.md A4) are read as the
  ``Args:`` and ``Other Parameters:`` sections, so their entries are listed as arguments;
* an ``Example:`` section (Napoleon's synonym of ``Examples:``) is read as the examples section, so its ``>>>`` lines
  render as code (griffe reads ``Example:`` as an admonition of plain text);
* display math (``$$ ... $$``, possibly over several lines) gets a blank line before and after, so that
  consecutive display equations written line after line are each rendered as math (pymdownx.arithmatex reads a
  block only as a paragraph of its own);
* an argument entry naming several arguments at once (``duration, dt, sampling_dt: as for simulate``), which the
  Google-style parser cannot split, becomes one entry per argument with the shared description.
"""

import ast
import re

import griffe

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):`(~?)([^`]+)`")
ARGS_HEADER = re.compile(r"^(\s*)(?:Args|Arguments|Parameters|Keyword Args|Keyword Arguments|Other Parameters):\s*$")
NAMES = r"[A-Za-z_]\w*"
SECTION_SYNONYMS = {"Example": "Examples", "Main arguments": "Args", "Other arguments": "Other Parameters"}
SYNONYM_HEADER = re.compile(r"^(\s*)(Example|Main arguments|Other arguments):\s*$", flags=re.M)


def shown(match):
    """`~a.b.C` shows `C`, as in Sphinx; anything else is shown as written."""
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


def mark_redundant_alias_public(node, alias):
    if isinstance(node, ast.ImportFrom | ast.Import) and any(
        item.asname is not None and item.asname == item.name.rsplit(".", 1)[-1] == alias.name for item in node.names
    ):
        alias.public = True


def indent_of(line):
    return len(line) - len(line.lstrip())


def split_shared_entries(text):
    """Expand `a, b, c: description` items (possibly with the name list wrapped over lines) in argument sections."""
    lines = text.splitlines()
    out = []
    i = 0
    section_indent = None
    while i < len(lines):
        line = lines[i]
        header = ARGS_HEADER.match(line)
        if header:
            section_indent = len(header.group(1))
            out.append(line)
            i += 1
            continue
        if section_indent is not None and line.strip() and indent_of(line) <= section_indent:
            section_indent = None
        if section_indent is None or not re.match(rf"^\s*{NAMES}\s*,", line):
            out.append(line)
            i += 1
            continue
        # An entry that starts with a list of names; the names may run over several lines before the colon.
        item_indent = indent_of(line)
        entry = [line]
        i += 1
        while i < len(lines) and (not lines[i].strip() or indent_of(lines[i]) > item_indent):
            entry.append(lines[i])
            i += 1
        joined = " ".join(part.strip() for part in entry)
        match = re.match(rf"^((?:{NAMES}\s*,\s*)+{NAMES})\s*:\s*(.*)$", joined)
        if not match:
            out.extend(entry)
            continue
        names = [name.strip() for name in match.group(1).split(",")]
        out.extend(f"{' ' * item_indent}{name}: {match.group(2)}" for name in names)
    return "\n".join(out)


EQUINOX_MODULE = {"equinox.Module", "equinox._module.Module"}


def is_equinox_module(cls, seen=()):
    """Whether `cls` derives from eqx.Module, through bases that griffe resolves (jaxbrain's own)."""
    if cls.path in seen:
        return False
    if any(str(getattr(base, "canonical_path", base)) in EQUINOX_MODULE for base in cls.bases):
        return True
    return any(base.is_class and is_equinox_module(base, (*seen, cls.path)) for base in cls.resolved_bases)


def field_parameters(cls):
    """The `__init__` parameters equinox makes of a class's annotated fields: bases' fields first, as dataclasses."""
    fields = {}
    for klass in [*reversed(cls.mro()), cls]:
        for name, member in klass.members.items():
            if member.is_alias or not member.is_attribute or member.annotation is None or name.startswith("__"):
                continue
            if str(member.annotation).startswith(("ClassVar", "typing.ClassVar")) or "property" in member.labels:
                continue
            fields.pop(name, None)
            fields[name] = member
    parameters = []
    for name, member in fields.items():
        value = member.value
        keywords = {}
        if isinstance(value, griffe.ExprCall) and str(value.function) in ("eqx.field", "equinox.field", "field"):
            keywords = {arg.name: arg.value for arg in value.arguments if isinstance(arg, griffe.ExprKeyword)}
            value = keywords.get("default")
        if keywords.get("init") is not None and str(keywords["init"]) == "False":
            continue
        kind = (
            griffe.ParameterKind.keyword_only
            if str(keywords.get("kw_only")) == "True"
            else griffe.ParameterKind.positional_or_keyword
        )
        parameters.append(griffe.Parameter(name, annotation=member.annotation, kind=kind, default=value))
    # keyword-only parameters follow the positional ones, as in the __init__ that dataclasses write
    parameters.sort(key=lambda parameter: parameter.kind is griffe.ParameterKind.keyword_only)
    return parameters


def iter_classes(obj):
    for member in obj.members.values():
        if member.is_alias:
            continue
        if member.is_class:
            yield member
        if member.is_module or member.is_class:
            yield from iter_classes(member)


def separate_display_math(text):
    """Put every display-math block (its first line starts with `$$`, its last ends with `$$`) in its own paragraph."""
    out = []
    in_block = False
    blank_next = False
    for line in text.splitlines():
        stripped = line.strip()
        if blank_next and stripped:
            out.append("")
        blank_next = False
        if not in_block and stripped.startswith("$$"):
            if out and out[-1].strip():
                out.append("")
            in_block = not (len(stripped) > 2 and stripped[2:].endswith("$$"))
            blank_next = not in_block
        elif in_block and stripped.endswith("$$"):
            in_block = False
            blank_next = True
        out.append(line)
    return "\n".join(out)


class DocstringsForMkDocs(griffe.Extension):
    def on_package(self, *, pkg, **kwargs):
        for cls in iter_classes(pkg):
            if "__init__" not in cls.members and is_equinox_module(cls):
                init = griffe.Function(
                    "__init__",
                    parameters=griffe.Parameters(
                        griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
                        *field_parameters(cls),
                    ),
                )
                init.labels.add("generated")
                cls.set_member("__init__", init)

    def on_alias_instance(self, *, node, alias, **kwargs):
        """griffe >= 2: an alias was created from an import statement `node`."""
        mark_redundant_alias_public(node, alias)

    def on_alias(self, *, alias, node=None, **kwargs):
        """griffe 1 (the same event, with the node); griffe 2 calls it later, without one."""
        if node is not None:
            mark_redundant_alias_public(node, alias)

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            text = ROLE.sub(shown, obj.docstring.value)
            text = SYNONYM_HEADER.sub(lambda m: f"{m.group(1)}{SECTION_SYNONYMS[m.group(2)]}:", text)
            obj.docstring.value = separate_display_math(split_shared_entries(text))
