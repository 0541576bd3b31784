"""Every notebook in notebooks/ is tested automatically: its structure here, a papermill run in
smoke mode here, and (from the Makefile's pytest call) an nbval run in its default mode.
A new chapter notebook needs no edit to this file."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_parameters_cell_with_mode_device_seed(path):
    cells = [c for c in code_cells(load(path)) if "parameters" in c["metadata"].get("tags", [])]
    assert len(cells) == 1, "exactly one code cell tagged 'parameters' (papermill injects after it)"
    src = source(cells[0])
    for name, default in (("MODE", '"cpu"'), ("DEVICE", '"auto"'), ("SEED", None)):
        assert re.search(rf"^{name}\s*=", src, re.M), f"the parameters cell must set {name}"
        if default:
            assert re.search(rf"^{name}\s*=\s*{default}", src, re.M), f"{name} defaults to {default}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_with_outputs_and_no_errors(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in code_cells(nb):
        if source(cell).strip():
            assert cell.get("execution_count") is not None, f"cell not executed:\n{source(cell)[:200]}"
        assert not any(o["output_type"] == "error" for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_objectives_prerequisites_and_time(path):
    head = "".join(source(c) for c in load(path)["cells"][:3] if c["cell_type"] == "markdown").lower()
    for word in ("objectives", "prerequisites", "time"):
        assert word in head, f"the opening markdown must state the chapter's {word}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_asserts_its_claims(path):
    asserts = sum(len(re.findall(r"^\s*assert ", source(c), re.M)) for c in code_cells(load(path)))
    assert asserts >= 3, "a chapter asserts its key claims so nbval fails when the science breaks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_sets_up_through_gantut_and_lets_it_check_the_mode(path):
    src = "\n".join(source(c) for c in code_cells(load(path)))
    assert re.search(r"setup\([^)]*mode=MODE", src), "call gantut.utils.setup(..., mode=MODE) once"
    assert "MODE not in" not in src, "gantut.utils.setup checks MODE: no copy of the check"


# A cell trains a network by hand when it steps an optimiser after a backward pass. Only chapter 5a's
# Algorithm 1, written out to be compared with gantut.train, may do so; every other loop calls
# gantut.train's critic_step / generator_step (through train_gan or train_critic).
HAND_WRITTEN_LOOPS_ALLOWED = {"05a_wgan_gp_toys": ["def wgan_gp_by_hand"]}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_chapter_repeats_a_training_loop(path):
    allowed = HAND_WRITTEN_LOOPS_ALLOWED.get(path.stem, [])
    for cell in code_cells(load(path)):
        src = source(cell)
        if re.search(r"\.backward\(", src) and re.search(r"\b\w*opt\w*\.step\(", src):
            assert any(a in src for a in allowed), f"a hand-written training loop; use gantut.train:\n{src[:300]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_chapter_cuts_source_with_string_surgery(path):
    for cell in code_cells(load(path)):
        src = source(cell)
        names = re.findall(r"(\w+)\s*=\s*inspect\.getsource\(", src)
        cut = [r"getsource\([^()]*(\([^()]*\))?[^()]*\)\s*[.\[]"] + [rf"\b{n}\s*(\[|\.index\(|\.split\()" for n in names]
        assert not any(re.search(c, src) for c in cut), (
            "show a function whole (inspect.getsource of a short function), not a slice of it:\n" + src[:300])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_install_cell_uses_the_repository_in_config(path):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    first_code = source(code_cells(load(path))[0])
    assert "import gantut" in first_code and f"git+{url}" in first_code


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_in_smoke_mode(path, tmp_path):
    import papermill

    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        parameters={"MODE": "smoke"},
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
    )


def _student(path: pathlib.Path):
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import nbformat
    import student

    return student.student_version(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_has_exercises_but_no_solutions(path):
    full = load(path)
    nb = _student(path)
    removed = len(full["cells"]) - len(nb.cells)
    assert removed >= 3, "each chapter has at least three exercises with solutions to remove"
    text = "\n".join(c.source for c in nb.cells)
    assert "{admonition} Solution" not in text
    assert "exercise" in text.lower()


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_runs_in_smoke_mode(path, tmp_path):
    import nbformat
    import papermill

    src = tmp_path / f"student_{path.name}"
    nbformat.write(_student(path), src)
    papermill.execute_notebook(
        str(src),
        str(tmp_path / f"out_{path.name}"),
        parameters={"MODE": "smoke"},
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
    )
