"""MNIST: a validated, cached loader and the tf.data training pipeline.

The cache is ``data/mnist.npz`` in this project (or the folder named by the
``INFOGAN_DATA_DIR`` environment variable, or the ``path`` argument). When the file is
missing, :func:`load_mnist` downloads the standard Keras archive once with
``keras.utils.get_file`` and checks its published sha256. A file that is already
there is never deleted or overwritten: if it is broken you get an error telling you
what is wrong and how to fix it.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_FILE_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DATA_DIR_ENV = "INFOGAN_DATA_DIR"
PROJECT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

EXPECTED = {
    "x_train": ((60000, 28, 28), np.uint8),
    "y_train": ((60000,), np.uint8),
    "x_test": ((10000, 28, 28), np.uint8),
    "y_test": ((10000,), np.uint8),
}
# sha256 of each array's bytes (a.tobytes()): the same for the Keras archive and any
# faithful re-packing of it, so a user's own copy is checked by content, not file bytes.
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


class MNISTError(RuntimeError):
    """MNIST could not be loaded; the message says why and how to fix it."""


def default_mnist_path() -> Path:
    """``$INFOGAN_DATA_DIR/mnist.npz`` if the variable is set, else ``<project>/data/mnist.npz``."""
    folder = os.environ.get(DATA_DIR_ENV)
    return (Path(folder).expanduser() if folder else PROJECT_DATA_DIR) / "mnist.npz"


def load_mnist(path: str | os.PathLike | None = None, *, origin: str = MNIST_URL,
               verify: bool = True):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, Keras layout, uint8.

    Args:
        path: the ``.npz`` file. Default: :func:`default_mnist_path`.
        origin: where to download from when the file is missing.
        verify: also compare each array's sha256 with the published MNIST arrays.

    Raises:
        MNISTError: the file is missing and cannot be downloaded, or it is not a
            complete, valid MNIST archive. The file itself is left untouched.
    """
    path = Path(path).expanduser() if path is not None else default_mnist_path()
    if path.is_dir():
        raise MNISTError(f"{path} is a folder; pass the path of the mnist.npz file itself.")
    if not path.exists():
        _download(path, origin)
    arrays = _read_npz(path)
    _validate(arrays, path, verify)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download(path: Path, origin: str) -> None:
    import keras

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        keras.utils.get_file(
            fname=path.name,
            origin=origin,
            file_hash=MNIST_FILE_SHA256,
            hash_algorithm="sha256",
            cache_dir=str(path.parent),
            cache_subdir=".",
        )
    except Exception as err:  # network down, hash mismatch, unwritable folder...
        raise MNISTError(
            f"MNIST is not at {path} and downloading it from {origin} failed "
            f"({type(err).__name__}: {err}). Fix: connect to the internet and run again, "
            f"or copy a Keras-layout mnist.npz to {path} (or point ${DATA_DIR_ENV} at the "
            f"folder that holds it). See data/README.md."
        ) from err
    if not path.exists():
        raise MNISTError(f"downloading MNIST from {origin} did not create {path}.")


def _read_npz(path: Path) -> dict:
    fix = (f"Fix: move this file aside and run again to download a fresh copy, or replace "
           f"it with a Keras-layout mnist.npz (see data/README.md).")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = sorted(set(EXPECTED) - set(npz.files))
            if missing:
                raise MNISTError(
                    f"{path} is not a Keras-layout MNIST archive: it lacks the array(s) "
                    f"{', '.join(missing)} (it has {', '.join(npz.files) or 'none'}). {fix}"
                )
            return {key: npz[key] for key in EXPECTED}
    except MNISTError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise MNISTError(
            f"{path} cannot be read as an .npz archive; it may be truncated or corrupt "
            f"({type(err).__name__}: {err}). {fix}"
        ) from err


def _validate(arrays: dict, path: Path, verify: bool) -> None:
    fix = f"Fix: replace {path} with the standard MNIST archive (see data/README.md)."
    for key, (shape, dtype) in EXPECTED.items():
        a = arrays[key]
        if a.shape != shape:
            raise MNISTError(f"{path}: {key} has shape {a.shape}, expected {shape}. {fix}")
        if a.dtype != dtype:
            raise MNISTError(f"{path}: {key} has dtype {a.dtype}, expected uint8. {fix}")
    for key in ("y_train", "y_test"):
        if arrays[key].max() > 9:
            raise MNISTError(f"{path}: {key} has labels outside 0-9. {fix}")
    if verify:
        for key, digest in ARRAY_SHA256.items():
            if hashlib.sha256(arrays[key].tobytes()).hexdigest() != digest:
                raise MNISTError(
                    f"{path}: the {key} array differs from the published MNIST "
                    f"(sha256 mismatch). {fix} To use a modified MNIST on purpose, "
                    f"call load_mnist(..., verify=False)."
                )


def scale_images(x):
    """uint8 (..., 28, 28) in [0, 255] -> float32 (..., 28, 28, 1) in [0, 1].

    [0, 1] matches the generator's sigmoid output (paper, Table 1).
    """
    import tensorflow as tf

    x = tf.cast(x, tf.float32) / 255.0
    return tf.expand_dims(x, -1)


