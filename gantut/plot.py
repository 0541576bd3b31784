"""The book's figures, with one colour scheme everywhere: real data in blue, generated in orange.

Each function draws on a Matplotlib ``Axes`` you pass (or a new one) and returns it, so chapters
compose figures without boilerplate.

The palette lives here and only here; chapters name colours by their role (``REAL``, ``FAKE``,
``EXACT``, ``ALERT``, ``CAUTION``, ``SERIES[i]`` for further curves, ``OBJECTIVE[name]`` for the
losses of chapter 3) and colour maps by what they show (``CRITIC_CMAP`` ...).
:func:`gantut.utils.setup`, the first call of every chapter, sets the book's text sizes
(:func:`use_book_style`; importing this module changes nothing): the book shows a 7-inch figure at its
natural 100 dpi in a 750-pixel column, so 10 pt in a figure is about 14 px, the size of the body's
small print (code and printed outputs); no figure text is smaller than ``SMALL``.

>>> from gantut import plot
>>> plot.SMALL >= 10 and plot.OBJECTIVE["wgan"] == plot.EXACT
True
"""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

__all__ = [
    "REAL",
    "FAKE",
    "EXACT",
    "ALERT",
    "CAUTION",
    "NEUTRAL",
    "SERIES",
    "OBJECTIVE",
    "CRITIC_CMAP",
    "DENSITY_CMAP",
    "SHARE_CMAP",
    "PLAN_CMAP",
    "SCALAR_CMAP",
    "CMAPS",
    "SMALL",
    "use_book_style",
    "animation_html",
    "samples",
    "critic_surface",
    "transport_plan",
    "history",
    "image_grid",
]

REAL = "#1f77b4"  # real data, everywhere in the book
FAKE = "#ff7f0e"  # generated data, everywhere in the book
EXACT = "#2ca02c"  # exact values from POT
ALERT = "#d62728"  # what went wrong: a failure, a crossing, an infinite value, a "far" verdict
CAUTION = "#bcbd22"  # borderline: worth a look, not (yet) wrong
NEUTRAL = "0.3"  # references and guides: a floor, a bound, a zero line
# Further curves where none of the roles above applies (methods, depths, weights), in this order.
SERIES = ("#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#e377c2", "#1f77b4", "#2ca02c")
# Chapter 3's objectives, the same colour in every figure that compares them.
OBJECTIVE = {"minimax": ALERT, "nonsaturating": REAL, "wgan": EXACT, "hinge": "k", "lsgan": SERIES[0]}

CRITIC_CMAP = "RdBu_r"  # a critic's value f(x): diverging, zero in the middle
DENSITY_CMAP = "Greys"  # a density or a coverage map
SHARE_CMAP = "Oranges"  # generated mass (orange, like generated samples)
PLAN_CMAP = "Greens"  # a transport plan's mass (green, like exact values from POT)
SCALAR_CMAP = "viridis"  # one number per point, e.g. a gradient norm
CMAPS = (CRITIC_CMAP, DENSITY_CMAP, SHARE_CMAP, PLAN_CMAP, SCALAR_CMAP, "gray")

SMALL = 10  # points: the smallest text in any figure (legends, annotations, ticks)


def use_book_style() -> None:
    """Set Matplotlib's text sizes and colour cycle to the book's: body text 11 pt, nothing under
    :data:`SMALL`, white figure background (readable on the dark theme too); called by
    :func:`gantut.utils.setup`."""
    plt.rcParams.update({
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 11,
        "xtick.labelsize": SMALL,
        "ytick.labelsize": SMALL,
        "legend.fontsize": SMALL,
        "legend.title_fontsize": SMALL,
        "figure.titlesize": 12,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.prop_cycle": plt.cycler(color=[REAL, FAKE, EXACT, ALERT, *SERIES[:4]]),
    })



def _np(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _ax(ax):
    return ax if ax is not None else plt.subplots(figsize=(4, 4))[1]


def samples(
    real: Any = None,
    fake: Any = None,
    centers: Any = None,
    ax=None,
    title: str | None = None,
    lim: float | None = 2.0,
    s: float = 3,
):
    """Scatter real (blue) and generated (orange) 2-D samples, with optional mixture centres."""
    ax = _ax(ax)
    if real is not None:
        r = _np(real)
        ax.scatter(r[:, 0], r[:, 1], s=s, c=REAL, alpha=0.5, label="real", linewidths=0)
    if fake is not None:
        f = _np(fake)
        ax.scatter(f[:, 0], f[:, 1], s=s, c=FAKE, alpha=0.5, label="generated", linewidths=0)
    if centers is not None:
        c = _np(centers)
        ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=25, label="mode centres")
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


@torch.no_grad()
def _grid_values(critic: nn.Module, lim: float, n: int):
    xs = np.linspace(-lim, lim, n)
    xx, yy = np.meshgrid(xs, xs)
    pts = torch.tensor(np.stack([xx.ravel(), yy.ravel()], 1), dtype=torch.float32)
    dev = next(critic.parameters()).device
    return xx, yy, critic(pts.to(dev)).cpu().numpy().reshape(n, n)


