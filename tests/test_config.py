import pytest

from infogan_utils import InfoGANConfig


def test_paper_defaults():
    c = InfoGANConfig()
    assert (c.num_categories, c.num_continuous, c.noise_dim) == (10, 2, 62)
    assert (c.lambda_cat, c.lr_d, c.lr_g, c.beta_1) == (1.0, 2e-4, 1e-3, 0.5)
    assert c.latent_dim == 74


@pytest.mark.parametrize("field,value,message", [
    ("num_categories", 1, r"num_categories must be in \[2, 1,000\]"),
    ("num_continuous", -1, r"num_continuous must be in \[0, 100\]"),
    ("noise_dim", 2.5, "noise_dim must be an integer"),
    ("batch_size", 0, r"batch_size must be in \[1,"),
    ("lambda_cat", -0.1, r"lambda_cat must be in \[0.0, inf\)"),
    ("lambda_cont", float("nan"), "lambda_cont must be a number"),
    ("lr_d", 0.0, r"lr_d must be in \(0.0, 1.0\]"),
    ("lr_g", "fast", "lr_g must be a number"),
    ("beta_1", 1.0, r"beta_1 must be in \[0.0, 1.0\)"),
    ("fix_var", "yes", "fix_var must be True or False"),
    ("precision", "float16", "precision must be one of auto, float32, mixed_bfloat16"),
    ("seed", -1, "seed must be in"),
])
def test_invalid_values_name_the_field_and_range(field, value, message):
    with pytest.raises(ValueError, match=message):
        InfoGANConfig(**{field: value})


def test_round_trip_and_unknown_fields(tmp_path):
    c = InfoGANConfig(num_continuous=3, fix_var=False, seed=7)
    c.save(tmp_path / "c.json")
    assert InfoGANConfig.load(tmp_path / "c.json") == c
    with pytest.raises(ValueError, match="unknown InfoGANConfig field.*lamda_cat"):
        InfoGANConfig.from_dict({"lamda_cat": 1.0})
    assert c.replace(seed=1).seed == 1 and c.seed == 7


def test_printout_shows_the_extras_only_when_they_are_on():
    """The contrastive and pen options stay out of a default config's printout (the
    notebooks' checked outputs) but show when a model was trained with them."""
    plain = repr(InfoGANConfig())
    assert plain.startswith("InfoGANConfig(num_categories=10")
    assert "contrastive" not in plain and "cont_thickness" not in plain
    assert plain == repr(InfoGANConfig(contrastive_share_noise=True))  # its default
    on = repr(InfoGANConfig(contrastive_weight=2.0, cont_thickness=0.5, contrastive_start=3000))
    for shown in ("contrastive_weight=2.0", "cont_thickness=0.5", "contrastive_start=3000"):
        assert shown in on, on
    assert "contrastive_gap=" not in on and on.startswith(plain[:-1])
