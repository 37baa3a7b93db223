"""Check a network the learner wrote against the package's builder (notebook 02).

:func:`check_network` follows the conventions of :mod:`infogan_utils.checks`: ``None``
(a stub) prints "Not answered yet" and returns False; a network that differs raises
:class:`~infogan_utils.checks.WrongAnswer` naming the first layer that differs and a hint;
a network that agrees prints "Correct!" and returns True.

It compares, in this order, so that the message names the first thing a learner got wrong:

1. the layers that hold weights, by name (Table 1's rows): a missing or extra layer;
2. each of those layers' output shape and parameter count;
3. batch norm's ``momentum`` and ``epsilon``;
4. the outputs, after copying the package's weights into the learner's network by name:
   with ``training=False`` within ``TOLERANCE``; the first named layer whose output
   differs is reported (a wrong activation, a missing ReLU, a layer in the wrong place);
5. the outputs with ``training=True`` within ``TRAINING_TOLERANCE``, and the batch norms'
   moving statistics after that pass within ``TOLERANCE``.

Why two tolerances: the package's ``BatchNormalization`` runs TensorFlow's fused kernel
when training (see :mod:`infogan_utils.models`), which sums the batch in a different order
than Keras's composed ops, so float32 results differ in their last digits (up to about
1e-5 after a few layers). docs/reproducibility.md, "Why notebook 02's network check has
two tolerances", has the details.
"""

from __future__ import annotations

import keras
import numpy as np

from .checks import WrongAnswer, check

TOLERANCE = 1e-5  # largest |yours - package|, training=False, and the weights
TRAINING_TOLERANCE = 5e-5  # the same with training=True (the fused kernel sums differently)

_KIND_HINTS = {
    "Dense": "a Dense layer's units, and no activation of its own (the batch norm and "
             "the ReLU come after it as layers of their own)",
    "Conv2D": "the filters, a 4 x 4 kernel, strides=2, padding=\"same\", and no "
              "activation of its own",
    "Conv2DTranspose": "the filters, a 4 x 4 kernel, strides=2, padding=\"same\" (which "
                       "doubles height and width), and no activation of its own",
    "BatchNormalization": "a BatchNormalization(momentum=0.9, epsilon=1e-5) between the "
                          "layer and its activation",
    "ReLU": "a ReLU after each batch norm",
    "LeakyReLU": "a LeakyReLU(0.1) after each batch norm (and after conv1)",
    "Activation": "the activation: the generator's last layer is a sigmoid, so pixels lie "
                  "in [0, 1]",
    "Reshape": "the reshape to (7, 7, 128)",
    "Flatten": "the Flatten before the dense layer",
}


def _hint(layer, extra=""):
    kind = type(layer).__name__
    text = _KIND_HINTS.get(kind, f"its row of Table 1 ({kind})")
    return f"look at `{layer.name}`: {text}." + (f" {extra}" if extra else "")


def _wrong(name, what, hint):
    raise WrongAnswer(f"`{name}` does not match the package: {what}\nHint: {hint}")


def _weighted(model):
    return {layer.name: layer for layer in model.layers if layer.weights}


def _shape(layer):
    return tuple(layer.output.shape[1:])


def _as_dict(outputs):
    return outputs if isinstance(outputs, dict) else {"output": outputs}


def _max_difference(ours, theirs):
    ours, theirs = _as_dict(ours), _as_dict(theirs)
    if ours.keys() != theirs.keys():
        return None
    return max(float(np.abs(np.asarray(ours[k], "float64")
                            - np.asarray(theirs[k], "float64")).max()) for k in ours)


def load_package_weights(mine, package):
    """Copy every weight of `package` into the variable of `mine` with the same path
    (layer name / variable name)."""
    theirs = {v.path: v for v in package.weights}
    for v in mine.weights:
        v.assign(theirs[v.path])