def critic_surface(
    critic: nn.Module,
    real: Any = None,
    fake: Any = None,
    ax=None,
    lim: float = 2.0,
    n: int = 101,
    arrows: bool = True,
    title: str | None = None,
    levels: Any = 30,
):
    """The critic's value :math:`f(x)` as filled contours, its gradient field as arrows, and
    optionally real and generated samples on top. ``levels``: a number of contour levels, or the
    levels themselves (one fixed colour scale for several critics, e.g. the frames of an animation)."""
    ax = _ax(ax)
    xx, yy, zz = _grid_values(critic, lim, n)
    cs = ax.contourf(xx, yy, zz, levels=levels, cmap=CRITIC_CMAP,
                     extend="neither" if isinstance(levels, int) else "both")
    plt.colorbar(cs, ax=ax, fraction=0.046, pad=0.04, label="critic value $f(x)$")
    if arrows:

        m = 15
        xs = np.linspace(-lim, lim, m)
        gx, gy = np.meshgrid(xs, xs)
        pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
        dev = next(critic.parameters()).device
        pts = pts.to(dev).requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(critic(pts).sum(), pts)
        g = grad.cpu().numpy()
        ax.quiver(gx, gy, g[:, 0].reshape(m, m), g[:, 1].reshape(m, m), color="k", alpha=0.6)
    samples(real, fake, ax=ax, lim=lim, title=title)
    return ax


def transport_plan(x: Any, y: Any, plan: Any, ax=None, threshold: float = 1e-8, title=None):
    """Draw an optimal coupling between 2-D points ``x`` (real) and ``y`` (generated): one
    segment per pair with mass, its opacity proportional to the mass."""
    ax = _ax(ax)
    x, y, plan = _np(x), _np(y), _np(plan)
    i, j = np.nonzero(plan > threshold)
    w = plan[i, j] / plan.max()
    for a, b, alpha in zip(i, j, w):
        ax.plot([x[a, 0], y[b, 0]], [x[a, 1], y[b, 1]], color="0.4", alpha=float(alpha), lw=0.8)
    samples(x, y, ax=ax, lim=None, s=12, title=title)
    return ax


def history(
    h,
    axes: Sequence | None = None,
    exact_key: str = "w1",
    title: str | None = None,
):
    """Two panels from a :class:`gantut.train.History`: the critic's estimate
    :math:`E f(x) - E f(G(z))` beside the exact :math:`W_1` (POT), and the penalty."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    ax0, ax1 = axes
    ax0.plot(h.iteration, h.estimate, color=FAKE, lw=0.8, label="critic estimate $E f(x) - E f(G(z))$")
    if exact_key in h.evals:
        ax0.plot(h.eval_iteration, h.evals[exact_key], "o-", color=EXACT, label="exact $W_1$ (POT)")
    ax0.set_xlabel("generator iteration")
    ax0.set_ylabel("distance")
    ax0.legend(fontsize=SMALL)
    ax1.plot(h.iteration, h.penalty, color=NEUTRAL, lw=0.8)
    ax1.set_xlabel("generator iteration")
    ax1.set_ylabel("penalty (before the weight)")
    if title:
        ax0.set_title(title)
    return axes


def image_grid(images: Any, nrow: int = 10, ax=None, title: str | None = None):
    """Show ``[N, 1, H, W]`` images in [-1, 1] as a grid with ``nrow`` images per row."""
    imgs = _np(images)
    if imgs.ndim != 4 or imgs.shape[1] != 1:
        raise ValueError(f"image_grid expects [N, 1, H, W] grayscale images, got {imgs.shape}")
    n, _, h, w = imgs.shape
    rows = int(np.ceil(n / nrow))
    canvas = np.full((rows * (h + 1) + 1, nrow * (w + 1) + 1), -1.0)
    for k in range(n):
        r, c = divmod(k, nrow)
        canvas[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + c * (w + 1): 1 + c * (w + 1) + w] = imgs[k, 0]
    ax = _ax(ax)
    ax.imshow(canvas, cmap="gray", vmin=-1, vmax=1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


# The player's buttons as plain characters: Matplotlib's player asks a CDN for Font Awesome, which
# an offline book (and its browser test) must not do; these work in the book, Jupyter and Colab.
_PLAYER_ICONS = {"minus": "&minus;", "plus": "+", "fast-backward": "|&#x25C0;", "step-backward": "&#x25C1;",
                 "play": "&#x25B6;", "pause": "&#x2016;", "step-forward": "&#x25B7;", "fast-forward": "&#x25B6;|"}


def animation_html(anim, alt: str) -> str:
    """A Matplotlib animation as a self-contained HTML player (frames embedded as PNG, no network):
    plays in the static book, in Jupyter and in Colab. ``alt`` describes what it shows; the player
    starts on its first frame, which is what a printed page gets.

    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.animation import FuncAnimation
    >>> fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    >>> html = animation_html(FuncAnimation(fig, lambda i: ax.plot([0, i]), frames=2), alt="two lines")
    >>> "cdn" in html, 'alt="two lines"' in html
    (False, True)
    >>> plt.close(fig)
    """
    import re

    html = anim.to_jshtml(default_mode="once")
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    html = re.sub(r'<i class="fa fa-([a-z-]+)"></i>', lambda m: _PLAYER_ICONS.get(m.group(1), m.group(1)), html)
    alt = alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return html.replace("<img id=", f'<img alt="{alt}" id=', 1)
