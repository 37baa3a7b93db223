"""One dataclass holds every setting of an InfoGAN run (notebook 02, "The configuration").

Not every default is the paper's. From Chen et al. (2016), section 7 and appendix C.1
(MNIST):

* one categorical code ``c1 ~ Cat(K=10, p=0.1)``,
* two continuous codes ``c2, c3 ~ U(-1, 1)``,
* 62 noise variables ``z ~ U(-1, 1)`` (Table 1's input of 74 = 62 + 10 + 2),
* ``lambda = 1`` for the categorical code, a "smaller" one for continuous codes.

From the authors' released code (openai/InfoGAN, ``launchers/run_mnist_exp.py`` and
``infogan/algos/infogan_trainer.py``): Adam with learning rate ``2e-4`` for D (and Q,
which shares D's trunk) and ``1e-3`` for G, ``beta_1 = 0.5``, and a Gaussian Q with a
fixed standard deviation (``fix_var``).

This project's choices: ``lambda_cont = 0.1`` (its reading of the paper's "smaller
lambda"; the released code uses ``info_reg_coeff=1.0`` for every code), ``batch_size=64``
(the released code uses 128), ``seed``, ``precision``, and the options ``cat_shear`` and
``cat_augment`` (off by default; notebook 03 teaches the failure they address), and the
contrastive regulariser of InfoGAN-CR (``contrastive_*``, off by default; Lin,
Thekumparampil, Fanti and Oh, ICML 2020, the contrastive-regulariser section; see
``extensions.Contrastive``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from pathlib import Path

PRECISIONS = ("auto", "float32", "mixed_bfloat16")
JIT_MODES = ("auto", "on", "off")
"""How a training step may be compiled (``speed.resolve_jit``): XLA on, off, or the
measured fastest for this machine."""


@dataclasses.dataclass(frozen=True)
class InfoGANConfig:
    """Settings of one InfoGAN model and its training.

    Every field is validated on construction; an invalid value raises
    :class:`ValueError` naming the field and its allowed range.
    """

    num_categories: int = 10
    """K, the number of values of the categorical code c1 (paper: 10)."""
    num_continuous: int = 2
    """Number of continuous codes ~ U(-1, 1) (paper: 2; the seed used 3)."""
    noise_dim: int = 62
    """Dimension of the incompressible noise z ~ U(-1, 1) (paper: 62)."""
    lambda_cat: float = 1.0
    """Weight of the categorical part of the mutual-information term (paper: 1)."""
    lambda_cont: float = 0.1
    """Weight of the continuous part of the mutual-information term. The paper only says
    "smaller" than lambda_cat; 0.1 is this project's reading (the authors' released code
    uses 1.0 for every code, with a fixed standard deviation)."""
    fix_var: bool = True
    """Q's Gaussian for continuous codes has unit variance (True, as in the authors'
    released code) or learns it (False)."""
    lr_d: float = 2e-4
    """Adam learning rate of the discriminator and Q (the authors' code: 2e-4)."""
    lr_g: float = 1e-3
    """Adam learning rate of the generator (the authors' code: 1e-3)."""
    beta_1: float = 0.5
    """Adam beta_1 for both optimisers (the authors' code: 0.5)."""
    batch_size: int = 64
    """Images per training step (this project's choice; the authors' code uses 128)."""
    seed: int = 0
    """Seed of weights, codes and data order: the same seed gives the same run."""
    precision: str = "float32"
    """"float32", "mixed_bfloat16", or "auto" (bfloat16 where the CPU has native bf16).
    Not in the paper: this project's option for speed on CPUs."""
    cat_shear: float = 0.0
    """Not in the paper (0 = off). If > 0, Q reads the categorical code from a copy of
    each generated image sheared by a random amount in [-cat_shear, cat_shear] pixels
    per row, so a category cannot be told apart by slant alone (notebook 03
    teaches the failure this addresses)."""
    cat_augment: float = 0.0
    """Not in the paper (0 = off). If > 0, Q reads the categorical code from a copy of
    each generated image with its style changed at random (strength 1: shear up to
    +-0.4 pixels per row, width x0.82-1.22, height x0.90-1.11, shift up to +-2 pixels,
    stroke thickness +-0.5; ranges scale with the strength), so a category cannot be
    told apart by slant, width, height, position or thickness (notebook 03 teaches the
    failure this addresses)."""
    # The contrastive_* options and cont_thickness are off by default and taught in
    # notebook 06: repr=False leaves them out of the printout while they are off (so a
    # config of the paper's recipe prints as the paper's); __repr__ shows any that is on,
    # as in the shipped model, which was trained with them.
    contrastive_weight: float = dataclasses.field(default=0.0, repr=False)
    """lambda_CR of InfoGAN-CR (Lin et al., ICML 2020, contrastive regulariser; 0 = off,
    the default).
    If > 0, a head ``cr_head`` on the shared trunk sees pairs of generated images that
    share one continuous code and must tell which; its cross-entropy, times this weight,
    is added to the objectives of the trunk and of G. Needs num_continuous >= 2. The
    authors' released code switches it on at 2 (dSprites) or 3 (3D teapots)."""
    contrastive_start: int = dataclasses.field(default=0, repr=False)
    """Step from which the contrastive term reaches G and the trunk (before it, only the
    head learns). The authors' code trains without it first (cr_coe_increase_batch:
    50,000 of 3D teapots' steps, 288,000 of dSprites')."""
    contrastive_gap: float = dataclasses.field(default=0.0, repr=False)
    """The paper's progressive training (the authors' code: ``gap_start``): until
    ``contrastive_gap_until``, the codes that are not shared differ by at least this much
    within a pair, which makes the head's task easy; then the gap is 0. The authors' code
    uses 1.9 for 3D teapots and 0 for dSprites."""
    contrastive_gap_until: int = dataclasses.field(default=0, repr=False)
    """Step at which the gap drops to 0 (the authors' code: 85,000 for 3D teapots)."""
    contrastive_share_noise: bool = dataclasses.field(default=True, repr=False)
    """Both images of a pair share the noise z and the category (True, as in the
    authors' released code: the pair is a latent traversal), or draw their own (False)."""
    cont_thickness: float = dataclasses.field(default=0.0, repr=False)
    """Not in the paper (0 = off; off by default, like the contrastive_* options). If >
    0, Q reads the continuous codes from a copy of each generated image whose stroke
    thickness is changed at random by up to this much (``augment_images``' thickness, in
    [-1, 1]: 1 blends all the way to strokes grown by one pixel), so G gains little by
    writing a continuous code into the thickness of the pen, and more by writing it into
    slant or width. The mutual-information bound of the category is unchanged."""

    def __post_init__(self) -> None:
        check_int("num_categories", self.num_categories, 2, 1000)
        check_int("num_continuous", self.num_continuous, 0, 100)
        check_int("noise_dim", self.noise_dim, 0, 10_000)
        check_int("batch_size", self.batch_size, 1, 1_000_000)
        check_int("seed", self.seed, 0, 2**31 - 1)
        for name in ("lambda_cat", "lambda_cont", "contrastive_weight"):
            check_number(name, getattr(self, name), 0.0, math.inf)
        check_number("cat_shear", self.cat_shear, 0.0, 2.0)
        check_number("cat_augment", self.cat_augment, 0.0, 2.0)
        for name in ("lr_d", "lr_g"):
            check_number(name, getattr(self, name), 0.0, 1.0, low_open=True)
        check_int("contrastive_start", self.contrastive_start, 0, 2**31 - 1)
        check_number("contrastive_gap", self.contrastive_gap, 0.0, 2.0, high_open=True)
        check_int("contrastive_gap_until", self.contrastive_gap_until, 0, 2**31 - 1)
        check_number("cont_thickness", self.cont_thickness, 0.0, 1.0)
        if not isinstance(self.contrastive_share_noise, bool):
            raise ValueError(f"contrastive_share_noise must be True or False, "
                             f"got {self.contrastive_share_noise!r}")
        if self.contrastive_weight > 0 and self.num_continuous < 2:
            raise ValueError(f"contrastive_weight > 0 needs num_continuous >= 2 (the head "
                             f"tells which continuous code a pair shares); got "
                             f"num_continuous={self.num_continuous}")
        check_number("beta_1", self.beta_1, 0.0, 1.0, high_open=True)
        if not isinstance(self.fix_var, bool):
            raise ValueError(f"fix_var must be True or False, got {self.fix_var!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}"
            )
        for f in dataclasses.fields(self):  # NumPy integers as ints: config.json is JSON
            value = getattr(self, f.name)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                object.__setattr__(self, f.name, int(value))

    @property
    def latent_dim(self) -> int:
        """Length of the generator input: noise + one-hot category + continuous codes."""
        return self.noise_dim + self.num_categories + self.num_continuous

    def __repr__(self) -> str:
        """Every field, except the off-by-default extras (``repr=False``) while they are
        at their default: a model trained with one of them says so when printed."""
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
                 if f.repr or getattr(self, f.name) != f.default]
        return f"{type(self).__name__}({', '.join(shown)})"

    def replace(self, **changes) -> "InfoGANConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "InfoGANConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown InfoGANConfig field(s): {', '.join(unknown)}; "
                f"known fields are: {', '.join(sorted(known))}"
            )
        return cls(**values)

    def to_json(self) -> str:
        """The text of ``config.json``: every field, indented, one trailing newline."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` atomically (temporary name, fsync, rename)."""
        from .runfolder import atomic_write_text

        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> "InfoGANConfig":
        return cls.from_dict(json.loads(Path(path).read_text()))


