"""The figures of infogan_utils.plots draw what they are given, where it belongs, labelled."""

import math
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from infogan_utils import plots  # noqa: E402
from infogan_utils.latent import LatentSpec  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(steps, values):
    return {"step": np.asarray(steps), "mi_lower_bound": np.asarray(values)}


def test_information_curves_draws_each_run_and_the_entropy_line():
    runs = {"InfoGAN": _history([25, 50, 75], [2.0, 2.2, 2.3]),
            "GAN": _history([25, 50, 75], [0.1, 0.0, 0.05])}
    fig = plots.information_curves(runs, math.log(10), title="Figure 1")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"InfoGAN", "GAN", "H(c1) = ln 10"}
    np.testing.assert_allclose(lines["GAN"].get_ydata(), [0.1, 0.0, 0.05])
    np.testing.assert_allclose(lines["InfoGAN"].get_xdata(), [25, 50, 75])
    np.testing.assert_allclose(lines["H(c1) = ln 10"].get_ydata(), math.log(10))
    assert ax.get_title() == "Figure 1"
    assert ax.get_xlabel() == "training step" and "nats" in ax.get_ylabel()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == set(lines)


def test_information_curves_without_entropy_draws_only_the_runs():
    fig = plots.information_curves({"run": _history([1, 2], [0.5, 0.6])})
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["run"]


def test_training_curves_plots_losses_and_the_bound():
    history = {"step": np.arange(3), "d_loss": np.ones(3), "g_loss": np.zeros(3),
               "mi_lower_bound": np.array([1.0, 2.0, 2.3])}
    fig = plots.training_curves(history, entropy=math.log(10), title="run")
    losses, bound = fig.axes
    assert [line.get_label() for line in losses.get_lines()] == ["D loss", "G loss"]
    labels = [line.get_label() for line in bound.get_lines()]
    assert labels[0].startswith("$L_I$") and labels[1].startswith("H(c) = ln 10")


def test_image_grid_puts_image_i_in_reading_order_with_labels():
    images = np.stack([np.full((28, 28), i / 5) for i in range(6)])
    fig = plots.image_grid(images, 2, 3, row_labels=["a", "b"], col_labels=["x", "y", "z"])
    axes = np.asarray(fig.axes).reshape(2, 3)
    for i, ax in enumerate(axes.flat):
        assert ax.get_images()[0].get_array()[0, 0] == pytest.approx(i / 5)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["a", "b"]
    assert [ax.get_xlabel() for ax in axes[-1]] == ["x", "y", "z"]


def test_traversal_grid_rows_are_categories_and_columns_code_values():
    spec = LatentSpec()

    def generate(codes):  # an image whose pixels say which code made it
        value = codes.category * 10 + codes.continuous[:, 1]
        return np.broadcast_to(value[:, None, None, None], (len(codes), 28, 28, 1))

    model = SimpleNamespace(spec=spec, generate=generate)
    values = np.array([-2.0, 0.0, 2.0])
    fig = plots.traversal_grid(model, 1, values, categories=[4, 9], code_name="c3 (width)",
                               category_names={4: "digit 7", 9: "digit 1"})
    axes = np.asarray(fig.axes).reshape(2, 3)
    for r, category in enumerate([4, 9]):
        for c, v in enumerate(values):
            assert axes[r, c].get_images()[0].get_array()[0, 0] == category * 10 + v
    assert axes[0, 0].get_ylabel() == "c1=4 (digit 7)"
    assert "c3 (width)" in fig._suptitle.get_text()


def test_confusion_plot_orders_rows_by_matched_digit():
    confusion = np.diag(np.arange(1, 4))
    fig = plots.confusion_plot(confusion, {0: 2, 1: 0, 2: 1})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1→0", "2→1", "0→2"]
    np.testing.assert_array_equal(ax.get_images()[0].get_array()[0], [0, 2, 0])


def test_effect_matrix_plot_puts_each_effect_in_its_cell_with_its_number():
    effects = {"range": [-1.0, 1.0],
               "matrix": {"c2": {"slant": -0.4, "width": -0.7, "thickness": -0.6},
                          "c3": {"slant": 1.0, "width": 0.8, "thickness": 1.5}}}
    fig = plots.effect_matrix_plot(effects, code_labels={"c3": "c3 (rotation)"})
    ax, bar = fig.axes
    np.testing.assert_allclose(ax.get_images()[0].get_array(),
                               [[-0.4, -0.7, -0.6], [1.0, 0.8, 1.5]])
    assert [t.get_text() for t in ax.texts] == ["-0.40", "-0.70", "-0.60",
                                                "+1.00", "+0.80", "+1.50"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["slant", "width", "thickness"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c2", "c3 (rotation)"]
    assert ax.get_title() and "-1 to 1" in ax.get_xlabel() and ax.get_ylabel()
    assert "SD" in bar.get_ylabel()
    lo, hi = ax.get_images()[0].get_clim()
    assert lo == -hi == -1.5                       # symmetric: 0 is white
    plain = plots.effect_matrix_plot(effects["matrix"])   # the matrix alone works too
    assert "sweep" in plain.axes[0].get_xlabel()
