"""Saved networks: Keras weight files with sha256 sidecars, float16 shipping, restore hints.

A saved folder holds ``config.json`` and the files of :data:`WEIGHT_FILES`, each with a
``.sha256`` sidecar. The networks are those of ``InfoGAN.networks`` (the one list of
them, which checkpoints use too): the generator in one file, D's side (the shared trunk,
D's and Q's heads, and InfoGAN-CR's ``cr_head`` when it is on) in the other.

``InfoGAN.save_networks`` and ``InfoGAN.load_networks`` call :func:`save_networks` and
:func:`load_networks`; :mod:`infogan_utils.pretrained` loads the shipped folder with them.
Importing this module does not load TensorFlow.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from .config import InfoGANConfig
from .runfolder import (
    DamagedFileError,
    cause,
    ensure_free_space,
    verify_sha256,
    write_with_sha256,
)

WEIGHT_FILES = {"generator.weights.h5": ("generator",),
                "discriminator.weights.h5": ("trunk", "d_head", "q_head", "cr_head")}
"""Each weight file and the networks (by ``InfoGAN.networks`` name) it holds, when the
model has them."""
STORAGES = ("float32", "float16")


def save_networks(model, folder, storage: str = "float32") -> None:
    """Write the files of :data:`WEIGHT_FILES` and ``config.json`` of ``model`` into
    ``folder`` (Keras's own weight format).

    Each file is built in memory first (HDF5 never touches the disk), then written with
    its ``.sha256`` sidecar as a pair (:func:`~infogan_utils.runfolder.write_with_sha256`:
    temporary name, fsync, rename), so a crash or a full disk never leaves a half-written
    file in place; :func:`load_networks` checks the sidecars.

    ``storage="float16"`` stores every weight as float16, half the size
    (``scripts/seed_study.py --storage float16`` keeps it only if the re-measured
    accuracy is unchanged). Loading needs nothing special: Keras reads the float16
    arrays into the float32 variables.
    """
    if storage not in STORAGES:
        raise ValueError(f"storage must be 'float32' or 'float16', got {storage!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    size = sum(int(np.prod(w.shape)) * 4 for net in model.networks.values() for w in net.weights)
    ensure_free_space(folder, size, f"the networks of {folder}",
                      "Free some space, then save again.")
    for name, net in file_models(model).items():
        data = weights_bytes(net)
        if storage == "float16":
            data = store_float16(data)
        # HDF5 only ever wrote to memory: a full disk fails this plain write, which
        # leaves nothing half-open for HDF5 to crash on at exit.
        write_with_sha256(folder / name, data)
    model.config.save(folder / "config.json")


def load_networks(folder, build, config_changes: dict | None = None, fix: str | None = None):
    """``build(config)`` for the ``config.json`` in ``folder`` (changed by
    ``config_changes``), with the saved weights loaded into it.

    Each weight file is checked against its ``.sha256`` sidecar first; a damaged file is
    refused by name (:class:`~infogan_utils.runfolder.DamagedFileError`) with ``fix``
    (default: :func:`restore_hint`). Files saved before sidecars existed load
    unverified, but weights that are not finite are still refused.
    """
    folder = Path(folder)
    for name in ("config.json", *WEIGHT_FILES):
        if not (folder / name).exists():
            raise FileNotFoundError(
                f"{folder / name} is missing: a saved InfoGAN folder holds config.json, "
                f"{' and '.join(WEIGHT_FILES)} (written by InfoGAN.save_networks)."
            )
    fix = restore_hint(folder) if fix is None else fix
    config = read_config(folder / "config.json", fix).replace(**(config_changes or {}))
    verified = {name: verify_sha256(folder / name, fix) for name in WEIGHT_FILES}
    model = build(config)
    for name, net in file_models(model).items():
        try:
            net.load_weights(folder / name)
        except Exception as err:  # h5py / Keras errors: unreadable or wrong layout
            raise DamagedFileError(
                f"{folder / name} cannot be loaded as the weights of this config "
                f"({type(err).__name__}: {cause(err)}). {fix}"
            ) from err
        if not verified[name] and not all(np.isfinite(w.numpy()).all() for w in net.weights):
            raise DamagedFileError(f"{folder / name} holds values that are not finite "
                                   f"(NaN or inf): it is damaged. {fix}")
    return model


def file_models(model) -> dict:
    """Each file of :data:`WEIGHT_FILES` and the Keras model whose weights it holds: the
    generator, and D's side as one functional model over the shared trunk."""
    import keras

    networks = model.networks
    images = keras.Input((28, 28, 1))
    features = networks["trunk"](images)
    outputs = {"d_logit": networks["d_head"](features), **networks["q_head"](features)}
    if "cr_head" in networks:  # saved with D and Q (its input: a pair's features)
        pair = keras.layers.Concatenate()([features, features])
        outputs["cr_logits"] = networks["cr_head"](pair)
    return {"generator.weights.h5": networks["generator"],
            "discriminator.weights.h5": keras.Model(images, outputs, name="discriminator")}


def read_config(path, fix: str = "") -> InfoGANConfig:
    """``InfoGANConfig.load(path)``, with an error that names the file when it is not a
    valid config (:class:`~infogan_utils.runfolder.DamagedFileError`)."""
    try:
        return InfoGANConfig.load(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DamagedFileError(f"{path} is damaged (not valid JSON: {err}). {fix}") from err
    except (ValueError, TypeError) as err:
        raise DamagedFileError(f"{path} is not a valid InfoGAN config ({err}). {fix}") from err


def restore_hint(folder) -> str:
    """How to get a good copy of a saved folder back (the shipped model's:
    :func:`infogan_utils.pretrained.restore_hint`)."""
    if (Path(folder) / "checkpoints").is_dir():
        return ("Re-create the final networks from the run's checkpoints by running the same "
                "`python -m infogan_utils train` command again, or load the run with "
                "training.load_run.")
    return "Restore the folder from a backup, or save the networks again with save_networks."


def weights_bytes(net) -> bytes:
    """``net.save_weights`` as the bytes of a Keras ``.weights.h5`` file, built in memory:
    HDF5 never opens a file on disk, so a disk error cannot leave it half-open (it once
    crashed the process at exit after a full disk)."""
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(net, weights_store=store, assets_store=None, inner_path="",
                               visited_saveables=set())
    finally:
        store.h5_file.close()
    return buffer.getvalue()


def store_float16(data: bytes) -> bytes:
    """Every float32 array of a Keras ``.weights.h5`` file's bytes as float16 (a new,
    compact file, built in memory)."""
    import h5py

    def copy(src, dst):
        dst.attrs.update(src.attrs)
        for key, item in src.items():
            if isinstance(item, h5py.Group):
                copy(item, dst.create_group(key))
                continue
            value = item[()]
            if item.dtype == np.float32:
                if np.abs(value).max(initial=0.0) > np.finfo(np.float16).max:
                    raise ValueError(f"{item.name} has values beyond float16's range; save "
                                     f"it with storage='float32'")
                value = value.astype(np.float16)
            dst.create_dataset(key, data=value)
            dst[key].attrs.update(item.attrs)

    out = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as src, h5py.File(out, "w") as dst:
        copy(src, dst)
    return out.getvalue()
