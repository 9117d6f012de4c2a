"""A prepared plan and its runs: the same results as simulate, one compilation for many parameter values, and a
refusal of parameters that would change the plan."""

import dataclasses

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, Dataset, prepare, simulate
from jaxbrain.integrate import Plan, run
from jaxbrain.models import aln, hopf

NOISY = hopf.Params(K_gl=0.6, sigma_ou=0.1)


@pytest.fixture(scope="module")
def gw():
    ds = Dataset("gw")
    return Connectome(ds.Cmat, ds.Dmat)


@pytest.fixture(scope="module")
def net20(gw):
    return Connectome(np.asarray(gw.weights)[:20, :20], np.asarray(gw.lengths)[:20, :20])


def _close(a, b):
    # Same settings, same chunk program: float64 agreement to 1e-12 (the rule for the split of simulate).
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


def _same_result(res, ref):
    assert set(res.outputs) == set(ref.outputs)
    for name in ref.outputs:
        _close(res.outputs[name], ref.outputs[name])
    assert (res.bold is None) == (ref.bold is None)
    if ref.bold is not None:
        _close(res.bold, ref.bold)
    np.testing.assert_array_equal(res.t, ref.t)
    np.testing.assert_array_equal(res.t_bold, ref.t_bold)
    np.testing.assert_array_equal(np.asarray(res.ok), np.asarray(ref.ok))
    _close(res.final.ring, ref.final.ring)
    assert res.backend == ref.backend


SETTINGS = dict(duration=200.0, bold=True, chunksize=500)  # two whole chunks, delays of up to 11.7 ms on gw


def test_prepare_then_run_is_simulate(gw):
    plan = prepare(hopf.model, NOISY, gw, **SETTINGS)
    _same_result(run(plan, NOISY, key=jr.key(4)), simulate(hopf.model, NOISY, gw, key=jr.key(4), **SETTINGS))
    assert plan.run(NOISY, key=jr.key(4)).outputs["x"].shape == (2000, 80)


def test_prepare_then_run_is_simulate_batched(gw):
    params = NOISY._replace(K_gl=jnp.array([0.2, 0.6, 1.0]))
    keys = jr.split(jr.key(5), 3)
    plan = prepare(hopf.model, params, gw, batched=True, **SETTINGS)
    res = plan.run(params, key=keys)
    ref = simulate(hopf.model, params, gw, key=keys, batched=True, **SETTINGS)
    _same_result(res, ref)
    assert res.outputs["x"].shape == (3, 2000, 80) and res.bold.shape == (3, 1, 80)


def test_one_plan_runs_other_values_as_simulate_does(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=100.0)
    for p in (NOISY, NOISY._replace(K_gl=1.3, a=0.1, sigma_ou=0.0)):
        res = plan.run(p, key=jr.key(6))
        _same_result(res, simulate(hopf.model, p, net20, key=jr.key(6), duration=100.0))
        assert res.params == p
    # The two runs differ (the second parameter set is another regime, without noise).
    first, second = (plan.run(p, key=jr.key(6)).outputs["x"] for p in (NOISY, NOISY._replace(K_gl=1.3, a=0.1)))
    assert float(jnp.max(jnp.abs(first - second))) > 1e-3


def test_a_jitted_function_of_the_parameters_compiles_once(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=100.0, chunksize=250)
    traces = []

    def x_of(p):
        traces.append(p)  # runs once per trace, never per call
        return run(plan, p, key=jr.key(7)).outputs["x"]

    x = jax.jit(x_of)
    values = (NOISY, NOISY._replace(K_gl=1.1, a=-0.2))
    runs = [x(p) for p in values]
    assert len(traces) == 1
    for p, got in zip(values, runs):
        # One jitted program against the eager chunks: another compilation, so float64 rounding, not bits.
        ref = simulate(hopf.model, p, net20, key=jr.key(7), duration=100.0, chunksize=250).outputs["x"]
        np.testing.assert_allclose(np.asarray(got), np.asarray(ref), rtol=1e-10, atol=1e-12)


def test_vmap_and_grad_through_a_run(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=50.0, outputs=("x",))

    def mean_x(K):
        return jnp.mean(plan.run(NOISY._replace(K_gl=K), key=jr.key(8)).outputs["x"] ** 2)

    ks = jnp.array([0.4, 0.9])
    many = jax.vmap(mean_x)(ks)
    ones = [simulate(hopf.model, NOISY._replace(K_gl=k), net20, key=jr.key(8), duration=50.0).outputs["x"] for k in ks]
    # vmap against single eager runs: other programs, float64 rounding.
    np.testing.assert_allclose(np.asarray(many), [float(jnp.mean(x**2)) for x in ones], rtol=1e-10, atol=0)
    grad = jax.grad(mean_x)(0.9)
    eps = 1e-5
    fd = (mean_x(0.9 + eps) - mean_x(0.9 - eps)) / (2 * eps)
    np.testing.assert_allclose(float(grad), float(fd), rtol=1e-5, atol=1e-12)


