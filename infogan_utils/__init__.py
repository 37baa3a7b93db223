"""infogan_utils: InfoGAN (Chen et al. 2016) on MNIST with TensorFlow 2 / Keras 3.

The shared code of the notebook series. Each equation of the paper lives in exactly one
function here, named after it.
"""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .config import CLASS_STEPS, InfoGANConfig, class_recipe  # noqa: E402
from .data import MNISTError, load_mnist, make_dataset  # noqa: E402
from .infogan import InfoGAN  # noqa: E402
from .information import (  # noqa: E402
    conditional_entropy,
    entropy,
    expected_log_likelihood,
    expected_posterior_kl,
    gaussian_entropy,
    gaussian_variational_lower_bound,
    marginals,
    mutual_information,
    posterior,
    uniform_code_gaussian_noise_information,
    variational_lower_bound,
)
from .latent import (  # noqa: E402
    LatentSample,
    LatentSpec,
    categorical_entropy,
    compose_latent,
    one_hot,
    uniform_entropy,
)
from .losses import (  # noqa: E402
    categorical_code_loss,
    discriminator_loss,
    gaussian_code_loss,
    generator_loss,
    information_loss,
    mutual_information_lower_bound,
)
from .metrics import DigitAccuracy, confusion_matrix, digit_accuracy  # noqa: E402
from .models import (  # noqa: E402
    build_d_head,
    build_generator,
    build_q_head,
    build_shared_trunk,
    resolve_precision,
)

__version__ = "0.1.0"

__all__ = [
    "CLASS_STEPS", "InfoGAN", "InfoGANConfig", "LatentSample", "LatentSpec", "MNISTError",
    "class_recipe",
    "DigitAccuracy", "build_d_head", "build_generator", "build_q_head", "build_shared_trunk",
    "categorical_code_loss", "categorical_entropy", "compose_latent", "confusion_matrix",
    "digit_accuracy", "discriminator_loss", "gaussian_code_loss", "generator_loss",
    "information_loss", "load_mnist", "make_dataset", "mutual_information_lower_bound",
    "one_hot", "resolve_precision", "uniform_entropy",
    "conditional_entropy", "entropy", "expected_log_likelihood", "expected_posterior_kl",
    "gaussian_entropy", "gaussian_variational_lower_bound", "marginals", "mutual_information",
    "posterior", "uniform_code_gaussian_noise_information", "variational_lower_bound",
]

from .widgets import code_explorer  # noqa: E402

__all__ += ["code_explorer"]
