"""Priors: draws, densities against scipy.stats, the unconstrained map and its Jacobian, and bad input."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
import scipy.stats as ss

from jaxbrain.infer import LogNormal, LogUniform, Normal, Prior, Uniform
from jaxbrain.infer._prior import forward


def _prior():
    return Prior(
        {
            "K_gl": Uniform(0.0, 3.0),
            "sigma_ou": LogUniform(0.01, 0.2),
            "a": Normal(-0.05, 0.02, shape=(4,)),
            "tau_ou": LogNormal(np.log(5.0), 0.3),
        }
    )


def test_names_dim_labels():
    prior = _prior()
    assert prior.names == ["K_gl", "sigma_ou", "a", "tau_ou"]
    assert prior.dim == 7
    assert prior.labels == ["K_gl", "sigma_ou", "a[0]", "a[1]", "a[2]", "a[3]", "tau_ou"]


def test_sample_shapes_support_and_determinism():
    prior = _prior()
    draws = prior.sample(jr.key(0), 500)
    assert draws["K_gl"].shape == (500,) and draws["a"].shape == (500, 4)
    assert np.all((draws["K_gl"] > 0) & (draws["K_gl"] < 3))
    assert np.all((draws["sigma_ou"] > 0.01) & (draws["sigma_ou"] < 0.2))
    assert np.all(draws["tau_ou"] > 0)
    again = prior.sample(jr.key(0), 500)
    for name in prior.names:
        np.testing.assert_array_equal(draws[name], again[name])
    # Point i comes from fold_in(key, i): the first points do not depend on n.
    fewer = prior.sample(jr.key(0), 7)
    for name in prior.names:
        np.testing.assert_array_equal(fewer[name], draws[name][:7])
    other = prior.sample(jr.key(1), 7)
    assert not np.allclose(other["K_gl"], fewer["K_gl"])
    # The regions of a per-region prior are independent draws, not copies.
    assert np.all(np.std(draws["a"], axis=1) > 0)


def test_sample_distribution_matches_definition():
    prior = _prior()
    draws = prior.sample(jr.key(3), 4000)
    # Kolmogorov-Smirnov against each distribution's CDF; 4000 draws detect any mistaken scale or bound.
    assert ss.kstest(draws["K_gl"], ss.uniform(0.0, 3.0).cdf).pvalue > 1e-3
    assert ss.kstest(draws["sigma_ou"], ss.loguniform(0.01, 0.2).cdf).pvalue > 1e-3
    assert ss.kstest(draws["a"][:, 2], ss.norm(-0.05, 0.02).cdf).pvalue > 1e-3
    assert ss.kstest(draws["tau_ou"], ss.lognorm(0.3, scale=5.0).cdf).pvalue > 1e-3


def test_log_prob_against_scipy():
    prior = _prior()
    values = prior.sample(jr.key(1), 20)
    expected = (
        ss.uniform(0.0, 3.0).logpdf(values["K_gl"])
        + ss.loguniform(0.01, 0.2).logpdf(values["sigma_ou"])
        + ss.norm(-0.05, 0.02).logpdf(values["a"]).sum(axis=1)
        + ss.lognorm(0.3, scale=5.0).logpdf(values["tau_ou"])
    )
    np.testing.assert_allclose(prior.log_prob(values), expected, rtol=1e-10)


def test_log_prob_outside_support_is_minus_inf():
    prior = Prior({"K_gl": Uniform(0.0, 3.0), "sigma_ou": LogUniform(0.01, 0.2)})
    values = {"K_gl": np.array([1.0, 3.5, 1.0]), "sigma_ou": np.array([0.1, 0.1, 0.001])}
    lp = np.asarray(prior.log_prob(values))
    assert np.isfinite(lp[0]) and lp[1] == -np.inf and lp[2] == -np.inf


def test_flatten_unflatten_round_trip():
    prior = _prior()
    values = prior.sample(jr.key(2), 6)
    flat = prior.flatten(values)
    assert flat.shape == (6, 7)
    np.testing.assert_array_equal(flat[:, 2:6], values["a"])
    back = prior.unflatten(flat)
    for name in prior.names:
        np.testing.assert_array_equal(back[name], values[name])


def test_unconstrained_round_trip_and_support():
    prior = _prior()
    values = prior.sample(jr.key(4), 50)
    u = prior.to_unconstrained(values)
    assert u.shape == (50, 7) and bool(jnp.all(jnp.isfinite(u)))
    back = prior.from_unconstrained(u)
    for name in prior.names:
        np.testing.assert_allclose(back[name], values[name], rtol=1e-9)
    # Any real vector maps into the support.
    wild = prior.from_unconstrained(jnp.asarray(np.random.default_rng(0).normal(0.0, 3.0, (200, 7))))
    assert bool(jnp.all((wild["K_gl"] > 0) & (wild["K_gl"] < 3)))
    assert bool(jnp.all((wild["sigma_ou"] >= 0.01) & (wild["sigma_ou"] <= 0.2)))


def test_log_jacobian_equals_autodiff_derivative():
    prior = _prior()
    u = jnp.asarray(np.random.default_rng(1).normal(0.0, 2.0, (10, 7)))
    got = prior.log_jacobian(u)

    def column(j):
        # d y_j / d u_j of the elementwise map, by automatic differentiation.
        def f(uj, row):
            return prior.flatten(prior.from_unconstrained(row.at[j].set(uj)[None]))[0, j]

        return jax.vmap(jax.grad(f))(u[:, j], u)

    expected = sum(jnp.log(jnp.abs(column(j))) for j in range(7))
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_unconstrained_density_integrates_to_one():
    # The density over u (prior density times the Jacobian) is a probability density: trapezoid over a wide range.
    for dist in (Uniform(-1.0, 2.0), LogUniform(0.01, 0.2), LogNormal(0.5, 0.4)):
        prior = Prior({"p": dist})
        grid = jnp.linspace(-40.0, 40.0, 40001)[:, None]
        density = jnp.exp(prior.log_prob_unconstrained(grid))
        assert abs(float(jnp.trapezoid(density, grid[:, 0])) - 1.0) < 1e-6


def test_sigmoid_of_log_for_log_uniform():
    # LogUniform's unconstrained value is the logit of the position on the log scale: 0 at the geometric mean.
    y, _ = forward(LogUniform(0.01, 1.0), jnp.zeros(()))
    np.testing.assert_allclose(y, 0.1, rtol=1e-12)


def test_per_region_bounds():
    prior = Prior({"K_gl": Uniform(np.zeros(3), np.array([1.0, 2.0, 3.0]), shape=(3,))})
    draws = prior.sample(jr.key(0), 2000)["K_gl"]
    assert draws.shape == (2000, 3)
    np.testing.assert_allclose(draws.max(axis=0), [1.0, 2.0, 3.0], rtol=0.01)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Uniform(1.0, 1.0), ValueError, "low < high"),
        (lambda: Uniform(0.0, np.inf), ValueError, "finite"),
        (lambda: LogUniform(0.0, 1.0), ValueError, "low > 0"),
        (lambda: Normal(0.0, -1.0), ValueError, "scale > 0"),
        (lambda: LogNormal(0.0, 0.0), ValueError, "scale > 0"),
        (lambda: Uniform(0.0, 1.0, shape=(2, 3)), ValueError, "per region"),
        (lambda: Uniform(0.0, np.ones(3), shape=(4,)), ValueError, "broadcast"),
        (lambda: Uniform("a", 1.0), TypeError, "low"),
        (lambda: Prior({"K_gl": ss.uniform(0, 1)}), TypeError, "K_gl"),
        (lambda: Prior({}), TypeError, "non-empty dict"),
    ],
)
def test_bad_input(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_values():
    prior = Prior({"K_gl": Uniform(0.0, 3.0), "a": Normal(0.0, 1.0, shape=(2,))})
    with pytest.raises(KeyError, match="missing"):
        prior.log_prob({"K_gl": np.ones(3)})
    with pytest.raises(ValueError, match=r"'a' must have shape \(n, 2\)"):
        prior.flatten({"K_gl": np.ones(3), "a": np.ones((3, 3))})
    with pytest.raises(ValueError, match="outside its prior's support"):
        prior.to_unconstrained({"K_gl": np.array([4.0]), "a": np.zeros((1, 2))})
    with pytest.raises(ValueError, match="last axis"):
        prior.unflatten(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="key"):
        prior.sample(0, 3)
    with pytest.raises(ValueError, match="n must be >= 1"):
        prior.sample(jr.key(0), 0)


def test_spec_round_trip():
    prior = _prior()
    again = Prior.from_spec(prior.spec())
    assert again.spec() == prior.spec()
    values = prior.sample(jr.key(5), 4)
    np.testing.assert_array_equal(again.log_prob(values), prior.log_prob(values))
