"""The Colab install cell: the first code cell of every chapter notebook, the same everywhere.

In a fresh runtime (Colab) ``import gantut`` fails and the cell installs gantut with pip from the
repository URL of ``_config.yml`` (the one the launch buttons use), or from ``GANTUT_INSTALL_URL``
when that is set. It says what it does, and when pip fails (no network, repository unreachable) it
stops with an error that names the URL, shows pip's last lines and says what to do. The cell runs
here in a fresh Python process with gantut made unimportable; nothing is downloaded: pip is either
faked (the success path, where it "installs" a stand-in gantut that imports in milliseconds, not
the real one that imports torch) or pointed at a repository that does not exist (the failure path).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def install_cell(path: pathlib.Path) -> dict:
    cells = json.loads(path.read_text())["cells"]
    return next(c for c in cells if c["cell_type"] == "code")


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


CELL = source(install_cell(NOTEBOOKS[0]))

# Run before the cell in the child process: a stand-in gantut (version STAND_IN) first on the path,
# which cannot be imported until the (fake) pip has run.
STAND_IN = "0.0.0+stand-in"
STAND_IN_FIRST = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, os.environ["STAND_IN_DIR"])
""")
BLOCK_GANTUT = STAND_IN_FIRST + textwrap.dedent("""
    class NoGantut:
        installed = False
        def find_spec(self, name, path=None, target=None):
            if not NoGantut.installed and (name == "gantut" or name.startswith("gantut.")):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, NoGantut())
""")

# A pip that succeeds without downloading anything: it records its command line and "installs"
# gantut by lifting the block.
FAKE_PIP = textwrap.dedent("""
    import subprocess
    def fake_run(cmd, **kwargs):
        assert cmd[1:4] == ["-m", "pip", "install"], cmd
        print("PIP CALLED WITH", cmd[-1])
        NoGantut.installed = True
        return subprocess.CompletedProcess(cmd, 0, stdout="", stderr="")
    subprocess.run = fake_run
""")

# When gantut is already there, the cell must not call pip at all.
NO_PIP = STAND_IN_FIRST + textwrap.dedent("""
    import subprocess
    def no_run(cmd, **kwargs):
        raise AssertionError(f"the install cell ran {cmd} although gantut is installed")
    subprocess.run = no_run
""")


@pytest.fixture
def run_cell(tmp_path):
    """Run the install cell after ``prelude`` in a fresh Python process, with the stand-in gantut
    in a temporary folder and ``env`` added to the environment."""
    (tmp_path / "stand_in" / "gantut").mkdir(parents=True)
    (tmp_path / "stand_in" / "gantut" / "__init__.py").write_text(f"__version__ = {STAND_IN!r}\n")

    def run(prelude: str, **env: str) -> subprocess.CompletedProcess:
        environ = {k: v for k, v in os.environ.items() if k != "GANTUT_INSTALL_URL"}
        environ.update(env, STAND_IN_DIR=str(tmp_path / "stand_in"), PIP_NO_INDEX="1", PIP_NO_INPUT="1",
                       PYTHONDONTWRITEBYTECODE="1", GIT_TERMINAL_PROMPT="0")
        return subprocess.run([sys.executable, "-c", prelude + "\n" + CELL], capture_output=True,
                              text=True, cwd=str(ROOT / "notebooks"), env=environ, timeout=60)
    return run


def test_there_is_an_install_cell():
    assert NOTEBOOKS and "import gantut" in CELL and "pip" in CELL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_opens_with_the_same_hidden_install_cell(path):
    cell = install_cell(path)
    assert source(cell) == CELL, (
        f"{path.name}'s first code cell differs from {NOTEBOOKS[0].name}'s: copy the install cell "
        "exactly (tests/test_install_cell.py checks that one cell everywhere)")
    assert "hide-input" in cell["metadata"].get("tags", []), "the install cell is tagged hide-input"


def test_install_cell_installs_from_the_repository_in_config():
    assert f'"git+{URL}"' in CELL, f"the default URL must be git+{URL} (_config.yml's repository.url)"


def test_install_cell_does_nothing_when_gantut_is_installed(run_cell):
    done = run_cell(NO_PIP)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", "the cell is silent when there is nothing to install"


def test_install_cell_says_what_it_installs_and_imports_gantut(run_cell):
    done = run_cell(BLOCK_GANTUT + FAKE_PIP)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"gantut not found: installing it with pip from git+{URL} (about a minute)"
    assert lines[1] == f"PIP CALLED WITH git+{URL}"
    assert lines[2] == f"installed gantut {STAND_IN} from git+{URL}"


def test_install_cell_honours_gantut_install_url(run_cell):
    done = run_cell(BLOCK_GANTUT + FAKE_PIP, GANTUT_INSTALL_URL="/somewhere/gantut")
    assert done.returncode == 0, done.stderr
    assert "installing it with pip from /somewhere/gantut" in done.stdout
    assert "PIP CALLED WITH /somewhere/gantut" in done.stdout


def test_install_cell_fails_with_a_message_that_says_what_to_do(run_cell, tmp_path):
    """A real pip, offline, on a git repository that does not exist: what a reader without a
    network (or with a wrong URL) meets."""
    missing = f"git+file://{tmp_path}/no-such-repository"
    done = run_cell(BLOCK_GANTUT, GANTUT_INSTALL_URL=missing)
    assert done.returncode != 0
    assert f"installing it with pip from {missing}" in done.stdout
    error = done.stderr.strip().splitlines()
    assert any(line.startswith(f"RuntimeError: could not install gantut from {missing}; pip said:")
               for line in error), done.stderr
    message = done.stderr[done.stderr.index("RuntimeError"):]
    assert "error" in message.lower().split("pip said:")[1], "pip's own last lines are shown"
    for advice in ("check that this runtime is online", "Runtime > Disconnect and delete runtime",
                   "clone of the repository", "GANTUT_INSTALL_URL", "run this cell again"):
        assert advice in message, f"the error should say: {advice!r}"
    assert "CalledProcessError" not in done.stderr and "During handling" not in done.stderr, \
        "one clear error, not a chain of tracebacks"
