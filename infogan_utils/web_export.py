"""The explorer as a static web page: export the shipped generator and build ``web/dist``.

``make web`` runs ``npm ci`` in ``web/`` (the pinned ``@tensorflow/tfjs``) and then::

    python -m infogan_utils.web_export --out web/dist

which writes a folder that opens by double-click (``file://``) or from any static host:

* ``index.html``, ``explorer.js``, ``explorer.css``: the page (copied from ``web/src``);
* ``tf-core.min.js``, ``tf-backend-wasm.min.js``, ``tf-backend-cpu.min.js`` and
  ``tfjs-wasm.js`` (the WebAssembly binary): TensorFlow.js, copied from
  ``web/node_modules`` (installed from npm at the pinned version; no CDN);
* ``weights.js``: the generator's weights (below), as ``window.INFOGAN_WEIGHTS``;
* ``labels.js``: the digit of each category and what each continuous code does (from
  ``data/pretrained/metrics.json``), as ``window.INFOGAN_LABELS``.

The page rebuilds the generator of :func:`infogan_utils.models.build_generator` with
TensorFlow.js ops (no converter) and feeds it these weights.

**Format and precision.** The generator has 6.6M weights; 6.4M of them are ``fc2``'s
kernel (1024 x 6272). Every other tensor (``fc1``, both up-convolutions, biases, batch
norm) is stored in float16, which is exact: the shipped weights are float16 already.
``fc2``'s kernel is stored as int8 codes on a uniform grid whose step is
``FC2_STEP_SD`` times the standard deviation of each output column, chosen by GPTQ
(Frantar et al. 2022): the rows are rounded one at a time and the rounding error of each
is pushed onto the rows not yet rounded, weighted by how the inputs of ``fc2`` co-vary
on ``CALIBRATION_LATENTS`` latents drawn over the page's range (codes in [-2, 2]). That
keeps ``fc2``'s *outputs* close, which is what the pixels see; plain rounding to the same
grid gives about three times the pixel error. All bytes are gzipped (the int8 codes are
peaked around 0: gzip brings them to about 6 bits each) and base64-encoded into a
``.js`` file, because a page opened from ``file://`` may not ``fetch()`` its own files.
The page unzips them with the browser's ``DecompressionStream``.

Measured (``make web``): web/dist is 7.9 MB, weights.js 7.1 MB of it (float16 throughout
would be 13 MB before base64). The largest pixel difference from Keras (pixels in [0, 1])
is 0.0125 on 64 latents and 0.0128 over 16384; float16 alone gives 1.4e-6, so it is all
fc2's grid. A step of 0.07 SD is the finest that keeps the folder under 8 MB; 0.12 SD
would save 0.6 MB for nearly twice the error (0.0155 against 0.0087 on 512 latents).

:func:`measure_error` runs the exported weights in NumPy against Keras;
``tests/test_web.py`` runs them in Chromium.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
SRC_DIR = WEB_DIR / "src"
DIST_DIR = WEB_DIR / "dist"
NODE_MODULES = WEB_DIR / "node_modules"
# TensorFlow.js 4.22.0, pinned in web/package.json and package-lock.json: the core ops and
# the WebAssembly backend (XNNPACK, SIMD), which is all the generator needs. (The full
# tf.min.js bundle adds layers, the converter, data and WebGL: 1.5 MB instead of 0.3 MB.)
# The CPU backend is the fallback for a browser without WebAssembly SIMD (about 20 times
# slower).
TFJS_BUNDLES = ("@tensorflow/tfjs-core/dist/tf-core.min.js",
                "@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.min.js",
                "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js")
# The backend's compiled kernels; a page from file:// cannot fetch() it, so it goes into
# tfjs-wasm.js (gzip + base64) and the page hands it to TF.js as a blob: URL.
TFJS_WASM = "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"

FORMAT = "infogan-web-weights/1"
FC2_STEP_SD = 0.07          # int8 grid step of fc2's kernel, in SDs of each output column
CALIBRATION_LATENTS = 20000  # latents whose fc1 activations weight GPTQ's error
CALIBRATION_SEED = 0
GPTQ_DAMPING = 0.01          # added to H's diagonal, as a share of its mean (GPTQ's 1 %)
BN_EPSILON = 1e-5            # infogan_utils.models.BN
CODE_RANGE = (-2.0, 2.0)     # the page's sliders (the training range is -1 to 1)

# The generator's layers with weights, in order (names from models.build_generator).
LAYERS = ("fc1", "fc1_bn", "fc2", "fc2_bn", "upconv1", "upconv1_bn", "upconv2")
BN_PARTS = ("gamma", "beta", "moving_mean", "moving_variance")


# ---------------------------------------------------------------------- latents
def page_latents(spec, n: int, seed) -> np.ndarray:
    """``n`` generator inputs as the page makes them: noise U(-1, 1), a uniform category,
    continuous codes uniform over the sliders' range [-2, 2]. Shape (n, latent_dim)."""
    from .latent import compose_latent, one_hot

    rng = np.random.default_rng(seed)
    return compose_latent(
        rng.uniform(-1.0, 1.0, (n, spec.noise_dim)),
        one_hot(rng.integers(0, spec.num_categories, n), spec.num_categories),
        rng.uniform(*CODE_RANGE, (n, spec.num_continuous)))


