"""ModelCentrality (Lin et al., ICML 2020) on stub models whose similarity is known.

A stub "generator" writes A @ c (its two continuous codes mixed by A) plus a little of its
noise into two pixels; its "Q" reads them back with A^-1. Stubs with the same A (or A with
codes swapped or negated) agree completely; a stub whose A rotates the codes by 45 degrees
agrees with them about half of the time (each code moves both readings equally).
"""

import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pytest

from infogan_utils import centrality as mc
from stubs import LinearStub

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "seed_study.py"


def leaky_stub(mixing):
    """The linear stub with a little of the noise in its code pixels."""
    return LinearStub(mixing, leak=0.05)


SMALL = dict(num_groups=60, group_size=20, population=300)


def rotation(degrees):
    a = np.deg2rad(degrees)
    return [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]


@pytest.fixture(scope="module")
def stubs():
    return [leaky_stub(m) for m in (np.eye(2), rotation(45), [[0, 1], [1, 0]], [[-1, 0], [0, 2]])]


def test_groups_hold_exactly_one_code():
    stub = leaky_stub(np.eye(2))
    data = mc.metric_data(stub, seed=1, **SMALL)
    assert data["groups"].shape == (60, 20, 28, 28, 1)
    assert data["population"].shape == (300, 28, 28, 1)
    assert list(data["held"][:4]) == [0, 1, 0, 1]
    codes = stub.codes[0]
    cont = codes.continuous.reshape(60, 20, 2)
    rows = np.arange(60)
    assert np.all(cont[rows, :, data["held"]] == cont[rows, :1, data["held"]])
    assert np.all(cont[rows, :, 1 - data["held"]].std(axis=1) > 0)
    assert np.all(codes.noise.reshape(60, 20, -1).std(axis=1) > 0)
    assert len(set(codes.category.tolist())) > 1         # the category varies like noise


def test_agreeing_models_score_one_and_the_rotated_one_less(stubs):
    s = mc.similarity_matrix(stubs, **SMALL)
    np.testing.assert_allclose(s, s.T)                        # symmetric, as in the paper
    np.testing.assert_allclose(np.diag(s), 1.0)
    for i, j in ((0, 2), (0, 3), (2, 3)):                     # swapped/negated codes agree
        assert s[i, j] == pytest.approx(1.0)
    assert all(s[1, j] < 0.8 for j in (0, 2, 3)), s


def test_the_medoid_of_three_agreeing_models_and_one_odd_one_is_one_of_the_three(stubs):
    s = mc.similarity_matrix(stubs, **SMALL)
    values = mc.centrality(s)
    assert mc.medoid(s) in (0, 2, 3)
    assert values[1] == min(values)
    assert mc.medoid([[1.0, 0.2, 0.9], [0.2, 1.0, 0.2], [0.9, 0.2, 1.0]]) == 0  # tie: first


def test_it_is_label_free(stubs, monkeypatch):
    import infogan_utils.data

    def no_data(*args, **kwargs):
        raise AssertionError("ModelCentrality must not read a data set")

    monkeypatch.setattr(infogan_utils.data, "load_mnist", no_data)
    for fn in (mc.metric_data, mc.factor_vae_score, mc.similarity_matrix, mc.centrality):
        assert not any("label" in p for p in inspect.signature(fn).parameters)
    mc.similarity_matrix(stubs[:2], **SMALL)


def test_seed_study_centrality_rule(stubs):
    spec = importlib.util.spec_from_file_location("seed_study", SCRIPT)
    seed_study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed_study)
    assert "label-free" in seed_study.RULES["centrality"]
    study = [dict(run=name, one_to_one=acc) for name, acc in
             (("a", 0.90), ("rotated", 0.99), ("c", 0.91), ("d", 0.92))]
    similarity = seed_study.add_centrality(study, stubs, **SMALL)
    assert len(similarity) == 4 and all("centrality" in r for r in study)
    chosen = seed_study.choose(study, "centrality")
    assert chosen["run"] in ("a", "c", "d")        # accuracy (best for "rotated") is ignored
    assert seed_study.may_ship(chosen, "centrality")
