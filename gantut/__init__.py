"""gantut: the helper package of the book *From GAN to WGAN-GP*.

Small modules named after the concepts the book teaches:

- :mod:`gantut.data`       toy distributions (8 Gaussians, 25 Gaussians, Swiss roll) and 8x8 digits
- :mod:`gantut.metrics`    exact Wasserstein distances (POT), sliced W, Gaussian W2, mode coverage,
                           Frechet distance
- :mod:`gantut.lipschitz`  gradient penalty, weight clipping, spectral norms, gradient norms
- :mod:`gantut.losses`     minimax, non-saturating, WGAN, hinge and least-squares losses
- :mod:`gantut.activations` ReLU and LeakyReLU whose second derivative autograd knows is zero
- :mod:`gantut.train`      one training loop for every objective and constraint
- :mod:`gantut.plot`       the book's figures
- :mod:`gantut.digits`     8x8 digits: a small classifier for Frechet distances, image generator and critic
- :mod:`gantut.conditional` class-conditional WGAN-GP on digits (chapter 6)
- :mod:`gantut.checks`     checkers for the exercises, naming the usual mistakes
- :mod:`gantut.utils`      seeding, device choice, thread set-up
"""

from gantut import utils

utils.configure_threads()

__version__ = "0.1.0"
