"""A trained model with its continuous codes rotated: why InfoGAN cannot prefer separate codes.

For a rotation R of the M continuous codes (here M = 2), the model

    G_R(z, c1, c) = G(z, c1, R c),    Q_R(x) = R^T Q(x)   (Q's continuous reading)

reads its codes back exactly as well as (G, Q): the error of Q_R, c - R^T mu, has the
length of R c - mu, the error of Q on the code G was given. So InfoGAN's information term
is blind to R (up to the codes R c that leave G's training square), while each code of
G_R moves another mix of the image's factors (Locatello et al., ICML 2019, make the
general point). Notebook 06 uses it; :func:`infogan_utils.measures.code_effects` and
:mod:`infogan_utils.centrality` take a :class:`RotatedCodes` like a model.
"""

from __future__ import annotations

import numpy as np

from .latent import LatentSample


def rotation_matrix(angle: float) -> np.ndarray:
    """The 2 x 2 matrix that rotates by ``angle`` degrees (counter-clockwise), float32."""
    t = np.deg2rad(float(angle))
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], np.float32)


class RotatedCodes:
    """``model`` with its two continuous codes rotated by ``angle`` degrees.

    It has what the measures need of a model: ``spec``, ``config``, :meth:`generate`
    (G_R(z, c) = G(z, R c)) and :meth:`recognize` (Q's ``cont_mean`` turned back by
    R^T). Codes are rows, so R c is ``c @ R.T`` and R^T mu is ``mu @ R``.
    """

    def __init__(self, model, angle: float):
        if model.spec.num_continuous != 2:
            raise ValueError(f"RotatedCodes rotates 2 continuous codes; the model has "
                             f"{model.spec.num_continuous}")
        self.model, self.spec, self.config = model, model.spec, model.config
        self.angle = float(angle)
        self.R = rotation_matrix(angle)

    def generate(self, codes: LatentSample, batch_size: int = 500) -> np.ndarray:
        """G_R: the images G draws with the continuous codes R c."""
        continuous = np.asarray(codes.continuous, np.float32) @ self.R.T
        return self.model.generate(LatentSample(codes.category, continuous, codes.noise),
                                   batch_size=batch_size)

    def recognize(self, images, batch_size: int = 500) -> dict:
        """Q_R: Q's outputs, with the continuous reading turned back by R^T."""
        readings = dict(self.model.recognize(images, batch_size=batch_size))
        readings["cont_mean"] = readings["cont_mean"] @ self.R
        return readings
