"""RotatedCodes: a trained model with its two continuous codes rotated (notebook 06).

G_R(z, c) = G(z, R c) and Q_R(x) = R^T Q(x). Checked on a linear stub, where the rotated
model is exactly the stub with mixing R, and on a real (untrained) InfoGAN.
"""

import numpy as np
import pytest

from infogan_utils import InfoGANConfig, LatentSample
from infogan_utils import centrality as mc
from infogan_utils.infogan import InfoGAN
from infogan_utils.latent import LatentSpec
from infogan_utils.measures import code_roles, separate_codes
from infogan_utils.rotation import RotatedCodes, rotation_matrix
from stubs import LinearStub


@pytest.mark.parametrize("angle", [0, 30, 90, -45, 200])
def test_rotation_matrix_is_a_rotation(angle):
    R = rotation_matrix(angle).astype(np.float64)
    np.testing.assert_allclose(R @ R.T, np.eye(2), atol=1e-6)
    assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-6)
    t = np.deg2rad(angle)
    np.testing.assert_allclose(R @ [1.0, 0.0], [np.cos(t), np.sin(t)], atol=1e-6)


def test_rotated_stub_is_the_stub_with_mixing_r():
    codes = LatentSpec(10, 2, 4).sample(50, np.random.default_rng(0))
    for angle in (0, 30, 90, 135):
        rotated = RotatedCodes(LinearStub(), angle)
        expected = LinearStub(rotation_matrix(angle))
        np.testing.assert_allclose(rotated.generate(codes), expected.generate(codes), atol=1e-6)
        images = expected.generate(codes)
        # Q_R reads back exactly what it was given, as the stub's own inverse does
        np.testing.assert_allclose(rotated.recognize(images)["cont_mean"], codes.continuous,
                                   atol=1e-5)


def test_a_quarter_turn_only_swaps_the_codes_for_modelcentrality():
    stub = LinearStub()
    data = [mc.metric_data(m, num_groups=40, group_size=20, population=200, seed=0)
            for m in (stub, RotatedCodes(stub, 90), RotatedCodes(stub, 45))]
    scores = [[mc.factor_vae_score(q, d) for d in data]
              for q in (stub, RotatedCodes(stub, 90), RotatedCodes(stub, 45))]
    assert scores[0][1] == scores[1][0] == 1.0     # swapped (and negated) codes: the vote forgives
    assert scores[0][2] < 0.8 and scores[2][0] < 0.8  # 45 degrees mixes them


@pytest.fixture(scope="module")
def model():
    return InfoGAN(InfoGANConfig(seed=3))


def test_rotating_a_real_model_by_0_changes_nothing(model):
    codes = model.spec.sample(16, 0)
    same = RotatedCodes(model, 0)
    np.testing.assert_allclose(same.generate(codes), model.generate(codes), atol=1e-6)
    images = model.generate(codes)
    np.testing.assert_allclose(same.recognize(images)["cont_mean"],
                               model.recognize(images)["cont_mean"], atol=1e-6)


def test_a_real_model_rotated_by_90_draws_with_c_what_g_draws_with_r_c(model):
    codes = model.spec.sample(16, 0)
    turned = LatentSample(codes.category, codes.continuous[:, ::-1] * [-1, 1], codes.noise)
    rotated = RotatedCodes(model, 90)
    np.testing.assert_allclose(rotated.generate(codes), model.generate(turned), atol=1e-6)
    images = model.generate(turned)
    mu = model.recognize(images)["cont_mean"]
    read = rotated.recognize(images)
    np.testing.assert_allclose(read["cont_mean"], mu @ rotation_matrix(90), atol=1e-6)
    np.testing.assert_allclose(read["cat_logits"], model.recognize(images)["cat_logits"])
    # the information term cannot tell: Q_R's error on c has the length of Q's on R c
    err_rotated = np.linalg.norm(codes.continuous - read["cont_mean"], axis=1)
    err = np.linalg.norm(turned.continuous - mu, axis=1)
    np.testing.assert_allclose(err_rotated, err, atol=1e-5)


def test_rotated_codes_needs_two_continuous_codes():
    with pytest.raises(ValueError, match="2 continuous codes"):
        RotatedCodes(InfoGAN(InfoGANConfig(num_continuous=3)), 45)


MIXED_SEED5 = {"c2": {"slant": -0.40, "width": -0.72, "thickness": -0.71},
               "c3": {"slant": 0.99, "width": 0.80, "thickness": 1.56}}
SEPARATE = {"c2": {"slant": 0.10, "width": -0.90, "thickness": 0.50},
            "c3": {"slant": -0.95, "width": 0.20, "thickness": 0.30}}


def test_separate_codes_in_the_package():
    assert not separate_codes(MIXED_SEED5)
    assert separate_codes(SEPARATE)
    assert not separate_codes({**SEPARATE, "c4": SEPARATE["c2"]})  # not two codes
    weak = {"c2": {**SEPARATE["c2"], "width": -0.70}, "c3": SEPARATE["c3"]}
    assert not separate_codes(weak)  # the width code moves the width by < 0.75 SD


def test_code_roles_judge_each_half_of_the_target():
    assert code_roles(SEPARATE) == {"rotation": True, "width": True}
    assert code_roles(MIXED_SEED5) == {"rotation": False, "width": False}
    # a clean rotation code beside a pen code (thickness, little width): only one half
    pen = {"c2": {"slant": 2.24, "width": -0.09, "thickness": 0.48},
           "c3": {"slant": 0.46, "width": -0.50, "thickness": -2.48}}
    assert code_roles(pen) == {"rotation": True, "width": False} and not separate_codes(pen)
    # a width code beside a lean that moves the pen as much as the slant: the other half
    leaning_pen = {"c2": {"slant": 1.0, "width": 0.1, "thickness": 1.0},
                   "c3": {"slant": 0.2, "width": 1.2, "thickness": 0.0}}
    assert code_roles(leaning_pen) == {"rotation": False, "width": True}
    assert code_roles({**SEPARATE, "c4": SEPARATE["c2"]}) == {"rotation": False, "width": False}
