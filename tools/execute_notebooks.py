"""Execute chapter notebooks in place in their default mode, and stamp the measured run times.

    python tools/execute_notebooks.py [notebooks/NN_name.ipynb ...]   (default: every chapter)

For each notebook: a papermill run in smoke mode (timed, thrown away), then the default-mode run
that is committed (timed), stamped with what it was computed from (tools/fingerprint.py). The
first markdown cell's line starting with ``**Run time**`` is then rewritten with both measured
times, so the time a reader sees at the top of a chapter is the one this machine measured, never a
guess.
"""

from __future__ import annotations

import os
import pathlib
import platform
import re
import sys
import tempfile
import time

import json

import nbformat
import papermill
from fingerprint import fingerprint
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\*\*Run time\*\*.*$", re.M)


def run_time_line(default_s: float, smoke_s: float) -> str:
    minutes = default_s / 60
    default = f"{default_s:.0f} s" if default_s < 90 else f"{minutes:.1f} min"
    return (
        f"**Run time** (measured on a {os.cpu_count()}-core CPU, {platform.machine()}): "
        f"{default} in the default mode, {smoke_s:.0f} s in smoke mode."
    )


def execute(path: pathlib.Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        papermill.execute_notebook(str(path), f"{tmp}/{path.name}", parameters={"MODE": "smoke"},
                                   kernel_name="python3", cwd=str(path.parent), progress_bar=False)
        smoke = time.perf_counter() - t0
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    default = time.perf_counter() - t0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and LINE.search(cell.source):
            cell.source = LINE.sub(run_time_line(default, smoke), cell.source, count=1)
            break
    else:
        print(f"  note: {path.name} has no '**Run time**' line in a markdown cell to update")
    nb.metadata["gantut"] = {"executed": dict(fingerprint(nb), mode="cpu", seed=0,
                                              date=time.strftime("%Y-%m-%d"))}
    nbformat.write(nb, path)
    return default, smoke


TIMES = ROOT / "bench" / "notebook_times.json"
TABLE = ROOT / "book" / "runtimes_table.md"


def record(name: str, default: float, smoke: float) -> None:
    """Keep every notebook's latest measured times in bench/notebook_times.json and regenerate the
    table that the instructor guide includes."""
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times[name] = {"default_s": round(default, 1), "smoke_s": round(smoke, 1),
                   "machine": f"{os.cpu_count()} CPUs, {platform.machine()}",
                   "date": time.strftime("%Y-%m-%d")}
    TIMES.write_text(json.dumps(times, indent=2, sort_keys=True) + "\n")
    rows = ["| chapter notebook | default mode | smoke mode | measured on |", "|---|---|---|---|"]
    for nb, t in sorted(times.items()):
        rows.append(f"| `{nb}` | {t['default_s']:.0f} s | {t['smoke_s']:.0f} s | {t['machine']}, {t['date']} |")
    TABLE.write_text("\n".join(rows) + "\n")


def main(argv: list[str]) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.pop("MPLBACKEND", None)  # figures must be captured inline, not sent to Agg
    paths = [pathlib.Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
    for path in paths:
        default, smoke = execute(path.resolve())
        record(path.stem, default, smoke)
        print(f"{path.name}: default {default:.1f} s, smoke {smoke:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