def test_a_plan_prepared_inside_jit_holds_nothing_traced(net20):
    kept = []

    def traced(K):
        p = NOISY._replace(K_gl=K)
        plan = prepare(hopf.model, p, net20, duration=50.0)
        kept.append(plan)
        return plan.run(p, key=jr.key(9)).outputs["x"]

    jax.jit(traced)(0.6)
    (plan,) = kept
    leaves = jax.tree.leaves([getattr(plan, f.name) for f in dataclasses.fields(plan) if f.name != "model"])
    assert not any(isinstance(x, jax.core.Tracer) for x in leaves)
    assert plan.noisy  # noise on: sigma_ou was concrete and non-zero
    _same_result(plan.run(NOISY, key=jr.key(9)), simulate(hopf.model, NOISY, net20, key=jr.key(9), duration=50.0))


def test_plan_attributes_follow_the_settings(net20):
    lengths = np.array(net20.lengths, np.float64)
    np.fill_diagonal(lengths, 0.0)
    longest = int(np.max(np.around(lengths / 20.0 / 0.1)))
    plan = prepare(hopf.model, NOISY, net20, duration=100.0, chunksize=300, sampling_dt=0.5)
    assert isinstance(plan, Plan)
    assert plan.ring_len == longest + 1 and longest > 5
    assert plan.n_steps == 1000 and plan.sample_every == 5
    assert plan.chunks == (300, 300, 300, 100)
    assert plan.chunk_config(300).n_steps == 300 and plan.chunk_config(100).block == 100
    assert plan.backend == "xla" and plan.tile == 0
    assert plan.time_block == 1  # a single run reads step by step (a dot: faster than a time-blocked read)
    assert plan.noisy and plan.self_lags == () and plan.signalV == 20.0 and plan.bold_every == 0
    assert plan.param_shapes == ((),) * len(hopf.Params._fields)
    # A batch of 2-4 reads delays of at least 5 steps in time blocks; gradients read step by step, and so does a
    # batch beyond MAX_BLOCKED_BATCH.
    batch3 = NOISY._replace(K_gl=np.linspace(0.1, 1.0, 3))
    assert prepare(hopf.model, batch3, net20, duration=100.0, batched=True).time_block == 5
    assert prepare(hopf.model, batch3, net20, duration=100.0, batched=True, checkpoint=True).time_block == 1
    batch8 = NOISY._replace(K_gl=np.linspace(0.1, 1.0, 8))
    assert prepare(hopf.model, batch8, net20, duration=100.0, batched=True).time_block == 1
    # No delays: a ring of one slot. Slower fibres: a longer ring.
    assert prepare(hopf.model, NOISY, net20, duration=100.0, signalV=0.0).ring_len == 1
    slow = prepare(hopf.model, NOISY, net20, duration=100.0, signalV=10.0)
    assert slow.ring_len == int(np.max(np.around(lengths / 10.0 / 0.1))) + 1
    # A tiled backend cuts a batch that is a multiple of its tile.
    batch32 = NOISY._replace(K_gl=np.linspace(0.1, 1.0, 32))
    assert prepare(hopf.model, batch32, net20, duration=10.0, batched=True, backend="xla-tiled").tile == 16
    assert prepare(hopf.model, batch8, net20, duration=10.0, batched=True, backend="xla-tiled").tile == 0
    # BOLD every TR = 2 s; fractional delays: two taps, so one slot more than the rounded ring needs.
    assert prepare(hopf.model, NOISY, net20, duration=100.0, bold=True).bold_every == 20000
    frac = prepare(hopf.model, NOISY, net20, duration=100.0, fractional_delays=True)
    assert frac.ring_len == int(np.floor(np.max(lengths) / 20.0 / 0.1 + 1e-9)) + 2 and frac.time_block == 1


def test_run_refuses_another_batch_size(net20):
    params = NOISY._replace(K_gl=jnp.array([0.2, 0.6, 1.0]))
    plan = prepare(hopf.model, params, net20, duration=10.0, batched=True)
    with pytest.raises(ValueError, match=r"batch size 3.*got leading sizes \[4\]"):
        plan.run(NOISY._replace(K_gl=jnp.linspace(0.1, 1.0, 4)), key=jr.key(0))


def test_run_refuses_another_parameter_shape(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=10.0)
    with pytest.raises(ValueError, match=r"'K_gl' \(20,\) \(the plan's: \(\)\)"):
        plan.run(NOISY._replace(K_gl=np.full(20, 0.6)), key=jr.key(0))


