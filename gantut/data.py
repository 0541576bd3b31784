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
from typing import Callable

import numpy as np
import torch

__all__ = ["Toy", "toy", "TOY_NAMES", "digits", "mnist"]

TOY_NAMES = ("8gaussians", "25gaussians", "swissroll")


@dataclass(frozen=True)
class Toy:
    r"""A 2-D toy distribution: for the mixtures, with centres :math:`c_1, \dots, c_k` and
    standard deviation :math:`s`,

    .. math::

        x = c_K + s\,\varepsilon, \qquad K \sim \mathrm{Uniform}\{1, \dots, k\}, \quad
        \varepsilon \sim \mathcal{N}(0, I_2).

    Build one with :func:`toy`.

    Attributes:
        name: one of :data:`TOY_NAMES`.
        centers: ``FloatTensor[k, 2]`` of mixture centres, or ``None`` (Swiss roll).
        std: the per-coordinate standard deviation of each component, or ``None``.

    >>> ring = toy("8gaussians")
    >>> ring.name, tuple(ring.centers.shape), ring.std == 0.02 / 1.414
    ('8gaussians', (8, 2), True)
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

        Mixtures pick a centre uniformly and add ``std * N(0, I)``. The Swiss roll draws one seed
        from ``generator``, ``torch.randint(2**31 - 1, (1,), generator=generator)``, and returns
        scikit-learn's ``make_swiss_roll(n, noise=0.25, random_state=seed)`` coordinates (x, z)
        divided by 7.5, to the bit. Pass a seeded ``torch.Generator`` for reproducible draws;
        ``device`` moves the result.

        The same seed gives the same points:

        >>> a = toy("swissroll").sample(5, generator=torch.Generator().manual_seed(0))
        >>> b = toy("swissroll").sample(5, generator=torch.Generator().manual_seed(0))
        >>> a.shape, a.dtype, torch.equal(a, b)
        (torch.Size([5, 2]), torch.float32, True)
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


    def sampler(self, seed: int = 0, pool: int | None = 2**16) -> Callable[[int], torch.Tensor]:
        """``sample_real(n)`` for :func:`gantut.train.train_gan`: a seeded stream of fresh samples.

        With ``pool`` (the default, 65536), points are drawn ``pool`` at a time and served in
        order, so a batch costs a slice rather than a sampler call: the same distribution as one
        :meth:`sample` per batch (i.i.d. points, none served twice). ``pool=None`` draws every
        batch with its own :meth:`sample` call. The same ``seed`` gives the same stream.

        >>> a, b = toy("8gaussians").sampler(seed=0), toy("8gaussians").sampler(seed=0)
        >>> torch.equal(a(5), b(5)), a(5).shape
        (True, torch.Size([5, 2]))
        """
        g = torch.Generator().manual_seed(seed)
        if pool is None:
            return lambda n: self.sample(n, generator=g)
        buffer, pos = None, pool

        def sample_real(n: int) -> torch.Tensor:
            nonlocal buffer, pos
            if n > pool:
                raise ValueError(f"a batch of {n} is larger than the pool ({pool}); pass pool >= {n}")
            if pos + n > pool:
                buffer, pos = self.sample(pool, generator=g), 0
            pos += n
            return buffer[pos - n:pos]

        return sample_real

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
    r"""scikit-learn's 1797 handwritten digits as ``(images, labels)``.

    ``images`` is a ``FloatTensor[N, 1, 8, 8]`` scaled from the original 0..16 to [-1, 1] (the
    range of a ``tanh`` generator), :math:`x \mapsto x / 8 - 1`; ``labels`` is a
    ``LongTensor[N]`` of classes 0..9.

    >>> images, labels = digits()
    >>> tuple(images.shape), images.min().item(), images.max().item(), sorted(set(labels.tolist()))
    ((1797, 1, 8, 8), -1.0, 1.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    images = torch.from_numpy(d.images).float().unsqueeze(1) / 16.0 * 2.0 - 1.0
    return images, torch.from_numpy(d.target).long()


def mnist(train: bool = True, root: str = "data") -> tuple[torch.Tensor, torch.Tensor] | None:
    """MNIST as ``(images, labels)``: ``FloatTensor[N, 1, 28, 28]`` in [-1, 1] and ``LongTensor[N]``,
    through torchvision (downloaded to ``root`` once), or ``None``, with the reason printed, where
    torchvision, the network or the files are missing. The book uses it only in full mode.

    In a dry run of full mode (:func:`gantut.utils.dry_run`) it downloads nothing and returns a
    stand-in of the same shapes and range: scikit-learn's 8x8 digits upsampled to 28x28."""
    from gantut.utils import dry_run

    if dry_run():
        from sklearn.datasets import load_digits

        d = load_digits()
        x = torch.tensor(d.images[:512], dtype=torch.float32).unsqueeze(1) / 16 * 2 - 1
        x = torch.nn.functional.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
        print("dry run: MNIST replaced by 512 of the 8x8 digits, upsampled to 28x28")
        return x.clamp(-1, 1), torch.tensor(d.target[:512], dtype=torch.long)
    try:
        from torchvision.datasets import MNIST

        ds = MNIST(root=root, train=train, download=True)
    except Exception as error:  # no torchvision, no network, no file: say so and move on
        print(f"MNIST is not available here ({type(error).__name__}: {error}); "
              "install torchvision and allow the download, or skip the MNIST part")
        return None
    return ds.data.float().unsqueeze(1) / 255 * 2 - 1, ds.targets.long()
