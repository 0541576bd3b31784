"""The newest-versions profile (``make latest``): what a reader meets whose packages are newer than ours.

A Colab user installs ``requirements.txt`` without ``constraints.txt`` and gets whatever releases
are newest that day, with the torch Colab ships. ``make latest`` builds a second virtual
environment, ``_build/latest/venv``, with the newest releases that ``requirements.txt`` allows,
torch excepted: torch stays on the pin of ``constraints.txt`` (the CPU build on this machine's disk;
an unpinned torch pulls gigabytes of CUDA wheels). Then it runs the unit tests and every notebook in
smoke mode there. This script does the two steps around the install:

    python tools/latest_versions.py constraints OUT      write constraints.txt's torch lines only to OUT
    python tools/latest_versions.py report [OUT]         (run with the new environment's python) write
                                                         a table of its versions against .venv's to OUT
                                                         (default _build/latest/versions.md) and print it

The book's own toolchain (Jupyter Book, Sphinx and its extensions) is not what this profile is
about: a reader runs notebooks, not the book build. It floats here with everything else, because
only the unit tests and the smoke runs use this environment, and neither builds the book.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
from importlib import metadata

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """A distribution's name as pip compares them: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path: pathlib.Path = ROOT / "requirements.txt") -> dict[str, str]:
    """The requirement lines of a requirements or constraints file: canonical name -> specifier
    (comments dropped).

    >>> import tempfile, os
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    >>> _ = f.write("# a comment\\ntorch>=2.1\\nPOT>=0.9.4   # exact OT\\n\\n"); f.close()
    >>> requirements(pathlib.Path(f.name)); os.unlink(f.name)
    {'torch': '>=2.1', 'pot': '>=0.9.4'}
    """
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = NAME.match(line)
        if match:
            found[canonical(match.group(1))] = line[match.end():].strip()
    return found


def torch_only(path: pathlib.Path = ROOT / "constraints.txt") -> list[str]:
    """The lines of ``constraints.txt`` that pin torch (and torchvision or torchaudio, if any):
    the only pins the newest-versions profile keeps."""
    pins = requirements(path)
    if not pins.get("torch", "").startswith("=="):
        raise SystemExit(f"{path} pins no torch: refusing to build an environment that would pull CUDA wheels")
    return [f"{name}{spec}" for name, spec in pins.items() if name in ("torch", "torchvision", "torchaudio")]


def installed(python: str | None = None) -> dict[str, str]:
    """canonical name -> version of every distribution installed for ``python`` (this one if None)."""
    if python is None:
        return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    out = subprocess.run([python, "-m", "pip", "list", "--format", "json"], capture_output=True,
                         text=True, check=True).stdout
    return {canonical(d["name"]): d["version"] for d in json.loads(out)}


def report(out: pathlib.Path, against: pathlib.Path = ROOT / ".venv" / "bin" / "python") -> str:
    """A Markdown table: every requirement's range, its version in ``.venv`` (installed with
    constraints.txt) and here; then every other package whose version differs."""
    here = installed()
    there = installed(str(against)) if against.exists() else {}
    wanted = requirements()
    rows = ["| package | requirements.txt | .venv (make) | newest allowed (this profile) |",
            "|---|---|---|---|"]
    for name, spec in wanted.items():
        new, old = here.get(name, "missing"), there.get(name, "-")
        mark = " **(newer)**" if old not in ("-", new) else ""
        rows.append(f"| {name} | `{spec or 'any'}` | {old} | {new}{mark} |")
    others = sorted(n for n in set(here) & set(there) if n not in wanted and here[n] != there[n])
    text = "\n".join(rows)
    if others:
        text += ("\n\nOther packages whose versions differ:\n\n| package | .venv | this profile |\n|---|---|---|\n"
                 + "\n".join(f"| {n} | {there[n]} | {here[n]} |" for n in others))
    text = f"Python {sys.version.split()[0]}, environment {sys.prefix}\n\n{text}\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return text


def main(argv: list[str]) -> None:
    if argv[:1] == ["constraints"] and len(argv) == 2:
        target = pathlib.Path(argv[1])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("# written by tools/latest_versions.py: constraints.txt's torch pin, nothing else\n"
                          + "\n".join(torch_only()) + "\n")
        print(f"{target}: " + ", ".join(torch_only()))
    elif argv[:1] == ["report"] and len(argv) <= 2:
        out = pathlib.Path(argv[1]) if len(argv) == 2 else ROOT / "_build" / "latest" / "versions.md"
        print(report(out))
        print(f"(written to {out})")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
