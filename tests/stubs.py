"""A linear stand-in for a trained InfoGAN, shared by the ModelCentrality and rotation tests.

Its "generator" writes A @ c (the two continuous codes mixed by A), plus ``leak`` times
the first two noise values, into two pixels, and the noise into other pixels; its "Q"
reads the two pixels back with A^-1. So every property that depends only on the mixing
(how well one model's Q reads another's codes) is known exactly.
"""

import numpy as np

from infogan_utils.latent import LatentSpec


class LinearStub:
    def __init__(self, mixing=np.eye(2), leak=0.0):
        self.mixing = np.asarray(mixing, np.float64)
        self.leak = leak
        self.spec = LatentSpec(num_categories=10, num_continuous=2, noise_dim=4)
        self.config = None
        self.codes = []          # every LatentSample given to generate, in order

    def generate(self, codes, batch_size=500):
        self.codes.append(codes)
        images = np.zeros((len(codes), 28, 28, 1), np.float32)
        images[:, 0, :2, 0] = codes.continuous @ self.mixing.T + self.leak * codes.noise[:, :2]
        images[:, 1, :4, 0] = codes.noise          # noise moves other pixels only
        return images

    def recognize(self, images, batch_size=500):
        pixels = np.asarray(images)[:, 0, :2, 0].astype(np.float64)
        return {"cat_logits": np.zeros((len(images), 10)),
                "cont_mean": pixels @ np.linalg.inv(self.mixing).T}
