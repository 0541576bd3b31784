"""Every notebook in notebooks/ is tested automatically, and a new chapter notebook needs no edit
to this file:

- its structure (parameters, outputs, opening, asserts, set-up, no hand-written loops);
- its committed outputs are fresh: computed at the default seed from the code cells and the gantut
  code it has now (``make execute`` stamps what they were computed from: tools/fingerprint.py);
- a papermill run in its default mode at a second seed (``SECOND_SEED``, 1 unless the environment
  variable ``GANTUT_SECOND_SEED`` says otherwise), so that every claim it asserts about a training
  run holds at a seed nobody tuned it on; the executed copies are kept in ``_build/seed<N>/``;
- a smoke run, a dry run of its full mode (:func:`gantut.utils.sizes`), and a smoke run of its
  student version;
- every glued number its prose shows exists in its outputs, and no prose types a section number.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


SECOND_SEED = int(os.environ.get("GANTUT_SECOND_SEED", "1"))
sys.path.insert(0, str(ROOT / "tools"))  # fingerprint.py and student.py


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
    assert asserts >= 3, "a chapter asserts its key claims so that a run fails when the science breaks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_says_what_it_shows(path):
    """A figure cell carries alt text or a caption (myst-nb cell metadata), so that a reader who
    cannot see it, and the book's browser check, know what it shows; caught here in a second rather
    than in the book build."""
    missing = []
    for cell in code_cells(load(path)):
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            meta = cell.get("metadata", {}).get("mystnb", {})
            text = meta.get("image", {}).get("alt") or meta.get("figure", {}).get("caption")
            if not (text and text.strip()):
                missing.append(source(cell).split("\n")[0][:70])
    assert not missing, f"figure cells without mystnb image alt or figure caption: {missing}"


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_outputs_come_from_the_current_code(path):
    from fingerprint import fingerprint

    nb = load(path)
    stamp = nb["metadata"].get("gantut", {}).get("executed")
    fix = f"re-execute it: make execute NB=notebooks/{path.name}"
    assert stamp, f"{path.name} has no execution stamp; {fix}"
    assert (stamp["mode"], stamp["seed"]) == ("cpu", 0), f"committed outputs are the default run; {fix}"
    now = fingerprint(nb)
    assert stamp["notebook_code"] == now["notebook_code"], f"its code cells changed since its outputs; {fix}"
    assert stamp["gantut_code"] == now["gantut_code"], f"gantut's code changed since its outputs; {fix}"


@pytest.mark.notebook
@pytest.mark.second_seed
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_claims_hold_at_a_second_seed(path):
    import papermill

    out = ROOT / "_build" / f"seed{SECOND_SEED}"
    out.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(path), str(out / path.name), parameters={"SEED": SECOND_SEED},
                               kernel_name="python3", cwd=str(path.parent), progress_bar=False)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_full_mode_dry_run(path, tmp_path, monkeypatch):
    """Full mode's code path (settings, flags, the MNIST branch on a stand-in) with smoke's sizes."""
    import papermill

    monkeypatch.setenv("GANTUT_DRY_RUN", "1")
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={"MODE": "smoke"},
                               kernel_name="python3", cwd=str(path.parent), progress_bar=False)
    text = out.read_text()
    if '"mnist"' in "".join(source(c) for c in code_cells(load(path))):
        assert "MNIST replaced by" in text, "the dry run should reach the MNIST part on its stand-in"


GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)(?::[^`]*)?`")
GLUE_DIRECTIVE = re.compile(r"^```\{glue(?::[a-z]+)?\}\s+(\S+)", re.M)


def glued(nb: dict) -> dict[str, str]:
    """Every glued name in the outputs, with the text myst-nb formats it from."""
    values = {}
    for cell in code_cells(nb):
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = "".join(v if isinstance(v, str) else "".join(v)
                                       for k, v in o.get("data", {}).items() if k.endswith("text/plain"))
    return values


def markdown(nb: dict) -> str:
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_glue_patterns_find_roles_and_directives():
    text = "W1 is {glue:text}`w1:.3f` and {glue}`n`.\n```{glue:figure} fig\n```"
    assert set(GLUE_ROLE.findall(text)) | set(GLUE_DIRECTIVE.findall(text)) == {"w1", "n", "fig"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_glued_name_in_the_prose_is_in_the_outputs(path):
    nb = load(path)
    text = markdown(nb)
    wanted = set(GLUE_ROLE.findall(text)) | set(GLUE_DIRECTIVE.findall(text))
    missing = wanted - set(glued(nb))
    assert not missing, f"the prose shows glued values that no output provides: {sorted(missing)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glued_values_are_plain_python_values(path):
    """myst-nb formats a glued number from its text; NumPy 2 writes np.float64(0.5), which it cannot
    read. Glue float(x) or int(x)."""
    bad = [f"{name} = {text.strip()[:40]}" for name, text in glued(load(path)).items()
           if re.match(r"(np|numpy|tensor)\b|array\(", text.strip())]
    assert not bad, f"glue plain numbers (float(x), int(x)): {bad}"


TYPED_SECTION = re.compile(r"(?i)(\bsections?\s+\d|§\s*\d)")
PAGES = NOTEBOOKS + sorted((ROOT / "book").glob("*.md")) + [ROOT / "README.md"]


def test_typed_section_pattern_catches_the_usual_forms():
    assert TYPED_SECTION.search("see section 2") and TYPED_SECTION.search("in Sections 3 and 4")
    assert TYPED_SECTION.search("§ 4") and not TYPED_SECTION.search("{ref}`the dual <sec-dual>`")


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_prose_cross_references_with_ref_not_typed_section_numbers(path):
    text = markdown(load(path)) if path.suffix == ".ipynb" else path.read_text()
    found = sorted({m.group(0) for m in TYPED_SECTION.finditer(text)})
    assert not found, f"typed section numbers {found}: label the section, (name)=, and use {{ref}}`name`"


def _student(path: pathlib.Path):
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