def _first_differing_layer(name, mine, package, inputs, training, tolerance):
    """Raise WrongAnswer at the first layer (in the package's order) whose output, under
    the same name in `mine`, differs by more than `tolerance`."""
    mine_names = {layer.name for layer in mine.layers}
    shared = [layer for layer in package.layers[1:] if layer.name in mine_names
              and not isinstance(layer, keras.layers.InputLayer)]
    probe = lambda model, layers: keras.Model(  # noqa: E731
        model.input, [model.get_layer(layer.name).output for layer in layers])
    ours = probe(mine, shared)(inputs, training=training)
    theirs = probe(package, shared)(inputs, training=training)
    for layer, a, b in zip(shared, ours, theirs):
        if np.shape(a) != np.shape(b):
            _wrong(name, f"layer `{layer.name}` outputs shape {tuple(np.shape(a))[1:]}, the "
                   f"package's {tuple(np.shape(b))[1:]}.", _hint(layer))
        worst = float(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64")).max())
        if worst > tolerance:
            _wrong(name, f"with the package's weights and training={training}, the output "
                   f"of layer `{layer.name}` differs by {worst:.2g} (the layers before it "
                   "agree).", _hint(layer))
    _wrong(name, "with the package's weights, every named layer agrees but the network's "
           "output differs.", "look at the layers after the last one of Table 1 (the "
           "generator ends in a sigmoid layer named `image`).")


def check_network(name: str, mine, package, inputs, *, example: bool = False):
    """Check the learner's Keras model `mine` (or None for a stub) against `package` on
    `inputs`; see the module's docstring. Copies the package's weights into `mine`.
    ``example=True`` (a worked example the learner reads, not writes) prints the agreement
    without "Correct!" and returns None."""
    if mine is None:
        return check(name, None, None)
    if not isinstance(mine, keras.Model):
        _wrong(name, f"it returned a {type(mine).__name__}, not a keras.Model.",
               "end with `return keras.Model(inputs, outputs, name=...)`.")
    ours, theirs = _weighted(mine), _weighted(package)
    for layer_name, layer in theirs.items():
        if layer_name not in ours:
            _wrong(name, f"the package's layer `{layer_name}` ({type(layer).__name__}, "
                   f"{layer.count_params():,} parameters) is missing from yours.",
                   _hint(layer, "Give each layer the name in the table."))
    for layer_name, layer in ours.items():
        if layer_name not in theirs:
            _wrong(name, f"your layer `{layer_name}` ({type(layer).__name__}) has no "
                   "counterpart in the package's.",
                   "use the names of the table, one layer per name, and no extra layers.")
    for layer_name, layer in theirs.items():
        own = ours[layer_name]
        if _shape(own) != _shape(layer):
            _wrong(name, f"layer `{layer_name}` outputs shape {_shape(own)}, the package's "
                   f"{_shape(layer)}.", _hint(layer))
        if own.count_params() != layer.count_params():
            _wrong(name, f"layer `{layer_name}` has {own.count_params():,} parameters, the "
                   f"package's {layer.count_params():,}.", _hint(layer))
        if isinstance(layer, keras.layers.BatchNormalization):
            for setting in ("momentum", "epsilon"):
                a, b = getattr(own, setting, None), getattr(layer, setting)
                if a is None or not np.isclose(a, b):
                    _wrong(name, f"batch norm `{layer_name}` has {setting}={a}, the "
                           f"package's {b}.", "use BatchNormalization(**BN).")
    load_package_weights(mine, package)
    for training, tolerance in ((False, TOLERANCE), (True, TRAINING_TOLERANCE)):
        worst = _max_difference(mine(inputs, training=training),
                                package(inputs, training=training))
        if worst is None:
            _wrong(name, "its outputs are not the package's "
                   f"({sorted(_as_dict(package(inputs)))}).",
                   "return the same outputs (a dict for Q's head).")
        if worst > tolerance:
            _first_differing_layer(name, mine, package, inputs, training, tolerance)
    after = {v.path: np.asarray(v) for v in package.weights}
    for v in mine.weights:
        worst = float(np.abs(np.asarray(v) - after[v.path]).max())
        if worst > TOLERANCE:
            _wrong(name, f"after a training pass, `{v.path}` differs by {worst:.2g}.",
                   "the moving statistics follow momentum=0.9: use BatchNormalization(**BN).")
    detail = (f"({mine.count_params():,} parameters, the same outputs with training=False "
              "and True, the same batch-norm statistics)")
    if example:
        print(f"`{name}` matches the package {detail}.")
        return None
    return check(name, True, True, detail=detail)
