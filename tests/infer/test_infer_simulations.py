"""Prior simulations: reproducible draws, resume after a crash, foreign stores refused, failures excluded."""

import warnings

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import jaxbrain
from jaxbrain.infer import (
    LogUniform,
    Normal,
    Prior,
    Summaries,
    Uniform,
    custom,
    fc_summary,
    signal_stats,
    simulate_prior,
)

RUN = dict(duration=60.0, dt=0.1, sampling_dt=1.0, dtype="float32")


@pytest.fixture(scope="module")
def net():
    return jaxbrain.Connectome(np.ones((3, 3)) - np.eye(3), np.full((3, 3), 20.0))


def _prior():
    return Prior({"K_gl": Uniform(0.0, 1.0), "sigma_ou": LogUniform(0.01, 0.1)})


def _summ():
    return Summaries(fc_summary(), signal_stats(), signal="x", transient_ms=20.0)


def test_draws_are_reproducible_and_match_the_prior(net, tmp_path):
    prior = _prior()
    sims = simulate_prior("hopf", prior, _summ(), net, n=10, key=jr.key(3), params={"a": -0.5}, batch_size=4, **RUN)
    assert sims.x.shape == (10, 4) and sims.ok.all()
    assert sims.labels == ["fc_mean", "fc_std", "log_var", "log_amplitude"]
    # The prior key is the first half of the split key; point i is drawn from fold_in(prior_key, i).
    expected = prior.sample(jr.split(jr.key(3))[0], 10)
    np.testing.assert_array_equal(sims.theta["K_gl"], expected["K_gl"])
    assert sims.theta_flat.shape == (10, 2)
    again = simulate_prior("hopf", prior, _summ(), net, n=10, key=jr.key(3), params={"a": -0.5}, batch_size=4, **RUN)
    # The same compiled program on the same inputs: identical.
    np.testing.assert_array_equal(again.x, sims.x)
    # More noise, more variance: log_var rises with sigma_ou (the summaries see the parameters).
    assert np.corrcoef(np.log(sims.theta["sigma_ou"]), sims.x[:, 2])[0, 1] > 0.8


def test_resume_after_a_crash_loses_at_most_one_batch(net, tmp_path):
    store = tmp_path / "sims"
    computed = []

    def crash_after_two(b):
        computed.append(b)
        if len(computed) == 2:
            raise KeyboardInterrupt

    args = dict(n=20, key=jr.key(4), params={"a": -0.5}, store=store, batch_size=4, **RUN)
    with pytest.raises(KeyboardInterrupt):
        simulate_prior("hopf", _prior(), _summ(), net, on_batch=crash_after_two, **args)
    assert len(computed) == 2
    rerun = []
    sims = simulate_prior("hopf", _prior(), _summ(), net, on_batch=rerun.append, **args)
    # 5 batches in all; the 2 stored before the crash are not simulated again.
    assert sorted(rerun + computed) == list(range(5))
    assert sims.ok.all() and np.isfinite(sims.x).all()
    whole = simulate_prior("hopf", _prior(), _summ(), net, **{**args, "store": tmp_path / "whole"})
    # Point i uses fold_in(key, i) in a batch of the same size (the same program): the resumed run is identical.
    np.testing.assert_array_equal(sims.x, whole.x)


def test_a_store_of_another_prior_or_key_is_refused(net, tmp_path):
    store = tmp_path / "sims"
    args = dict(params={"a": -0.5}, store=store, batch_size=4, **RUN)
    simulate_prior("hopf", _prior(), _summ(), net, n=8, key=jr.key(5), **args)
    with pytest.raises(ValueError, match="cannot be resumed"):
        simulate_prior("hopf", _prior(), _summ(), net, n=8, key=jr.key(6), **args)
    other = Prior({"K_gl": Uniform(0.0, 2.0), "sigma_ou": LogUniform(0.01, 0.1)})
    with pytest.raises(ValueError, match="cannot be resumed"):
        simulate_prior("hopf", other, _summ(), net, n=8, key=jr.key(5), **args)