def make_dataset(images: np.ndarray, batch_size: int = 64, *, seed: int = 0,
                 shuffle: bool = True, repeat: bool = False, drop_remainder: bool = True,
                 skip_batches: int = 0):
    """A ``tf.data`` pipeline of training batches: shuffle (seeded), batch, scale, prefetch.

    Yields float32 tensors of shape (batch_size, 28, 28, 1) in [0, 1]. Shuffling the
    whole set each epoch with a fixed ``seed`` gives the same order in every run (with
    TensorFlow's global seed set as :func:`infogan_utils.training.build_model` sets it).

    ``skip_batches``: start the stream at that batch, so that the order is a function of
    (seed, batch index): batch k is the same whether you take k + 1 batches from the
    start or skip k. A resumed run uses it to continue exactly where it stopped (the
    shuffle is replayed without scaling images: about 0.3 ms per skipped batch).
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"images must be uint8 of shape (n, 28, 28) as load_mnist returns, "
            f"got {images.dtype} {images.shape}"
        )
    for name, value in (("batch_size", batch_size), ("seed", seed),
                        ("skip_batches", skip_batches)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
    if batch_size < 1 or (drop_remainder and batch_size > len(images)):
        raise ValueError(
            f"batch_size must be between 1 and the number of images ({len(images)}), "
            f"got {batch_size}"
        )
    if skip_batches < 0:
        raise ValueError(f"skip_batches must be >= 0, got {skip_batches}")
    ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if skip_batches:
        ds = ds.skip(skip_batches)
    ds = ds.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def augment_images(images, *, shear=0.0, scale_x=1.0, scale_y=1.0, shift_x=0.0,
                   shift_y=0.0, thickness=0.0, xla=False):
    """Change the style of a batch of digits, keeping the size: stroke thickness, then
    an affine map about the centre. Differentiable in the images. Not in the paper: the
    views of :mod:`infogan_utils.extensions` (``cat_shear``, ``cat_augment``,
    ``cont_thickness``) and notebooks 03 and 04 use it.

    Each argument is a scalar or (n,): ``shear`` pixels of horizontal shift per row (a
    positive shear moves the top of the image to the right, so it adds ``shear`` to the
    slant measured by :func:`infogan_utils.measures.slant`), ``scale_x`` / ``scale_y``
    factors (> 1 makes the digit wider / taller), ``shift_x`` / ``shift_y`` pixels (right /
    down), ``thickness`` in [-1, 1] (> 0 blends towards the strokes grown by one pixel,
    < 0 towards them thinned by one pixel, with a 3x3 max / min filter).

    The affine map is Keras's ``affine_transform`` (bilinear, 0 outside), or with
    ``xla=True`` :func:`infogan_utils.speed.affine_warp`, the same map written with
    gathers, which XLA can compile (Keras's kernel has none). The two agree within 2e-7,
    and so do their gradients.
    """
    import keras
    import tensorflow as tf

    # Only the stroke thickness asked for (as Q's view of the continuous codes does):
    # the identity map would copy every pixel exactly, so it is skipped.
    affine = [(shear, 0.0), (scale_x, 1.0), (scale_y, 1.0), (shift_x, 0.0), (shift_y, 0.0)]
    identity = all(isinstance(v, (int, float)) and v == d for v, d in affine)
    images = tf.convert_to_tensor(images)
    n = tf.shape(images)[0]
    per_image = lambda v: tf.broadcast_to(tf.cast(tf.reshape(v, (-1,)), tf.float32), (n,))  # noqa: E731
    shear, scale_x, scale_y, shift_x, shift_y, thickness = (
        per_image(v) for v in (shear, scale_x, scale_y, shift_x, shift_y, thickness))
    dtype = images.dtype
    x = tf.cast(images, tf.float32)
    t = thickness[:, None, None, None]
    grown = tf.nn.max_pool2d(x, 3, 1, "SAME")
    thinned = -tf.nn.max_pool2d(-x, 3, 1, "SAME")
    x = x + tf.nn.relu(t) * (grown - x) + tf.nn.relu(-t) * (thinned - x)
    if identity:
        return tf.cast(x, dtype)
    cy = (tf.cast(tf.shape(images)[1], tf.float32) - 1.0) / 2.0
    cx = (tf.cast(tf.shape(images)[2], tf.float32) - 1.0) / 2.0
    zero, one = tf.zeros_like(shear), tf.ones_like(shear)
    # output pixel (x, y) reads input pixel (a0 x + a1 y + a2, b1 y + b2), that is
    #   (cx + (x - cx - shift_x) / scale_x + shear * (y - cy), cy + (y - cy - shift_y) / scale_y)
    a0, a1, a2 = one / scale_x, shear, cx - (cx + shift_x) / scale_x - shear * cy
    b1, b2 = one / scale_y, cy - (cy + shift_y) / scale_y
    if xla:
        from .speed import affine_warp

        out = affine_warp(x, a0, a1, a2, b1, b2)
    else:
        transform = tf.stack([a0, a1, a2, zero, b1, b2, zero, zero], axis=1)
        out = keras.ops.image.affine_transform(x, transform, interpolation="bilinear",
                                               fill_mode="constant", fill_value=0.0)
    return tf.cast(out, dtype)