# ---------------------------------------------------------------------- weights
def generator_weights(generator) -> dict:
    """{"fc1/kernel": array, "fc1_bn/gamma": array, ...} as float32, in layer order."""
    out = {}
    for name in LAYERS:
        layer = generator.get_layer(name)
        values = [np.asarray(w.numpy(), np.float32) for w in layer.weights]
        parts = BN_PARTS if name.endswith("_bn") else ("kernel", "bias")
        if len(values) != len(parts):
            raise ValueError(f"layer {name} has {len(values)} weights, expected {parts}")
        out.update({f"{name}/{p}": v for p, v in zip(parts, values)})
    return out


def _batch_norm(x, w, name):
    return ((x - w[f"{name}/moving_mean"]) / np.sqrt(w[f"{name}/moving_variance"] + BN_EPSILON)
            * w[f"{name}/gamma"] + w[f"{name}/beta"])


def fc1_activations(weights: dict, latents) -> np.ndarray:
    """The inputs of fc2: ReLU(BN(fc1(latents))), float64."""
    x = np.asarray(latents, np.float64) @ weights["fc1/kernel"] + weights["fc1/bias"]
    return np.maximum(_batch_norm(x, weights, "fc1_bn"), 0.0)


def gptq(kernel, step, hessian, damping: float = GPTQ_DAMPING, block: int = 128):
    """Integer codes q (same shape as ``kernel``, |q| <= 127) with kernel ~ q * step.

    ``kernel`` is (inputs, outputs), ``step`` (1, outputs), ``hessian`` = E[x xᵀ] of the
    inputs (inputs, inputs). Rows are rounded in order; each row's rounding error,
    scaled by the inverse Hessian's Cholesky factor, is subtracted from the rows after it
    so that x @ (q * step) stays close to x @ kernel (GPTQ, Frantar et al. 2022, Alg. 1).
    """
    w = np.array(kernel, np.float64)
    h = np.array(hessian, np.float64)
    h[np.diag_indices_from(h)] += damping * np.mean(np.diag(h))
    u = np.linalg.cholesky(np.linalg.inv(h)).T  # upper triangular
    q = np.zeros_like(w)
    n = w.shape[0]
    for i1 in range(0, n, block):
        i2 = min(i1 + block, n)
        w1, err, u1 = w[i1:i2].copy(), np.zeros((i2 - i1, w.shape[1])), u[i1:i2, i1:i2]
        for i in range(i2 - i1):
            q[i1 + i] = np.clip(np.round(w1[i] / step), -127, 127)
            err[i] = (w1[i] - q[i1 + i] * step) / u1[i, i]
            w1[i:] -= np.outer(u1[i, i:], err[i])
        w[i2:] -= u[i1:i2, i2:].T @ err
    return q.astype(np.int8)


