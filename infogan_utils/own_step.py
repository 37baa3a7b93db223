"""Train and check a training step of your own (notebook 03).

Notebook 03's learner writes ``MyInfoGAN.train_step``: a ``keras.Model`` whose networks
come from the package builders and whose step is the paper's objective. This module
holds what is plumbing there, not InfoGAN:

* :func:`one_step` and :func:`check_train_step`: one step of the learner's class and of
  the package's :class:`~infogan_utils.InfoGAN` from the same weights, codes and batch;
  the check names the loss or the network that differs, with a hint;
* :func:`train_my_model`: ``fit`` a fresh, seeded model of a class for some steps, with
* :class:`ProgressBar` (one line redrawn in place, so a saved notebook stays small) and
  :class:`StepLog` (every step's logs, where ``fit``'s history keeps one row per epoch);
* :class:`Snapshots`: the generator's images for fixed codes at chosen steps of a run.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from . import training
from .checks import WrongAnswer, check
from .data import load_mnist, make_dataset

NETWORKS = ("generator", "trunk", "d_head", "q_head")
LOSSES = ("d_loss", "g_loss", "info_cat", "info_cont", "mi_lower_bound")
TOL = 1e-6
"""Weights and losses of one step must agree within this (absolute). The package applies
Adam with one fused kernel, Keras's Adam with separate operations: they differ by about
1e-7, the rounding of float32 near 1, while one step moves a weight by up to 1e-3."""


class ProgressBar(keras.callbacks.Callback):
    """One line, redrawn in place: step, bar, seconds, and the latest losses."""

    def __init__(self, label=""):
        super().__init__()
        self.label = label

    def on_train_begin(self, logs=None):
        from IPython.display import Pretty, display

        self._pretty = Pretty
        self.total = self.params["epochs"] * self.params["steps"]
        self.step = training.current_step(self.model)
        self.t0 = time.perf_counter()
        self.handle = display(Pretty(self.line({})), display_id=True)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % 10 == 0 or self.step == self.total:
            self.handle.update(self._pretty(self.line(logs or {})))

    def line(self, logs):
        filled = round(30 * self.step / self.total)
        metrics = "  ".join(f"{k} {float(logs[k]):.3f}" for k in
                            ("d_loss", "g_loss", "mi_lower_bound") if k in logs)
        return (f"{self.label}step {self.step:>5}/{self.total} {'█' * filled}"
                f"{'·' * (30 - filled)} {time.perf_counter() - self.t0:4.0f} s  {metrics}")


class StepLog(keras.callbacks.Callback):
    """Every step's logs, as arrays like those of :func:`training.read_history`, with the
    seconds since ``fit`` began (building the model is not counted)."""

    def on_train_begin(self, logs=None):
        self.rows = []
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.rows.append({**{k: float(v) for k, v in logs.items()},
                          "seconds": time.perf_counter() - self.t0})

    def history(self) -> dict:
        keys = self.rows[0].keys()
        return {"step": np.arange(1, len(self.rows) + 1),
                **{k: np.array([row[k] for row in self.rows]) for k in keys}}


class Snapshots(keras.callbacks.Callback):
    """``images[step]``: the generator's images for ``codes`` at each of ``steps``."""

    def __init__(self, codes, steps):
        super().__init__()
        self.codes, self.steps, self.images = codes, set(steps), {}

    def on_train_batch_end(self, batch, logs=None):
        step = training.current_step(self.model)
        if step in self.steps:
            self.images[step] = self.model.generate(self.codes)


def train_my_model(model_class, config, steps, label="", images=None):
    """Build ``model_class(config)`` (seeded with ``config.seed``) and ``fit`` it for
    `steps` steps on MNIST's training images (or `images`). Returns (model, every step's
    logs as arrays). `model_class` may also be ``training.build_model`` (the package's
    InfoGAN). Each step is its own Keras epoch, so the package's running means are the
    step's own values, as your ``train_step`` returns them."""
    if images is None:
        (images, _), _ = load_mnist()
    keras.utils.set_random_seed(config.seed)
    model = model_class(config)
    if not getattr(model, "compiled", False):
        model.compile()
    log = StepLog()
    model.fit(make_dataset(images, config.batch_size, seed=config.seed, repeat=True),
              epochs=steps, steps_per_epoch=1, shuffle=False, verbose=0,
              callbacks=[log, ProgressBar(label)])
    return model, log.history()


