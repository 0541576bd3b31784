"""The one verdict engine: a checker is data, a list of cases and (mistake, message) pairs.

:func:`run` calls the student's function on each :class:`Case` of a :class:`Checker` in turn. At
the first wrong answer it tries the listed mistakes, the case's own before the checker's: a *wrong
implementation* (a function with the student's signature) matches when it gives the same answer on
the case; a :class:`Sign` matches when its test recognises the answer (for random answers, or ones
many wrong implementations share). The first match's message is the verdict; with none, the
verdict says what the case expected and what came back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Tuple, Union

import numpy as np
import torch

__all__ = ["Wrong", "Sign", "Verdict", "Case", "Checker", "run", "verdict", "call", "number",
           "number_called", "close", "show", "first_line"]


class Wrong(Exception):
    """A wrong answer; the message is the sentence the student reads."""


@dataclass(frozen=True)
class Sign:
    """A mistake recognised in the answer itself: ``test(answer, *args)`` is true when it shows."""

    test: Callable[..., bool]


#: A verdict sentence, or a function ``message(answer, *args)`` that writes it.
Message = Union[str, Callable[..., str]]
#: A wrong implementation (the student's signature) or a :class:`Sign`, with its message.
Mistake = Tuple[Union[Callable, Sign], Message]


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, for a one-line verdict."""
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"


def close(a: float, b: float, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Whether two numbers agree to ``rtol`` (relative) or ``atol`` (absolute); NaN never does."""
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def show(value: Any) -> str:
    """A value as a verdict writes it: floats to 6 significant digits, pairs element-wise."""
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def number(value: Any, what: str) -> float:
    """A float from a float, NumPy scalar or one-element array or tensor; else :class:`Wrong`."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise Wrong(f"{what} should be a single number, but your function returned a tensor "
                        f"of shape {tuple(value.shape)}; did you forget to average?")
        if value.is_complex():
            raise Wrong(f"{what} is a complex number; take its real part")
        return float(value.detach())
    if np.iscomplexobj(value):
        raise Wrong(f"{what} is a complex number ({complex(np.asarray(value).ravel()[0]):.4g}); "
                    "scipy.linalg.sqrtm can leave tiny imaginary parts: take .real")
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise Wrong(f"{what} should be a number, but your function returned "
                    f"{type(value).__name__}")
    if array.size != 1:
        raise Wrong(f"{what} should be a single number, but your function returned an array of "
                    f"shape {array.shape}; did you forget to average?")
    return float(array.ravel()[0])


def number_called(what: str) -> Callable[..., float]:
    """A :attr:`Case.answer` that reads the returned value as one number named ``what``."""
    return lambda out, *args: number(out, what)


@dataclass
class Case:
    """One call of the student's function and what a right answer is.

    ``name`` says where, in a verdict ("on {name}"). ``args()`` makes fresh arguments for every
    call. ``answer(returned, *args)`` turns what the function returned into the answer, raising
    :class:`Wrong` for the wrong kind of value (the verdict adds on which case). The answer is
    right when ``same(answer, expected)``, with ``expected`` a constant or ``expected(*args)``, or,
    for a property, when ``holds(answer, *args)``. ``mistakes`` are this case's own; ``accepted``
    are (implementation, note) pairs that also pass, with the note; ``fails`` is the message when
    no mistake matches (a string or ``fails(answer, *args)``; by default, what was expected and
    what came back).
    """

    name: str
    args: Callable[[], tuple]
    expected: Any = None
    holds: Callable[..., bool] | None = None
    answer: Callable[..., Any] = number_called("the answer")
    same: Callable[[Any, Any], bool] = close
    mistakes: Sequence[Mistake] = ()
    accepted: Sequence[Tuple[Callable, str]] = ()
    fails: Message | None = None


@dataclass
class Checker:
    """An exercise's checker: its ``name`` in the verdict, its cases in order, the ``praise`` for a
    right answer and the mistakes tried on a wrong answer to any case."""

    name: str
    cases: Sequence[Case]
    praise: str
    mistakes: Sequence[Mistake] = ()