def quantized_weights(weights: dict, spec) -> tuple[dict, dict]:
    """(stored, restored): ``stored`` maps each name to what is written (float16 arrays,
    and for fc2/kernel a pair (int8 codes, float32 steps)); ``restored`` maps each name to
    the float32 array the page computes with."""
    stored, restored = {}, {}
    for name, value in weights.items():
        if name == "fc2/kernel":
            continue
        half = value.astype(np.float16)
        stored[name], restored[name] = half, half.astype(np.float32)
    x = fc1_activations(weights, page_latents(spec, CALIBRATION_LATENTS, CALIBRATION_SEED))
    hessian = x.T @ x / len(x)
    kernel = weights["fc2/kernel"]
    step = (FC2_STEP_SD * kernel.astype(np.float64).std(axis=0, keepdims=True)).astype(np.float32)
    codes = gptq(kernel, step, hessian)
    stored["fc2/kernel"] = (codes, step[0])
    restored["fc2/kernel"] = codes.astype(np.float32) * step
    return stored, {k: restored[k] for k in weights}


def numpy_generate(weights: dict, latents) -> np.ndarray:
    """The generator in NumPy (float32) with ``weights``: (n, 74) -> (n, 28, 28).

    The same ops as the page's ``explorer.js`` (and as Keras in inference)."""
    import tensorflow as tf  # only for the transposed convolutions

    x = np.asarray(latents, np.float32) @ weights["fc1/kernel"] + weights["fc1/bias"]
    x = np.maximum(_batch_norm(x, weights, "fc1_bn"), 0)
    x = x @ weights["fc2/kernel"] + weights["fc2/bias"]
    x = np.maximum(_batch_norm(x, weights, "fc2_bn"), 0).reshape(-1, 7, 7, 128)
    n = len(x)
    x = tf.nn.conv2d_transpose(x.astype(np.float32), weights["upconv1/kernel"],
                               (n, 14, 14, 64), 2, "SAME").numpy() + weights["upconv1/bias"]
    x = np.maximum(_batch_norm(x, weights, "upconv1_bn"), 0)
    x = tf.nn.conv2d_transpose(x.astype(np.float32), weights["upconv2/kernel"],
                               (n, 28, 28, 1), 2, "SAME").numpy() + weights["upconv2/bias"]
    return (1.0 / (1.0 + np.exp(-x[..., 0].astype(np.float64)))).astype(np.float32)


def pack(stored: dict) -> tuple[dict, bytes]:
    """The header (tensor names, shapes, dtypes, byte offsets) and the concatenated bytes
    (little-endian; each tensor starts on a multiple of 4 bytes)."""
    chunks, tensors, offset = [], [], 0

    def add(array):
        nonlocal offset
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        start = offset
        chunks.append(data)
        offset += len(data)
        pad = (-offset) % 4
        chunks.append(b"\0" * pad)
        offset += pad
        return start

    for name, value in stored.items():
        if isinstance(value, tuple):  # int8 codes and per-column float32 steps
            codes, step = value
            entry = {"name": name, "shape": list(codes.shape), "dtype": "int8",
                     "offset": add(codes)}
            entry["step_offset"] = add(step.astype(np.float32))
            entry["step_axis"] = codes.ndim - 1
        else:
            entry = {"name": name, "shape": list(value.shape), "dtype": "float16",
                     "offset": add(value)}
        tensors.append(entry)
    return {"format": FORMAT, "tensors": tensors, "bytes": offset}, b"".join(chunks)


def _js(variable: str, value) -> str:
    return (f"// Generated by `python -m infogan_utils.web_export` (make web); do not edit.\n"
            f"window.{variable} = {json.dumps(value, separators=(',', ':'))};\n")


def weights_js(stored: dict, note: dict) -> str:
    header, data = pack(stored)
    header.update(note)
    header["encoding"] = "gzip+base64"
    header["data"] = base64.b64encode(gzip.compress(data, 9, mtime=0)).decode("ascii")
    return _js("INFOGAN_WEIGHTS", header)


# ---------------------------------------------------------------------- labels
CODE_TEACHING = {
    "rotation": "It turns the digit without changing which digit it is.",
    "width": "It changes how wide the digit is drawn.",
}