def one_step(model_class, config, real, package_config=None):
    """One step of your model and of the package's, from the same weights and codes:
    (mine, my logs, package, package logs). Your ``sample_codes`` returns the package's
    codes for step 0."""
    package = training.build_model(package_config or config)  # seeded, the package's Adam
    mine = model_class(config)
    for name in NETWORKS:
        getattr(mine, name).set_weights(getattr(package, name).get_weights())
    codes = package.sample_codes(real.shape[0], step=0)
    mine.sample_codes = lambda batch_size: codes
    package_logs = package.train_step(real)
    return mine, mine.train_step(real), package, package_logs


def max_difference(net_a, net_b) -> float:
    """Largest |a - b| over all weights (trainable and batch-norm statistics)."""
    return max(float(np.max(np.abs(a - b)))
               for a, b in zip(net_a.get_weights(), net_b.get_weights()))


def _differs(a, b) -> bool:
    try:
        return not np.allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=0, atol=TOL)
    except (TypeError, ValueError):
        return True


def step_hint(answer, expected) -> str:
    """What to look at, from which losses and networks differ."""
    losses = [k for k in LOSSES if _differs(answer["losses"].get(k, np.nan),
                                            expected["losses"][k])]
    if "g_loss" in losses:
        return ("G's loss differs: G minimises the non-saturating generator_loss(fake_logits), "
                "-log D(G(z)), not log(1 - D(G(z))).")
    if "d_loss" in losses:
        return "D's loss differs: discriminator_loss(real_logits, fake_logits), real first."
    if losses:
        return (f"{', '.join(losses)} differ: the code losses take the codes G was given "
                "(c1, c_cont) and Q's outputs on the generated images; L_I = ln 10 - NLL_cat.")
    nets = [n for n in NETWORKS if any(_differs(a, b) for a, b in
                                       zip(answer[n], expected[n]))]
    d_side = [n for n in nets if n != "generator"]
    if "d_head" not in nets and {"trunk", "q_head"} <= set(nets):
        return ("the losses agree; the trunk and Q's head differ, D's head does not: does "
                "the info term reach D's side (trunk, D head and Q head minimise L_D + info)?")
    if d_side and "generator" not in nets:
        return (f"the losses agree, D's side does not ({', '.join(d_side)}): trunk, D head "
                "and Q head all minimise L_D + info, with d_optimizer, one update a step.")
    if nets == ["generator"]:
        return ("the losses agree, G does not: G minimises L_G + info (both terms), "
                "with g_optimizer.")
    return ("the losses agree, both updates differ: each optimiser once, on its own "
            "variables (D's side: trunk, D head, Q head; G: generator), from one forward "
            "pass with training=True.")


def _error_hint(err) -> str:
    text = str(err)
    if "non-persistent" in text or "persistent" in text:
        return ("a GradientTape gives one gradient, then forgets: take two from one tape "
                "with tf.GradientTape(persistent=True).")
    return ("read the error; then follow the seven steps above (sample, generate, "
            "discriminate, losses, update D's side, update G, report).")


def check_train_step(model_class, config, real) -> bool:
    """One step of ``model_class`` against the package's: "Not answered yet" if its
    ``train_step`` returns None, :class:`WrongAnswer` naming the loss or network that
    differs (or the error it raised), with a hint; "Correct!" if every loss and every
    weight agree within :data:`TOL`."""
    try:
        mine, my_logs, package, package_logs = one_step(model_class, config, real)
    except Exception as err:  # the learner's step raised: say why, as a wrong answer
        raise WrongAnswer(f"`train_step` raised {type(err).__name__}: {err}\n"
                          f"Hint: {_error_hint(err)}") from err
    if my_logs is None:
        return check("train_step", None, None)
    answer = {"losses": {k: my_logs[k] for k in LOSSES if k in my_logs},
              **{n: getattr(mine, n).get_weights() for n in NETWORKS}}
    expected = {"losses": {k: package_logs[k] for k in LOSSES},
                **{n: getattr(package, n).get_weights() for n in NETWORKS}}
    return check("train_step", answer, expected, step_hint, rtol=0, atol=TOL,
                 detail=f"after one step: every loss and every weight within {TOL:.0e}")