def test_failed_simulations_are_reported_and_excluded(net):
    # Diffusive coupling with K_gl * 2 (the row sum) * dt > 2 makes Euler diverge: the upper part of the prior fails.
    # A summary that is NaN for a small signal maximum makes some of the others fail after a finite run.
    prior = Prior({"K_gl": Uniform(0.0, 20.0), "sigma_ou": LogUniform(0.01, 0.1)})
    odd = custom(lambda s: jnp.log(jnp.max(s) - 0.03)[None], 1, "odd")
    summ = Summaries(fc_summary(), odd, signal="x", transient_ms=20.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sims = simulate_prior("hopf", prior, summ, net, n=12, key=jr.key(11), params={"a": -0.5}, batch_size=4, **RUN)
    diverged = sims.theta["K_gl"] > 10.0
    assert diverged.any() and not diverged.all()
    assert not sims.ok[diverged].any()
    finite_bad = ~sims.ok & ~diverged
    assert finite_bad.any() and sims.ok.any()
    assert len(sims.failed) == int((~sims.ok).sum()) and set(sims.failed[0]) == {"K_gl", "sigma_ou"}
    messages = " ".join(str(w.message) for w in caught)
    assert "diverged" in messages and "non-finite summaries (['odd'])" in messages
    train, _ = sims.split(1)
    assert train.ok.all() and np.isfinite(train.x).all()


def test_split_and_valid(net):
    sims = simulate_prior("hopf", _prior(), _summ(), net, n=10, key=jr.key(3), params={"a": -0.5}, batch_size=4, **RUN)
    flags = sims.ok.copy()
    flags[[1, 8]] = False
    sims = sims._replace(ok=flags)
    train, test = sims.split(3)
    assert test.n == 3 and train.n == 5 and train.ok.all() and test.ok.all()
    np.testing.assert_array_equal(test.theta["K_gl"], sims.theta["K_gl"][[6, 7, 9]])
    assert sims.valid().n == 8


def test_bad_input(net):
    prior = Prior({"K_gl": Uniform(0.0, 1.0), "nope": Normal(0.0, 1.0)})
    with pytest.raises(ValueError, match=r"\['nope'\].*does not have"):
        simulate_prior("hopf", prior, _summ(), net, n=4, key=jr.key(0), **RUN)
    per_region = Prior({"K_gl": Uniform(0.0, 1.0, shape=(5,))})
    with pytest.raises(ValueError, match=r"needs \(3,\)"):
        simulate_prior("hopf", per_region, _summ(), net, n=4, key=jr.key(0), **RUN)
    with pytest.raises(ValueError, match="fixes"):
        simulate_prior("hopf", _prior(), _summ(), net, n=4, key=jr.key(0), params={"K_gl": 1.0}, **RUN)
    with pytest.raises(TypeError, match="Summaries"):
        simulate_prior("hopf", _prior(), lambda res: res, net, n=4, key=jr.key(0), **RUN)
    with pytest.raises(ValueError, match="bold=True"):
        simulate_prior("hopf", _prior(), Summaries(fc_summary(), signal="bold"), net, n=4, key=jr.key(0), **RUN)


def test_per_region_prior_runs(net):
    prior = Prior({"a": Uniform(-0.1, -0.02, shape=(3,)), "sigma_ou": LogUniform(0.01, 0.1)})
    sims = simulate_prior("hopf", prior, _summ(), net, n=4, key=jr.key(8), batch_size=4, **RUN)
    assert sims.theta["a"].shape == (4, 3) and sims.theta_flat.shape == (4, 4) and sims.ok.all()
    # The store holds each point's per-region values as drawn.
    stored = sims.store.points["a"]
    np.testing.assert_array_equal(stored, sims.theta["a"])
