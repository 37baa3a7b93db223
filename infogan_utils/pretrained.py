"""The shipped pretrained model in ``data/pretrained/``: one call, offline, instant.

The folder holds ``config.json``, the weight files of
:data:`infogan_utils.saving.WEIGHT_FILES` (Keras weight files, each with a ``.sha256``
sidecar that :func:`load_pretrained` checks) and ``metrics.json`` (what
``python -m infogan_utils evaluate`` measured on it, with the command that trained it).
"""

from __future__ import annotations

import json
from pathlib import Path

from . import saving
from .data import PROJECT_DATA_DIR

PRETRAINED_DIR = PROJECT_DATA_DIR / "pretrained"


def pretrained_available(folder=PRETRAINED_DIR) -> bool:
    """True when the shipped weights are present."""
    folder = Path(folder)
    return all((folder / n).exists() for n in ("config.json", *saving.WEIGHT_FILES))


def restore_hint(folder) -> str:
    """How to get a good copy of ``folder`` back: ``git checkout`` for the shipped one."""
    if Path(folder).resolve() == PRETRAINED_DIR.resolve():
        return "Restore the shipped model with `git checkout -- data/pretrained`."
    return saving.restore_hint(folder)


def load_pretrained(folder=PRETRAINED_DIR):
    """The trained InfoGAN shipped with the project (an :class:`InfoGAN`).

    Each weight file must match its ``.sha256`` sidecar: a damaged or changed file is
    refused by name (:class:`~infogan_utils.runfolder.DamagedFileError`), with the
    command that restores it.
    """
    from .infogan import InfoGAN  # TensorFlow loads here, not on importing this module
    from .runfolder import verify_sha256

    if not pretrained_available(folder):
        raise FileNotFoundError(
            f"no pretrained model in {folder}. It ships with the repository: restore it "
            f"with `git checkout -- data/pretrained`, or train one with "
            f"`python -m infogan_utils train --out runs/mine` and load it with "
            f"InfoGAN.load_networks('runs/mine')."
        )
    fix = restore_hint(folder)
    for name in saving.WEIGHT_FILES:
        verify_sha256(Path(folder) / name, fix, required=True)
    # Inference runs in float32 whatever precision the model was trained in.
    return saving.load_networks(folder, InfoGAN, {"precision": "float32"}, fix)


def pretrained_metrics(folder=PRETRAINED_DIR) -> dict:
    """The measured results stored beside the shipped weights (metrics.json).

    A damaged or missing file is refused by name
    (:class:`~infogan_utils.runfolder.DamagedFileError`), with how to restore it."""
    return read_metrics(Path(folder) / "metrics.json", required=True)


def read_metrics(path, required: bool = False) -> dict:
    """A ``metrics.json`` as a dict ({} when it is missing and not ``required``); a file
    that is not a JSON object raises DamagedFileError naming it and how to restore it."""
    from .runfolder import DamagedFileError

    path = Path(path)
    shipped = path.parent.resolve() == PRETRAINED_DIR.resolve()
    fix = ("Restore it with `git checkout data/pretrained/metrics.json`." if shipped else
           "Restore it, or measure the model again with `python -m infogan_utils "
           "evaluate`.")
    if not path.exists():
        if required:
            raise DamagedFileError(f"{path} is missing. {fix}")
        return {}
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DamagedFileError(f"{path} is damaged (not valid JSON: "
                               f"{' '.join(str(err).split())}). {fix}") from None
    if not isinstance(data, dict):
        raise DamagedFileError(f"{path} is damaged (a JSON {type(data).__name__}, not an "
                               f"object of measured results). {fix}")
    return data
