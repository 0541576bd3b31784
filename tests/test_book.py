"""The book builds with warnings as errors (broken references, missing citations, bad cells)."""

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.book
def test_book_builds_with_warnings_as_errors(tmp_path):
    out = tmp_path / "book"
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "--keep-going"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    chapter = (html / "notebooks" / "02_wasserstein.html").read_text()
    assert "mathjax" in chapter.lower() and "cdn.jsdelivr" not in chapter, "MathJax must be bundled"
    shutil.rmtree(out, ignore_errors=True)
