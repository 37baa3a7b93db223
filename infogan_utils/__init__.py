"""infogan_utils: InfoGAN (Chen et al. 2016) on MNIST with TensorFlow 2 / Keras 3.

The shared code of the notebook series. Each equation of the paper lives in exactly one
function here, named after it.

Importing the package is cheap: each name below is imported from its module the first
time you use it (``from infogan_utils import InfoGAN`` loads TensorFlow then), so
``python -m infogan_utils`` can check its arguments and lock a run folder first.
"""

import importlib as _importlib
import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_EXPORTS = {
    "config": ["CLASS_STEPS", "InfoGANConfig", "class_recipe"],
    "data": ["MNISTError", "load_mnist", "make_dataset"],
    "infogan": ["InfoGAN"],
    "information": [
        "conditional_entropy", "entropy", "expected_log_likelihood", "expected_posterior_kl",
        "gaussian_entropy", "gaussian_variational_lower_bound", "marginals",
        "mutual_information", "posterior", "uniform_code_gaussian_noise_information",
        "variational_lower_bound",
    ],
    "latent": ["LatentSample", "LatentSpec", "categorical_entropy", "compose_latent",
               "one_hot", "uniform_entropy"],
    "losses": ["categorical_code_loss", "discriminator_loss", "gaussian_code_loss",
               "generator_loss", "information_loss", "mutual_information_lower_bound"],
    "metrics": ["DigitAccuracy", "confusion_matrix", "digit_accuracy"],
    "models": ["build_d_head", "build_generator", "build_q_head", "build_shared_trunk"],
    "speed": ["resolve_precision"],
    "widgets": ["code_explorer"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    """Import a public name (or a submodule) the first time it is used."""
    if name in _MODULE_OF:
        value = getattr(_importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return _importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MODULE_OF))
