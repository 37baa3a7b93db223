import hashlib

import numpy as np
import pytest

from infogan_utils import MNISTError, load_mnist, make_dataset
from infogan_utils.data import DATA_DIR_ENV, default_mnist_path

DEAD_ORIGIN = "http://127.0.0.1:9/mnist.npz"  # nothing listens there: a download fails fast


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fake_npz(path, **overrides):
    arrays = {
        "x_train": np.zeros((60000, 28, 28), np.uint8), "y_train": np.zeros(60000, np.uint8),
        "x_test": np.zeros((10000, 28, 28), np.uint8), "y_test": np.zeros(10000, np.uint8),
    }
    arrays.update(overrides)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_real_mnist_is_valid(mnist):
    (x, y), (xt, yt) = mnist
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(
        np.bincount(y), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])


def test_missing_file_without_network_says_how_to_fix(tmp_path):
    target = tmp_path / "cache" / "mnist.npz"
    with pytest.raises(MNISTError, match=r"(?s)not at .*mnist.npz.*downloading.*failed.*Fix"):
        load_mnist(target, origin=DEAD_ORIGIN)
    assert not target.exists()


def test_truncated_file_is_reported_and_left_untouched(tmp_path, mnist):
    from infogan_utils.data import default_mnist_path

    src = default_mnist_path().read_bytes()
    target = tmp_path / "mnist.npz"
    target.write_bytes(src[: len(src) // 3])
    before = _digest(target)
    with pytest.raises(MNISTError, match="truncated or corrupt.*move this file aside"):
        load_mnist(target, origin=DEAD_ORIGIN)
    assert _digest(target) == before


def test_garbage_file_is_reported(tmp_path):
    target = tmp_path / "mnist.npz"
    target.write_text("this is not an archive")
    with pytest.raises(MNISTError, match="cannot be read as an .npz archive"):
        load_mnist(target)
    assert target.read_text() == "this is not an archive"


@pytest.mark.parametrize("overrides,message", [
    ({"x_test": None}, "lacks the array.*x_test"),
    ({"x_train": np.zeros((100, 28, 28), np.uint8)}, r"x_train has shape \(100, 28, 28\)"),
    ({"y_test": np.zeros(10000, np.int64)}, "y_test has dtype int64, expected uint8"),
    ({"y_train": np.full(60000, 12, np.uint8)}, "labels outside 0-9"),
    ({}, "differs from the published MNIST"),
])
def test_wrong_content_is_named(tmp_path, overrides, message):
    target = _fake_npz(tmp_path / "mnist.npz", **overrides)
    before = _digest(target)
    with pytest.raises(MNISTError, match=message):
        load_mnist(target)
    assert _digest(target) == before


def test_verify_false_accepts_a_deliberately_modified_copy(tmp_path):
    target = _fake_npz(tmp_path / "mnist.npz")
    (x, _), (xt, _) = load_mnist(target, verify=False)
    assert x.shape == (60000, 28, 28)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(MNISTError, match="is a folder"):
        load_mnist(tmp_path)


def test_environment_variable_moves_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert default_mnist_path() == tmp_path / "mnist.npz"
    with pytest.raises(MNISTError, match=str(tmp_path)):
        load_mnist(origin=DEAD_ORIGIN)


def test_dataset_batches_are_scaled_and_seeded(mnist):
    (x, _), _ = mnist
    ds = make_dataset(x[:1000], 64, seed=3)
    batches = list(ds)
    assert len(batches) == 1000 // 64
    b = batches[0].numpy()
    assert b.shape == (64, 28, 28, 1) and b.dtype == np.float32
    assert b.min() >= 0 and b.max() <= 1 and b.max() > 0.9
    again = next(iter(make_dataset(x[:1000], 64, seed=3))).numpy()
    np.testing.assert_array_equal(b, again)
    other = next(iter(make_dataset(x[:1000], 64, seed=4))).numpy()
    assert not np.array_equal(b, other)
    with pytest.raises(ValueError, match="uint8 of shape"):
        make_dataset(x.astype(np.float32), 64)
    with pytest.raises(ValueError, match="batch_size must be between 1"):
        make_dataset(x[:10], 64)


def test_skip_batches_continues_the_same_stream(mnist):
    # The data order is a function of (seed, batch index): a resumed run that skips k
    # batches sees exactly what a run that never stopped sees from batch k on.
    (x, _), _ = mnist
    straight = [b.numpy() for b in make_dataset(x[:200], 32, seed=5, repeat=True).take(14)]
    resumed = [b.numpy() for b in
               make_dataset(x[:200], 32, seed=5, repeat=True, skip_batches=9).take(5)]
    for a, b in zip(straight[9:], resumed, strict=True):  # crosses two epoch boundaries
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="skip_batches must be >= 0"):
        make_dataset(x[:200], 32, skip_batches=-1)
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        make_dataset(x[:200], 32.0)
