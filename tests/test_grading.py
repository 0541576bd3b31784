"""Grading what students hand in: the exercises every chapter sets, and the grading script that the
instructor guide shows (tools/grade.py), run on a submitted notebook as a worked example.

- every chapter has at least three exercises, and every implement-exercise has a stub (a cell
  that raises ``NotImplementedError`` until the student fills it in) and a checker that prints a
  verdict under it;
- the grading script reads the verdict lines and where a run stopped;
- the worked example of the instructor guide: chapter 6's student version (tools/student.py),
  submitted twice, once with right answers, once with a classic mistake and an exercise left
  undone, each run by the grading script with papermill in smoke mode; the report must say
  "correct", name the mistake, and say "not attempted".
"""

from __future__ import annotations

import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
sys.path.insert(0, str(ROOT / "tools"))  # grade.py and student.py

import grade  # noqa: E402
import student  # noqa: E402


def read(path: pathlib.Path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_chapter_sets_at_least_three_exercises(path):
    found = grade.exercises_in(read(path))
    numbers = [n for _, n, _ in found]
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises found (headings like '**Exercise 1 (implement).**')"
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: exercises numbered {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_implement_exercise_has_a_stub_and_a_checker(path):
    """Between an implement-exercise's heading and the next one, the student version keeps a code
    cell that raises NotImplementedError (the stub) and a code cell that calls a checker."""
    nb = student.student_version(read(path))
    found = grade.exercises_in(nb)
    ends = [i for i, _, _ in found[1:]] + [len(nb.cells)]
    for (start, number, kind), end in zip(found, ends):
        if "implement" not in kind:
            continue
        code = [c.source for c in nb.cells[start:end] if c.cell_type == "code"]
        assert any("raise NotImplementedError" in src for src in code), \
            f"{path.name}, exercise {number} ({kind}): no stub cell that raises NotImplementedError"
        assert any(re.search(r"\bcheck_\w+\(", src) for src in code), \
            f"{path.name}, exercise {number} ({kind}): no checker call under the stub"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_keeps_every_exercise(path):
    """Removing a solution dropdown must not remove the next exercise: its statement belongs in a
    markdown cell of its own (tools/student.py drops a solution's whole cell)."""
    nb = read(path)
    full = [(n, kind) for _, n, kind in grade.exercises_in(nb)]
    kept = [(n, kind) for _, n, kind in grade.exercises_in(student.student_version(nb))]
    lost = [f"exercise {n} ({kind})" for n, kind in full if (n, kind) not in kept]
    assert not lost, f"the student version of {path.name} loses {lost}: its statement shares a cell with a solution"


def _stream(text: str) -> dict:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_grade_collects_verdicts_per_exercise_and_where_the_run_stopped():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("setup", outputs=[_stream("✓ not_an_exercise: ignored\n")]),
        nbformat.v4.new_markdown_cell("**Exercise 1 (implement).** Write f."),
        nbformat.v4.new_code_cell("check", outputs=[_stream("hello\n✗ f: you return the square root\n")]),
        nbformat.v4.new_markdown_cell("### Exercise 2 (explain): why"),
        nbformat.v4.new_markdown_cell("**3. Predict, then run.** Before you run it..."),
        nbformat.v4.new_code_cell("check", outputs=[
            _stream("… g: not yet implemented; replace `raise NotImplementedError`\n"),
            nbformat.v4.new_output("error", ename="AssertionError", evalue="a claim", traceback=[])]),
    ]
    exercises, stopped = grade.collect(nb)
    assert [(e.number, e.kind) for e in exercises] == [(1, "implement"), (2, "explain"), (3, "predict, then run")]
    assert exercises[0].verdicts == [("✗", "f", "you return the square root")]
    assert exercises[1].verdicts == []
    assert exercises[2].verdicts == [("…", "g", "not yet implemented; replace `raise NotImplementedError`")]
    assert stopped == "at cell 5 (in exercise 3): AssertionError: a claim"


# The worked example of the instructor guide (book/instructors.md, "Grading a submission").
CHAPTER = ROOT / "notebooks" / "06_applications.ipynb"
RIGHT_FRECHET = '''import scipy.linalg

def frechet(features_a, features_b):
    mu_a, mu_b = features_a.mean(0), features_b.mean(0)
    s_a, s_b = np.cov(features_a, rowvar=False), np.cov(features_b, rowvar=False)
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * scipy.linalg.sqrtm(s_a @ s_b).real))
'''
# The classic mistake: the distance, not its square (FID reports d_F^2).
WRONG_FRECHET = RIGHT_FRECHET.replace("    return float(", "    return float(np.sqrt(").replace(".real))", ".real)))")
RIGHT_SLERP = '''def slerp_norm_error(n_pairs=1000, d=LATENT):
    za, zb = torch.randn(n_pairs, d), torch.randn(n_pairs, d)
    za = za / za.norm(dim=1, keepdim=True) * math.sqrt(d)
    zb = zb / zb.norm(dim=1, keepdim=True) * math.sqrt(d)
    return max(float((slerp(za, zb, t).norm(dim=1) - math.sqrt(d)).abs().max()) for t in torch.linspace(0, 1, 11))
'''
WRITTEN = "**My answer.** The one-class generator will land near the 'digit 1 only' row."


def submission(answers: dict[str, str], path: pathlib.Path) -> pathlib.Path:
    """The student version of chapter 6 with the stubs whose function is named in ``answers``
    replaced by the given code, and a written answer under exercise 2, saved to ``path``."""
    nb = student.student_version(read(CHAPTER))
    for name, code in answers.items():
        stubs = [c for c in nb.cells if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])
                 and c.source.startswith(f"def {name}(")]
        assert len(stubs) == 1, f"one stub cell defines {name}"
        stubs[0].source = code
    at = next(i for i, _, kind in grade.exercises_in(nb) if kind.startswith("predict"))
    nb.cells.insert(at + 1, nbformat.v4.new_markdown_cell(WRITTEN))
    nbformat.write(nb, path)
    return path


