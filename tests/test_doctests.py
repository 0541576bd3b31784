"""The examples in the docstrings run, and every public function of the math modules has one.

Each module of the package, found by walking it (so that new modules and subpackages are picked
up without editing this file), gets one test that runs its doctests. The math modules promise
more, in the style of POT: every public function's docstring ends with a small example whose
answer a reader can check by hand (the penalty of a linear critic with w = (3, 4) is
(5 - 1)^2 = 16, the Frechet distance of a set to itself is 0, ...).
"""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import gantut

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    # onerror: a subpackage that fails to import is still listed (walk_packages yields its name
    # before importing it), and its test below fails on the import with the real error
    found = pkgutil.walk_packages(gantut.__path__, "gantut.", onerror=lambda name: None)
    return ["gantut"] + sorted(info.name for info in found)


MODULES = _modules()

#: The modules whose every public function (and class) must show an example.
MATH_MODULES = (
    "gantut.metrics",
    "gantut.transport",
    "gantut.divergences",
    "gantut.dirac",
    "gantut.losses",
    "gantut.lipschitz",
    "gantut.data",
    "gantut.latents",
)

#: Public names excused from the example rule, each with the reason.
NO_EXAMPLE = {
    "gantut.data.mnist": "downloads MNIST through torchvision: no offline answer to show",
}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=OPTIONS)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} docstring examples of {name} failed; "
        "the captured output above shows which, what they printed and what was expected"
    )


def _public_callables(module):
    """The functions and classes a module makes public: the names in ``__all__`` and those
    without a leading underscore, counting only what the module itself defines (not imports)."""
    names = set(getattr(module, "__all__", ())) | {n for n in vars(module) if not n.startswith("_")}
    for name in sorted(names):
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
            yield name, obj


@pytest.mark.parametrize("name", MATH_MODULES)
def test_every_public_function_of_the_math_modules_has_an_example(name):
    module = importlib.import_module(name)
    public = dict(_public_callables(module))
    assert public, f"{name} defines no public function: is MATH_MODULES out of date?"
    missing = [
        n for n, obj in public.items()
        # __doc__, not inspect.getdoc: a class without a docstring must not pass on its base's
        if ">>>" not in (obj.__doc__ or "") and f"{name}.{n}" not in NO_EXAMPLE
    ]
    assert not missing, (
        f"public functions of {name} without a '>>>' example in their docstring: "
        f"{', '.join(missing)}; add a tiny example with an answer that can be checked by hand"
    )


def test_the_walk_finds_the_modules_of_the_package():
    assert set(MATH_MODULES) <= set(MODULES)
    assert "gantut.utils" in MODULES and "gantut" in MODULES
