"""gantut: the helper package of the book *From GAN to WGAN-GP*.

Small modules named after the concepts the book teaches:

- :mod:`gantut.data`        toy distributions (8 Gaussians, 25 Gaussians, Swiss roll) and their seeded
                            samplers, 8x8 digits, MNIST (full mode only)
- :mod:`gantut.metrics`     exact Wasserstein distances (POT), sliced and Sinkhorn W, Gaussian W2, mode
                            coverage and mode statistics, Frechet distance, precision and recall
- :mod:`gantut.floors`      real-vs-real references (W1 on the toys, Frechet on digits) as distributions
- :mod:`gantut.transport`   optimal transport plans and the critic built from the dual potentials
- :mod:`gantut.divergences` densities, KL and JS divergences, the optimal discriminator (chapter 1)
- :mod:`gantut.dirac`       the Dirac-GAN dynamics (chapter 3)
- :mod:`gantut.lipschitz`   gradient penalty, R1, weight clipping, spectral norms, gradient norms
- :mod:`gantut.losses`      minimax, non-saturating, WGAN, hinge and least-squares losses
- :mod:`gantut.networks`    every network the book trains: toy MLPs, image and conditional ones
- :mod:`gantut.activations` ReLU and LeakyReLU whose second derivative autograd knows is zero
- :mod:`gantut.latents`     latent samplers, the isoperimetric bound, Jacobians, rejection, refinement
- :mod:`gantut.train`       one critic step, one generator step, and the loops that call them
- :mod:`gantut.plot`        the book's figures and its palette
- :mod:`gantut.digits`      8x8 digits: a fixed split, a small classifier for Frechet distances
- :mod:`gantut.conditional` class-conditional sampling and the data-augmentation experiment (chapter 6)
- :mod:`gantut.checks`      checkers for the exercises, naming the usual mistakes
- :mod:`gantut.utils`       set-up (threads, allocator, seeds, device, mode)

``import gantut`` changes no global state; :func:`gantut.utils.setup`, the first call of every
chapter, sets threads, the allocator and the seeds, and says so in its docstring.
"""

from gantut import utils  # noqa: F401

__version__ = "0.2.0"