def test_worked_example_submissions_are_what_they_claim():
    assert WRONG_FRECHET != RIGHT_FRECHET and "np.sqrt(np.sum" in WRONG_FRECHET


@pytest.mark.notebook
def test_grading_a_submitted_notebook_worked_example(tmp_path):
    right = submission({"frechet": RIGHT_FRECHET, "slerp_norm_error": RIGHT_SLERP}, tmp_path / "alice.ipynb")
    wrong = submission({"frechet": WRONG_FRECHET}, tmp_path / "bob.ipynb")

    good = grade.grade(right, mode="smoke", out_dir=tmp_path / "graded")
    print(good.report())
    assert good.ran_to_the_end and good.passed()
    by_exercise = {e.number: e.verdicts for e in good.exercises}
    by_checker = {name: symbol for e in good.exercises for symbol, name, _ in e.verdicts}
    assert [v[:2] for v in by_exercise[1]] == [("✓", "frechet_distance")]
    assert by_checker == {"frechet_distance": "✓", "slerp_norm_error": "✓"}
    assert by_exercise[2] == [], "a predict exercise is left to read"
    assert good.counts() == {"correct": 2, "wrong": 0, "not attempted": 0}

    bad = grade.grade(wrong, mode="smoke", out_dir=tmp_path / "graded")
    print(bad.report())
    assert bad.ran_to_the_end and not bad.passed(), "a wrong answer does not stop the notebook"
    by_exercise = {e.number: e.verdicts for e in bad.exercises}
    (symbol, name, message), = by_exercise[1]
    assert (symbol, name) == ("✗", "frechet_distance") and "square root" in message
    assert {name: symbol for e in bad.exercises for symbol, name, _ in e.verdicts} == \
        {"frechet_distance": "✗", "slerp_norm_error": "…"}
    assert bad.counts() == {"correct": 0, "wrong": 1, "not attempted": 1}
    report = bad.report()
    assert "exercise 2 (predict, then run): to read" in report and "✗ frechet_distance: you return" in report


@pytest.mark.notebook
def test_grade_command_line_reports_json_and_exit_status(tmp_path, capsys):
    """The command the guide shows, on a tiny notebook (no torch, a few seconds): MODE is injected,
    the report and the JSON list each exercise, a stopped run and a ✗ make the exit status 1."""
    import json

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        nbformat.v4.new_code_cell('MODE = "cpu"\nSEED = 0', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_markdown_cell("**Exercise 1 (implement).** Print a verdict."),
        nbformat.v4.new_code_cell('print(f"✓ one: correct in {MODE} mode, seed {SEED}")'),
        nbformat.v4.new_markdown_cell("**Exercise 2 (explain).** Why?"),
    ]
    good = tmp_path / "good.ipynb"
    nbformat.write(nb, good)
    nb.cells.append(nbformat.v4.new_code_cell('print("✗ two: you flipped the sign")\nassert False, "a claim"'))
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)

    assert grade.main([str(good), "--seed", "3", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "exercise 1 (implement): ✓ one: correct in smoke mode, seed 3" in out
    assert "exercise 2 (explain): to read" in out

    report = tmp_path / "grades.json"
    assert grade.main([str(good), str(bad), "--mode", "cpu", "--out", str(tmp_path / "out"),
                       "--json", str(report)]) == 1
    grades = json.loads(report.read_text())
    assert [g["passed"] for g in grades] == [True, False]
    assert grades[1]["counts"] == {"correct": 1, "wrong": 1, "not attempted": 0}
    assert grades[1]["stopped"].endswith("AssertionError: a claim") and "exercise 2" in grades[1]["stopped"]
    assert "✓ one: correct in cpu mode" in capsys.readouterr().out
