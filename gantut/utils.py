"""Seeding, device choice and thread set-up.

Why threads matter: on a 2-core machine, PyTorch's and NumPy's OpenMP pools spinning against each
other (under Jupyter, nbval, papermill or the book build) made a tiny training loop 25-50x slower.
The book's networks are small, so one thread per process is both the fastest and the most
predictable choice on a CPU.
"""

from __future__ import annotations

import ctypes
import os
import random
import sys

import numpy as np
import torch

__all__ = ["MODES", "configure_threads", "tune_malloc", "choose_device", "seed_everything", "setup",
           "sizes", "dry_run", "DRY_RUN"]


def configure_threads(n: int | None = None) -> int:
    """Use ``n`` threads for PyTorch on the CPU and flush subnormal floats to zero.

    ``n`` defaults to ``OMP_NUM_THREADS`` when it is set, else 1. Flushing denormals matters for
    clipped critics: their tiny weights produce subnormal floats, which made a run 10x slower here.

    Returns the number of threads in use.

    >>> configure_threads(1), torch.get_num_threads()
    (1, 1)
    """
    if n is None:
        n = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    if n < 1:
        raise ValueError(f"the number of threads must be at least 1, got {n}")
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    torch.set_flush_denormal(True)
    return n


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def tune_malloc(keep_mb: int = 64) -> bool:
    """Let glibc's allocator keep up to ``keep_mb`` MB of freed memory instead of handing it back.

    A training step frees and re-allocates many tensors of about a megabyte. By default glibc
    returns the top of its heap to the operating system whenever more than a few megabytes there
    are free, and the next step then touches fresh pages: here about 800 page faults per WGAN-GP
    iteration at the toy settings, and 1-4% of its time (A/B runs on the performance page).
    Allocations of 32 MB and more are still served straight from the operating system, as glibc
    does by default once it has adapted, so large arrays (optimal-transport cost matrices, say) are
    returned as soon as they are freed.

    Only on Linux with glibc; elsewhere it does nothing. Returns whether it applied the setting.

    >>> tune_malloc() in (True, False)  # True on Linux with glibc
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mb = 1 << 20
    return all(mallopt(param, value) == 1 for param, value in (
        (_M_MMAP_THRESHOLD, 32 * mb), (_M_TRIM_THRESHOLD, keep_mb * mb), (_M_TOP_PAD, 16 * mb)))


def choose_device(device: str = "auto") -> torch.device:
    """Return ``torch.device(device)``; ``"auto"`` picks CUDA when it is available, else the CPU.

    Asking for ``"cuda"`` where CUDA is not available raises a ``ValueError`` that says what to use.

    >>> choose_device("cpu")
    device(type='cpu')
    >>> choose_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    True
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"DEVICE={device!r} was asked for but CUDA is not available here; "
            'use DEVICE="auto" (CUDA when present, else CPU) or DEVICE="cpu".'
        )
    return dev


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch, and return a ``torch.Generator`` seeded with ``seed``.

    The same seed replays the same draws, from the global generators and the returned one:

    >>> def draws(g):
    ...     return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item()
    >>> draws(seed_everything(0)) == draws(seed_everything(0))
    True
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


MODES = ("smoke", "cpu", "full")


def setup(seed: int = 0, device: str = "auto", threads: int | None = None,
          mode: str | None = None) -> torch.device:
    """The one call at the top of every chapter; returns the device to use.

    It changes process-wide state, on purpose and only here (``import gantut`` changes nothing):
    PyTorch's CPU threads (:func:`configure_threads`: ``OMP_NUM_THREADS``, else 1) and flushing
    of subnormal floats, glibc's allocator (:func:`tune_malloc`), the seeds of Python, NumPy
    and PyTorch (:func:`seed_everything`), and Matplotlib's text sizes and colours
    (:func:`gantut.plot.use_book_style`). ``mode``, when given, must be one of ``"smoke"``,
    ``"cpu"`` or ``"full"`` (a chapter's ``MODE``); anything else stops with a clear error.

    >>> setup(seed=0, device="cpu", mode="cpu")
    device(type='cpu')
    """
    if mode is not None and mode not in MODES:
        raise ValueError(f'MODE must be "smoke", "cpu" or "full", got {mode!r}: "cpu" is the '
                         'default, "smoke" a seconds-long check, "full" for a GPU or Colab')
    configure_threads(threads)
    tune_malloc()
    seed_everything(seed)
    from gantut import plot  # matplotlib only when a chapter starts

    plot.use_book_style()
    return choose_device(device)


#: The environment variable that turns a smoke run into a dry run of full mode (see :func:`sizes`).
DRY_RUN = "GANTUT_DRY_RUN"


def dry_run() -> bool:
    """Whether this process is a dry run of full mode: ``GANTUT_DRY_RUN=1`` in the environment
    (the tests set it; a reader never needs it).

    >>> os.environ.pop(DRY_RUN, None); dry_run()
    False
    """
    return os.environ.get(DRY_RUN, "") not in ("", "0")


def sizes(table: dict[str, dict], mode: str) -> dict:
    """A chapter's settings for ``mode``: ``table[mode]``, after checking that every mode sets the
    same names.

    **Dry run of full mode.** In a smoke run with ``GANTUT_DRY_RUN=1`` in the environment, it
    returns full mode's settings with smoke mode's sizes: every integer and every list or tuple of
    integers (iterations, widths, sample sizes, seeds) comes from ``table["smoke"]``, everything
    else (learning rates, penalty weights, activations, flags such as ``mnist``) from
    ``table["full"]``. Full mode's code path then runs in seconds, on a CPU, with the chapter's
    claims unchecked as in any smoke run: a GPU runner never meets a crash that the tests could
    have found. :func:`gantut.data.mnist` gives a stand-in of MNIST's shape in a dry run.

    >>> table = {"smoke": dict(iters=10, lr=1e-3), "cpu": dict(iters=500, lr=1e-3),
    ...          "full": dict(iters=5000, lr=1e-4)}
    >>> sizes(table, "cpu")
    {'iters': 500, 'lr': 0.001}
    >>> os.environ[DRY_RUN] = "1"; dry = sizes(table, "smoke"); del os.environ[DRY_RUN]; dry
    {'iters': 10, 'lr': 0.0001}
    """
    if mode not in MODES:
        raise ValueError(f'MODE must be "smoke", "cpu" or "full", got {mode!r}')
    missing = [m for m in MODES if m not in table]
    if missing:
        raise ValueError(f"the size table needs an entry for every mode; {missing} missing")
    names = {m: set(table[m]) for m in MODES}
    if len({frozenset(v) for v in names.values()}) > 1:
        union = set().union(*names.values())
        gaps = {m: sorted(union - v) for m, v in names.items() if union - v}
        raise ValueError(f"every mode must set the same names; missing: {gaps}")
    if not (mode == "smoke" and dry_run()):
        return dict(table[mode])

    def is_size(value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        return isinstance(value, (list, tuple)) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value)

    return {k: table["smoke"][k] if is_size(v) else v for k, v in table["full"].items()}