def page_labels(metrics: dict, spec) -> dict:
    """What the page writes on its controls, from metrics.json: the digit each category
    draws and, per continuous code, its name, effect words and effect-matrix row."""
    from .measures import effect_words

    mapping = {int(k): int(v) for k, v in (metrics.get("mapping") or {}).items()}
    names = {v: k for k, v in (metrics.get("code_names") or {}).items()}  # c2 -> width
    effects = metrics.get("effects", {})
    matrix = effects.get("matrix", {})
    codes = []
    for j in range(spec.num_continuous):
        code = f"c{j + 2}"
        row = matrix.get(code)
        codes.append({
            "code": code,
            "name": names.get(code),
            "words": effect_words(row) if row else None,
            "effects": row,
        })
    return {
        "categories": [{"category": k, "digit": mapping.get(k)}
                       for k in range(spec.num_categories)],
        "one_to_one": metrics.get("one_to_one"),
        "codes": codes,
        "effect_range": effects.get("range", [-1.0, 1.0]),
        "reference_sd": effects.get("reference_sd"),
        "latent": {"noise_dim": spec.noise_dim, "num_categories": spec.num_categories,
                   "num_continuous": spec.num_continuous,
                   "layout": "[z (noise_dim), one_hot(c1) (num_categories), c2.. (num_continuous)]"},
        "code_range": list(CODE_RANGE),
        "run": metrics.get("run"),
    }


# ---------------------------------------------------------------------- build
def measure_error(model, restored: dict, n: int = 64, seed: int = 1) -> float:
    """Largest |pixel| difference between Keras and ``restored`` on ``page_latents``."""
    latents = page_latents(model.spec, n, seed)
    keras_out = np.asarray(model.generator(latents, training=False))[..., 0]
    return float(np.abs(numpy_generate(restored, latents) - keras_out).max())


def build(out=DIST_DIR, src=SRC_DIR, node_modules=NODE_MODULES, check_latents: int = 64,
          quiet: bool = False) -> dict:
    """Write the web explorer to ``out``; return a summary (sizes in bytes, error)."""
    from .pretrained import PRETRAINED_DIR, load_pretrained, pretrained_metrics

    out, src = Path(out), Path(src)
    bundles = [Path(node_modules) / b for b in TFJS_BUNDLES]
    wasm = Path(node_modules) / TFJS_WASM
    for bundle in (*bundles, wasm):
        if not bundle.exists():
            raise FileNotFoundError(
                f"{bundle} is missing: install the pinned TensorFlow.js first with "
                f"`npm ci --prefix {WEB_DIR}` (or run `make web`, which does both).")
    model = load_pretrained()
    weights = generator_weights(model.generator)
    stored, restored = quantized_weights(weights, model.spec)
    error = measure_error(model, restored, check_latents) if check_latents else None
    note = {"fc2_step_sd": FC2_STEP_SD, "calibration_latents": CALIBRATION_LATENTS,
            "max_pixel_error_numpy": error, "error_latents": check_latents,
            "source": str(PRETRAINED_DIR.relative_to(ROOT))}
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in sorted(src.iterdir()):
        if f.is_file():
            shutil.copyfile(f, tmp / f.name)
    for bundle in bundles:
        shutil.copyfile(bundle, tmp / bundle.name)
    (tmp / "tfjs-wasm.js").write_text(_js("INFOGAN_TFJS_WASM", {
        "name": wasm.name, "encoding": "gzip+base64",
        "data": base64.b64encode(gzip.compress(wasm.read_bytes(), 9, mtime=0)).decode("ascii")}))
    (tmp / "weights.js").write_text(weights_js(stored, note))
    (tmp / "labels.js").write_text(_js("INFOGAN_LABELS", page_labels(pretrained_metrics(),
                                                                     model.spec)))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    sizes = {f.name: f.stat().st_size for f in sorted(out.iterdir())}
    summary = {"out": str(out), "total_bytes": sum(sizes.values()), "files": sizes,
               "max_pixel_error_numpy": error}
    if not quiet:
        print(f"web explorer written to {out}: {summary['total_bytes'] / 1e6:.2f} MB")
        for name, size in sizes.items():
            print(f"  {name:16s} {size / 1e6:6.2f} MB")
        if error is not None:
            print(f"largest pixel difference from Keras (NumPy, {check_latents} latents): "
                  f"{error:.4f}")
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infogan_utils.web_export",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DIST_DIR), help="folder to write (web/dist)")
    parser.add_argument("--check-latents", type=int, default=64,
                        help="latents on which to measure the error against Keras (0: skip)")
    args = parser.parse_args(argv)
    try:
        build(args.out, check_latents=args.check_latents)
    except FileNotFoundError as err:
        print(f"web_export: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