def call(fn: Callable, args: tuple, where: str) -> Any:
    """Call the student's function; a crash becomes :class:`Wrong`, saying on which case."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"your function raised {type(error).__name__} on {where}: "
                    f"{first_line(error)}") from None


def _matches(mistake: Callable | Sign, got: Any, args: tuple, case: Case) -> bool:
    try:
        if isinstance(mistake, Sign):
            return bool(mistake.test(got, *args))
        fresh = case.args()
        return bool(case.same(got, case.answer(mistake(*fresh), *fresh)))
    except Exception:  # a mistake that does not apply to this case's arguments
        return False


def _check(case: Case, fn: Callable, mistakes: Sequence[Mistake]) -> str:
    """Raise :class:`Wrong` unless ``fn`` answers ``case`` right; return a note, or ''."""
    given = case.args()
    out = call(fn, given, case.name)
    try:
        got = case.answer(out, *given)
    except Wrong as wrong:
        raise Wrong(f"on {case.name}: {wrong}") from None
    args = case.args()  # a fresh copy: the student's function may have changed its arguments
    expected = case.expected(*args) if callable(case.expected) else case.expected
    if case.holds(got, *args) if case.holds else case.same(got, expected):
        return ""
    for implementation, note in case.accepted:
        if _matches(implementation, got, args, case):
            return note
    for mistake, message in [*case.mistakes, *mistakes]:
        if _matches(mistake, got, args, case):
            raise Wrong(message(got, *args) if callable(message) else message)
    if case.fails is not None:
        raise Wrong(case.fails(got, *args) if callable(case.fails) else case.fails)
    raise Wrong(f"on {case.name}: expected {show(expected)}, your function returned {show(got)}")


class Verdict:
    """What a checker returns: true when the answer is right. The verdict line is already printed,
    so in a notebook a checker call as a cell's last line shows nothing more (no stray ``False``).

    >>> bool(Verdict(True)), bool(Verdict(False)), Verdict(False)
    (True, False, Verdict(False))
    """

    __slots__ = ("right",)

    def __init__(self, right: bool) -> None:
        self.right = bool(right)

    def __bool__(self) -> bool:
        return self.right

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other)

    def __hash__(self) -> int:
        return hash(self.right)

    def __repr__(self) -> str:
        return f"Verdict({self.right})"

    def _ipython_display_(self) -> None:  # the printed verdict line says it all
        pass


def run(checker: Checker, fn: Callable) -> Verdict:
    """Check ``fn`` on every case of ``checker``; print the verdict and return a :class:`Verdict`,
    true if right."""
    def body() -> str:
        notes = [_check(case, fn, checker.mistakes) for case in checker.cases]
        return checker.praise + "".join(dict.fromkeys(note for note in notes if note))
    return verdict(checker.name, body)


def verdict(name: str, body: Callable[[], str]) -> Verdict:
    """Run ``body`` and print one verdict line for exercise ``name``; a :class:`Verdict`, true
    when it is right.

    ``body`` returns the praise, or raises :class:`Wrong`. The student's ``NotImplementedError``
    means the exercise is not done yet; any other exception is reported, never re-raised, so that a
    notebook keeps running. ``body`` runs with torch's global generator seeded to 0 and restored
    afterwards, and with NumPy's divide and invalid warnings off.
    """
    try:
        with torch.random.fork_rng(devices=[]), np.errstate(divide="ignore", invalid="ignore"):
            torch.manual_seed(0)
            praise = body()
    except NotImplementedError:
        print(f"… {name}: not yet implemented; replace `raise NotImplementedError` with your code "
              "and run the cell again")
        return Verdict(False)
    except Wrong as wrong:
        print(f"✗ {name}: " + " ".join(str(wrong).split()))
        return Verdict(False)
    except Exception as error:  # e.g. from backward() on the answer's output: report, never raise
        print(f"✗ {name}: checking stopped with {type(error).__name__}: {first_line(error)}")
        return Verdict(False)
    print(f"✓ {name}: {praise}")
    return Verdict(True)
