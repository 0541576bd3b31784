"""Data the book trains on: three 2-D toy distributions and scikit-learn's 8x8 digits.

The toys follow the geometry of the original WGAN-GP toy code (Gulrajani et al., 2017):

- ``8gaussians``: 8 centres on a circle of radius 2, standard deviation 0.02, everything divided
  by 1.414 (so the centres lie at radius ~1.414 and the std is ~0.0141);
- ``25gaussians``: a 5x5 grid with spacing 2, standard deviation 0.05, everything divided by 2.828;
- ``swissroll``: scikit-learn's ``make_swiss_roll(noise=0.25)``, coordinates (x, z), divided by 7.5.

Nothing is downloaded: the digits ship inside scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Toy", "toy", "TOY_NAMES", "digits"]

TOY_NAMES = ("8gaussians", "25gaussians", "swissroll")


@dataclass(frozen=True)
class Toy:
    """A 2-D toy distribution.

    Attributes:
        name: one of :data:`TOY_NAMES`.
        centers: ``FloatTensor[k, 2]`` of mixture centres, or ``None`` (Swiss roll).
        std: the per-coordinate standard deviation of each component, or ``None``.
    """

    name: str
    centers: torch.Tensor | None
    std: float | None

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` points as a ``FloatTensor[n, 2]``.

        Mixtures pick a centre uniformly and add ``std * N(0, I)``; pass a seeded
        ``torch.Generator`` for reproducible draws.
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer number of points, got {n!r}")
        if self.centers is not None:
            idx = torch.randint(len(self.centers), (n,), generator=generator)
            noise = torch.randn(n, 2, generator=generator)
            x = self.centers[idx] + self.std * noise
        else:
            seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
            x = _swiss_roll(n, seed)
        return x if device is None else x.to(device)


def _swiss_roll(n: int, seed: int, noise: float = 0.25) -> torch.Tensor:
    r"""The 2-D Swiss roll of the WGAN-GP toy code, scaled by 1/7.5: :math:`t \sim 1.5\pi(1 + 2U)`,
    :math:`x = (t\cos t + \sigma \epsilon_1, \; t \sin t + \sigma \epsilon_2)` with :math:`\sigma` = ``noise``.

    The same draws, in the same order, as scikit-learn's ``make_swiss_roll(n, noise=noise,
    random_state=seed)`` keeping its first and third coordinates (a test checks they agree to the
    bit), without its per-call overhead: this runs once per critic step.
    """
    rng = np.random.RandomState(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
    rng.uniform(size=n)  # the roll's height (the dropped coordinate), drawn to keep the stream aligned
    eps = rng.standard_normal(size=(3, n))
    pts = np.stack([t * np.cos(t) + noise * eps[0], t * np.sin(t) + noise * eps[2]], axis=1)
    return torch.from_numpy(pts / 7.5).float()


def _ring() -> Toy:
    s = 1 / math.sqrt(2)
    unit = [(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)]
    centers = torch.tensor(unit, dtype=torch.float32) * 2.0 / 1.414
    return Toy("8gaussians", centers, 0.02 / 1.414)


def _grid() -> Toy:
    centers = [(2.0 * i, 2.0 * j) for i in range(-2, 3) for j in range(-2, 3)]
    return Toy("25gaussians", torch.tensor(centers) / 2.828, 0.05 / 2.828)


def toy(name: str) -> Toy:
    """Return the toy distribution called ``name`` (one of :data:`TOY_NAMES`).

    >>> toy("8gaussians").centers.shape
    torch.Size([8, 2])
    """
    if name == "8gaussians":
        return _ring()
    if name == "25gaussians":
        return _grid()
    if name == "swissroll":
        return Toy("swissroll", None, None)
    raise ValueError(f"unknown toy {name!r}; choose one of {', '.join(TOY_NAMES)}")


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1797 handwritten digits as ``(images, labels)``.

    ``images`` is a ``FloatTensor[N, 1, 8, 8]`` scaled from the original 0..16 to [-1, 1] (the
    range of a ``tanh`` generator); ``labels`` is a ``LongTensor[N]`` of classes 0..9.
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    images = torch.from_numpy(d.images).float().unsqueeze(1) / 16.0 * 2.0 - 1.0
    return images, torch.from_numpy(d.target).long()