def test_run_refuses_other_local_delays():
    plan = prepare(aln.model, aln.Params(), duration=10.0)
    assert plan.self_lags == (40, 20)  # de = 4 ms, di = 2 ms at dt = 0.1 ms
    with pytest.raises(ValueError, match=r"\(self_delays\) are \(30, 20\) steps; the plan's are \(40, 20\)"):
        plan.run(aln.Params(de=3.0), key=jr.key(0))


def test_run_refuses_another_signalV_with_rounded_delays(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=10.0, signalV=20.0)
    with pytest.raises(ValueError, match=r"signalV is 10\.0 mm/ms; the plan's is 20\.0 mm/ms"):
        plan.run(NOISY, key=jr.key(0), signalV=10.0)
    with pytest.raises(TypeError, match="signalV is traced"):
        jax.jit(lambda v: plan.run(NOISY, key=jr.key(0), signalV=v).outputs["x"])(20.0)
    # The plan's own speed, given again, is fine.
    assert plan.run(NOISY, key=jr.key(0), signalV=20.0).outputs["x"].shape == (100, 20)


def test_run_refuses_noise_in_a_plan_prepared_without(net20):
    plan = prepare(hopf.model, NOISY._replace(sigma_ou=0.0), net20, duration=10.0)
    assert not plan.noisy
    with pytest.raises(ValueError, match="noise off"):
        plan.run(NOISY, key=jr.key(0))
    with pytest.raises(ValueError, match="noise off"):
        jax.jit(lambda s: plan.run(NOISY._replace(sigma_ou=s), key=jr.key(0)).outputs["x"])(0.0)


def test_fractional_plan_runs_other_speeds(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=50.0, signalV=20.0, fractional_delays=True, max_delay=30.0)
    for speed in (20.0, 6.5):
        ref = simulate(hopf.model, NOISY, net20, key=jr.key(2), duration=50.0, signalV=speed, fractional_delays=True,
                       max_delay=30.0)  # fmt: skip
        _close(plan.run(NOISY, key=jr.key(2), signalV=speed).outputs["x"], ref.outputs["x"])
    # A traced speed (the plan has max_delay), and a gradient with respect to it.
    dx = jax.grad(lambda v: jnp.sum(plan.run(NOISY, key=jr.key(2), signalV=v).outputs["x"][-1]))(6.5)
    assert np.isfinite(float(dx)) and float(dx) != 0.0
    with pytest.raises(ValueError, match="max_delay"):
        plan.run(NOISY, key=jr.key(2), signalV=1.0)  # delays of up to 157 ms > max_delay
    # Sized for 20 mm/ms alone, the buffer cannot take a slower speed, nor a traced one.
    tight = prepare(hopf.model, NOISY, net20, duration=50.0, signalV=20.0, fractional_delays=True)
    with pytest.raises(ValueError, match="longer than the plan's delay buffer"):
        tight.run(NOISY, key=jr.key(2), signalV=10.0)
    with pytest.raises(ValueError, match="needs max_delay"):
        jax.jit(lambda v: tight.run(NOISY, key=jr.key(2), signalV=v).outputs["x"])(20.0)


def test_run_takes_inputs_a_plan_was_not_sized_for(net20):
    drive = {"x_ext": 0.2 * np.sin(np.arange(100) * 0.3)}
    plan = prepare(hopf.model, NOISY, net20, duration=10.0)
    res = plan.run(NOISY, key=jr.key(3), inputs=drive)
    ref = simulate(hopf.model, NOISY, net20, key=jr.key(3), duration=10.0, inputs=drive)
    _close(res.outputs["x"], ref.outputs["x"])
    with pytest.raises(TypeError, match="inputs must be a dict"):
        plan.run(NOISY, key=jr.key(3), inputs=[1.0])


def test_run_checks_its_arguments(net20):
    plan = prepare(hopf.model, NOISY, net20, duration=10.0)
    with pytest.raises(TypeError, match="plan must be a jaxbrain Plan"):
        run({"duration": 10.0}, NOISY, key=jr.key(0))
    with pytest.raises(ValueError, match="'a'"):
        plan.run(NOISY._replace(a=np.nan), key=jr.key(0))
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        plan.run(NOISY, key=0)
    with pytest.raises(TypeError, match="progress must be True or False"):
        plan.run(NOISY, key=jr.key(0), progress="yes")
    with pytest.raises(TypeError, match="unexpected keyword"):
        plan.run(NOISY, key=jr.key(0), duration=20.0)  # a setting of the plan, not of a run
    assert "hopf" in repr(plan) and "ring_len" in repr(plan)
