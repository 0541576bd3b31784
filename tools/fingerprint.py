"""What a committed notebook's outputs were computed from: its code cells and gantut's code.

``make execute`` stamps :func:`fingerprint` into each notebook's metadata (``gantut.executed``);
the tests recompute it, so a notebook whose outputs are older than its code, or than the gantut
code it ran, fails with the command that refreshes it. Docstrings, comments and formatting of
gantut do not count: only the code, as ``ast.unparse`` writes it without docstrings.
"""

from __future__ import annotations

import ast
import hashlib
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _code_without_docstrings(path: pathlib.Path) -> str:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def gantut_code() -> str:
    """A digest of every module of the gantut package (code only)."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "gantut").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(_code_without_docstrings(path).encode())
    return h.hexdigest()[:16]


def notebook_code(nb: dict) -> str:
    """A digest of a notebook's code cells (sources only; markdown and outputs do not count)."""
    h = hashlib.sha256()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            h.update(src.encode() + b"\0")
    return h.hexdigest()[:16]


def fingerprint(nb: dict) -> dict:
    return {"notebook_code": notebook_code(nb), "gantut_code": gantut_code()}