def field_docs() -> dict[str, str]:
    """Each InfoGANConfig field's docstring (the string under it in this file), for the
    command line's help: one source for both."""
    import ast
    import inspect

    body = ast.parse(inspect.getsource(InfoGANConfig)).body[0].body
    docs = {}
    for node, after in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def check_int(name: str, value, low: int, high: int) -> None:
    """The one check of an integer setting (config fields, run arguments, command-line
    flags): a ValueError naming ``name`` unless ``value`` is an int in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer in [{low:,}, {high:,}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low:,}, {high:,}], got {value:,}")


def check_number(name: str, value, low: float, high: float, *, low_open: bool = False,
                 high_open: bool = False) -> None:
    """The one check of a real-valued setting: a ValueError naming ``name`` unless
    ``value`` is a number in the interval (brackets as given; an infinite end is open)."""
    ok_type = isinstance(value, numbers.Real) and not isinstance(value, bool)
    lo = "(" if low_open else "["
    hi = ")" if high_open or high == math.inf else "]"
    allowed = f"{lo}{low}, {high}{hi}"
    if not ok_type or math.isnan(value):
        raise ValueError(f"{name} must be a number in {allowed}, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if (high_open or high == math.inf) else value > high
    if too_low or too_high:
        raise ValueError(f"{name} must be in {allowed}, got {value}")


MAX_STEPS = 100_000_000
"""The largest number of steps a run accepts (anything above is surely a typo)."""


def check_schedule(steps, log_every, checkpoint_every, eval_every=0, *, flag=str) -> None:
    """The one check of a run's schedule: each a count in range, and ``steps``,
    ``checkpoint_every`` and ``eval_every`` multiples of ``log_every`` (one history row
    per ``log_every`` steps). ``flag`` maps an argument's name to how the caller spells
    it (the command line: ``--log-every``)."""
    check_int(flag("steps"), steps, 1, MAX_STEPS)
    check_int(flag("log_every"), log_every, 1, MAX_STEPS)
    check_int(flag("checkpoint_every"), checkpoint_every, 1, MAX_STEPS)
    check_int(flag("eval_every"), eval_every, 0, MAX_STEPS)
    if steps % log_every or checkpoint_every % log_every:
        raise ValueError(f"{flag('steps')} ({steps}) and {flag('checkpoint_every')} "
                         f"({checkpoint_every}) must be multiples of {flag('log_every')} "
                         f"({log_every})")
    if eval_every % log_every:
        raise ValueError(f"{flag('eval_every')} must be a multiple of {flag('log_every')}")


CLASS_STEPS = 1500
"""Steps of the class-time run (notebook 03 with ``INFOGAN_MODE=class``)."""


def class_recipe(**changes) -> InfoGANConfig:
    """The class-time recipe: the paper's settings plus ``cat_augment=1`` (the shipped
    model's recipe without InfoGAN-CR and the random pen, which separate its continuous
    codes at about twice the time per step) on this machine's fastest path
    (``precision="auto"``; training picks XLA where it is faster), with any field changed
    by ``changes``.

    Measured by ``python benchmarks/time_to_accuracy.py --laptop --mode class``: see
    docs/reproducibility.md, "The fastest path per machine".
    """
    return InfoGANConfig(cat_augment=1.0, precision="auto").replace(**changes)
