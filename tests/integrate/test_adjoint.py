"""The chunk's custom adjoint: a delayed read of a cotangent ring gives the same gradient as XLA's autodiff."""

import functools as ft

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain.bold import balloon_init
from jaxbrain.integrate._adjoint import run_chunk_adjoint
from jaxbrain.integrate._scan import ChunkConfig, DelayRead, SimState, run_chunk
from jaxbrain.models import aln, hopf
from jaxbrain.network import diffusive
from jaxbrain.network._delays import block_read_plan, fractional_read_plan


def _chunk(
    model=hopf.model,
    *,
    n=6,
    steps=40,
    batch=1,
    max_delay=7,
    fractional=False,
    self_lags=(),
    bold_every=5,
    sample_every=2,
    noisy=True,
    ext=True,
    time_block=1,
    backend="xla",
    per_member_keys=False,
    seed=0,
):
    """A chunk built by hand: ``(cfg, sim, params, consts, key, ext)`` on a random network with random delays of
    0 … ``max_delay`` steps (fractional ones: up to about that), float64."""
    rng = np.random.default_rng(seed)
    dt = 0.1
    base = rng.uniform(0.1, 1.0, (n, n)) * (1 - np.eye(n))
    channels, per_sum = model.network_sums(base) if model.network_sums is not None else ((0,), base[None])
    weights = jnp.asarray(per_sum)
    row_sum = jnp.moveaxis(jnp.sum(weights, axis=2), 0, 1)[..., None]
    delays = rng.integers(0, max_delay + 1, (n, n)) * (1 - np.eye(n, dtype=np.int64))
    ring_len = max([int(delays.max())] + [d for d in self_lags if d is not None]) + 1
    full_off = jnp.arange(n, dtype=jnp.int32)[None, :] * (2 * ring_len) + jnp.asarray(ring_len - delays, jnp.int32)
    full_w = weights
    if fractional:
        lengths = rng.uniform(0.0, max_delay, (n, n))  # mm; at 10 mm/ms and dt = 0.1 ms, d = lengths steps
        delays = np.zeros((n, n), np.int64)
        ring_len = int(np.floor(lengths.max())) + 2
        full_off, full_w = fractional_read_plan(lengths, 10.0, dt, ring_len, weights)
    # The time-blocked read of the same delays (run_chunk's primal reads with it when time_block > 1).
    lag, long_mask, short_src, short_lag, short_mask = block_read_plan(
        delays, np.any(per_sum != 0, axis=0), time_block, ring_len
    )
    short_src_p = np.broadcast_to(short_src, per_sum.shape[:1] + short_src.shape)
    consts = DelayRead(
        weights=weights,
        row_sum=row_sum,
        long_lag=jnp.asarray(lag),
        long_w=jnp.where(long_mask, weights, 0),
        short_off=jnp.asarray(short_src * (2 * ring_len) + short_lag),
        short_w=jnp.asarray(np.where(short_mask, np.take_along_axis(per_sum, short_src_p, axis=2), 0)),
        full_off=full_off,
        full_w=full_w,
    )
    p = model.Params(sigma_ou=0.05 if noisy else 0.0)
    params = type(p)(*(jnp.asarray(v, jnp.float64) for v in p))
    start = model.init_state(jr.key(seed), n, p, jnp.float64)
    state = type(start)(*(x[:, None] * (1 + 0.1 * rng.normal(size=(n, batch))) for x in start))
    ou0 = model.ou_init(p) if model.ou_init is not None else (0.0,) * len(model.noise_vars)
    ou = tuple(jnp.asarray(o + 0.01 * rng.normal(size=(n, batch))) for o in ou0)
    now = jnp.stack(model.coupled(state), axis=1)  # (N, V, B)
    history = now[None] * (1 + 0.1 * rng.normal(size=(ring_len,) + now.shape))
    bold = balloon_init((n, batch), jnp.float64) if bold_every else None
    sim = SimState(state, ou, history.reshape((-1,) + now.shape[1:]), bold, None)
    ext_rows = jnp.asarray(0.01 * rng.normal(size=(steps, len(model.input_vars), n, 1))) if ext else None
    key = jr.split(jr.key(seed + 1), batch) if per_member_keys else jr.key(seed + 1)
    cfg = ChunkConfig(
        model=model,
        coupling=model.coupling,
        n_steps=steps,
        n_nodes=n,
        ring_len=ring_len,
        n_coupled=now.shape[1],
        batch=batch,
        dt=dt,
        sample_every=sample_every,
        record=model.output_vars[:2],
        bold_every=bold_every,
        noisy=noisy,
        shared_key=not per_member_keys,
        has_ext=ext,
        block=steps,
        time_block=time_block,
        dtype="float64",
        self_lags=tuple(self_lags) or (None,) * now.shape[1],
        sum_channels=tuple(channels),
        backend=backend,
    )
    return cfg, sim, params, consts, key, ext_rows


def _loss(sim_out, outbuf, boldbuf):
    """A scalar that depends on every output of a chunk: final state, OU, ring, BOLD state and both buffers."""
    rng = np.random.default_rng(1)  # the same weights on every trace (they depend on the shapes only)
    total = jnp.zeros(())
    for i, x in enumerate(jax.tree.leaves((sim_out.state, sim_out.ou, sim_out.ring, sim_out.bold))):
        total = total + jnp.sum(jnp.sin(x * (1.0 + 0.1 * i)))
    for buf in jax.tree.leaves((outbuf, boldbuf)):
        total = total + jnp.sum(buf * jnp.asarray(rng.normal(size=buf.shape)))
    return total


def _value_and_grads(chunk_fn, cfg, sim, params, consts, key, ext, g0):
    """The chunk's outputs and the gradient of :func:`_loss` with respect to its state, parameters, row sums and
    external input."""

    def f(sim, params, row_sum, ext):
        out = chunk_fn(cfg, sim, params, consts._replace(row_sum=row_sum), key, jnp.int32(g0), ext)
        return _loss(*out), out

    # One jitted program per side (eagerly, every small op of the loss would compile on its own).
    (_, out), grads = jax.jit(jax.value_and_grad(f, argnums=(0, 1, 2, 3), has_aux=True))(
        sim, params, consts.row_sum, ext
    )
    return out, grads


def _assert_trees_close(actual, expected, rtol):
    """Leaf by leaf, relative to each leaf's largest magnitude (entries near 0 are compared on that scale)."""
    a_leaves, a_tree = jax.tree.flatten(actual)
    e_leaves, e_tree = jax.tree.flatten(expected)
    assert a_tree == e_tree
    for path, a, e in zip(jax.tree_util.tree_flatten_with_path(expected)[0], a_leaves, e_leaves):
        scale = float(np.max(np.abs(e))) if np.size(e) else 0.0
        np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol * scale, err_msg=jax.tree_util.keystr(path[0]))


def _per_node_and_member(params, n, batch):
    """Per-node bifurcation parameter ``a`` ``(N, 1)`` and, with a batch, a per-member coupling ``K_gl`` ``(1, B)``."""
    rng = np.random.default_rng(5)
    changes = {"a": jnp.asarray(rng.uniform(-0.1, 0.1, (n, 1)))}
    if batch > 1:
        changes["K_gl"] = jnp.asarray(rng.uniform(0.4, 0.8, (1, batch)))
    return params._replace(**changes)


def _two_sums_dfun(state, inputs, p):
    d = hopf.dfun(state, inputs._replace(coupling=(inputs.coupling[0] - 0.5 * inputs.coupling[1],)), p)
    return d._replace(x=d.x + 0.3 * inputs.self_delayed[0], y=d.y - 0.2 * inputs.self_delayed[1])


# Hopf reading like ALN (which compiles slowly): two network sums of x (with C and C²), y read by a node only from
# its own past (the ring's second part), and both variables' own delayed values.
TWO_SUMS = hopf.model._replace(
    name="hopf-two-sums",
    dfun=_two_sums_dfun,
    coupled=lambda s: (s.x, s.y),
    network_sums=lambda w: ((0, 0), np.stack([w, w**2])),
)

CASES = {
    # Hopf on 6 nodes with delays 0 … 7 steps, noise, outputs every 2 steps, BOLD every 5, external input, a batch of
    # 3 with a key each, a per-node and a per-member parameter.
    "hopf": dict(batch=3, per_member_keys=True, g0=14),
    "fractional, quiet": dict(fractional=True, noisy=False, bold_every=0, ext=False, sample_every=1, g0=3),
    "two sums and self delays": dict(model=TWO_SUMS, steps=12, max_delay=4, self_lags=(6, 2), g0=4),
    "aln": pytest.param(
        dict(model=aln.model, n=3, steps=8, max_delay=4, self_lags=(3, 2), g0=4), marks=pytest.mark.slow
    ),
    "pallas-interpret": dict(n=4, steps=6, max_delay=3, backend="pallas-interpret", g0=2),
}


@pytest.mark.parametrize("kwargs", CASES.values(), ids=CASES.keys())
def test_gradient_and_values_equal_autodiff_of_run_chunk(kwargs):
    kwargs = dict(kwargs)
    g0 = kwargs.pop("g0")
    cfg, sim, params, consts, key, ext = _chunk(**kwargs)
    if cfg.model is not aln.model:
        params = _per_node_and_member(params, cfg.n_nodes, cfg.batch)
    out, grads = _value_and_grads(run_chunk_adjoint, cfg, sim, params, consts, key, ext, g0)
    ref_out, ref = _value_and_grads(run_chunk, cfg, sim, params, consts, key, ext, g0)
    _assert_trees_close(out, ref_out, rtol=1e-12)
    _assert_trees_close(grads, ref, rtol=1e-9)
    sim_ct, params_ct, row_sum_ct, ext_ct = grads
    # Every kind of input gets a gradient: the delay ring's history, the global coupling, the noise, the input.
    assert float(jnp.max(jnp.abs(sim_ct.ring))) > 1e-6
    assert float(jnp.max(jnp.abs(params_ct.Ke_gl if cfg.model is aln.model else params_ct.K_gl))) > 1e-6
    if cfg.coupling is diffusive:
        assert float(jnp.max(jnp.abs(row_sum_ct))) > 1e-6
    if cfg.noisy:
        assert float(jnp.max(jnp.abs(params_ct.sigma_ou))) > 1e-6
    if ext is not None:
        assert float(jnp.max(jnp.abs(ext_ct))) > 1e-6


def test_gradient_through_two_chained_chunks_shorter_than_the_ring():
    # 6-step chunks with delays up to 7 steps: chunk 2 reads chunk 1's final ring, which still holds columns of
    # chunk 1's input ring; the gradient reaches chunk 1's parameters, start and history through it.
    cfg, sim, params, consts, key, ext = _chunk(steps=6)
    assert cfg.n_steps < cfg.ring_len
    params = _per_node_and_member(params, cfg.n_nodes, 1)

    def loss(chunk_fn, sim, params, ext):
        def one(sim, xs):
            i, e = xs
            out = chunk_fn(cfg, sim, params, consts, key, 6 * i, e)
            return out[0], _loss(*out)

        # Both chunks in one scan: the chunk is compiled once.
        _, losses = jax.lax.scan(one, sim, (jnp.arange(2, dtype=jnp.int32), jnp.stack([ext, ext[::-1]])))
        return losses[0] + 2.0 * losses[1]

    grads = jax.jit(jax.grad(ft.partial(loss, run_chunk_adjoint), argnums=(0, 1, 2)))(sim, params, ext)
    ref = jax.jit(jax.grad(ft.partial(loss, run_chunk), argnums=(0, 1, 2)))(sim, params, ext)
    _assert_trees_close(grads, ref, rtol=1e-9)
    assert float(jnp.max(jnp.abs(grads[0].ring))) > 1e-6


def test_gradient_matches_finite_differences():
    # The primal (time-blocked, as run_chunk reads with time_block > 1) against the gradient's step-by-step read.
    cfg, sim, params, consts, key, ext = _chunk(steps=30, time_block=4)
    direction = jnp.asarray(np.random.default_rng(7).normal(size=(cfg.n_nodes, 1)))
    params = _per_node_and_member(params, cfg.n_nodes, 1)

    def loss(k_gl, a):
        out = run_chunk_adjoint(cfg, sim, params._replace(K_gl=k_gl, a=a), consts, key, jnp.int32(0), ext)
        return _loss(*out)

    k_gl, a = jnp.float64(0.6), params.a
    value, (grad_k, grad_a) = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))(k_gl, a)
    loss = jax.jit(loss)
    np.testing.assert_allclose(value, loss(k_gl, a), rtol=1e-12)
    h = 1e-6
    fd_k = (loss(k_gl + h, a) - loss(k_gl - h, a)) / (2 * h)
    fd_a = (loss(k_gl, a + h * direction) - loss(k_gl, a - h * direction)) / (2 * h)
    assert abs(float(grad_k)) > 1e-3
    np.testing.assert_allclose(grad_k, fd_k, rtol=1e-6)
    np.testing.assert_allclose(jnp.sum(grad_a * direction), fd_a, rtol=1e-6)


def test_perturbed_read_weights_fall_back_to_autodiff():
    # A gradient with respect to the weights (here through a traced signalV with fractional delays) is autodiff's.
    cfg, sim, params, consts, key, ext = _chunk(fractional=True, steps=12)
    lengths = np.random.default_rng(3).uniform(0.0, 5.0, (cfg.n_nodes, cfg.n_nodes))

    def loss(chunk_fn, signal_v):
        off, w = fractional_read_plan(lengths, signal_v, cfg.dt, cfg.ring_len, consts.weights)
        return _loss(*chunk_fn(cfg, sim, params, consts._replace(full_off=off, full_w=w), key, jnp.int32(0), ext))

    grad = jax.jit(jax.grad(ft.partial(loss, run_chunk_adjoint)))(9.0)
    ref = jax.jit(jax.grad(ft.partial(loss, run_chunk)))(9.0)
    assert abs(float(ref)) > 1e-6
    np.testing.assert_allclose(grad, ref, rtol=1e-12)


def test_no_delays_falls_back_to_autodiff():
    cfg, sim, params, consts, key, ext = _chunk(max_delay=0, steps=4, bold_every=0)
    assert cfg.ring_len == 1
    grads = _value_and_grads(run_chunk_adjoint, cfg, sim, params, consts, key, ext, 0)
    ref = _value_and_grads(run_chunk, cfg, sim, params, consts, key, ext, 0)
    _assert_trees_close(grads, ref, rtol=1e-12)


def test_read_plan_in_another_order_poisons_the_gradient():
    # The same read with its sources listed in another order: the forward agrees, the transposed read cannot.
    cfg, sim, params, consts, key, ext = _chunk(steps=10)
    order = np.random.default_rng(2).permutation(cfg.n_nodes)
    shuffled = consts._replace(full_off=consts.full_off[:, order], full_w=consts.full_w[:, :, order])
    _assert_trees_close(
        run_chunk_adjoint(cfg, sim, params, shuffled, key, jnp.int32(0), ext),
        run_chunk(cfg, sim, params, consts, key, jnp.int32(0), ext),
        rtol=1e-12,
    )
    _, grads = _value_and_grads(run_chunk_adjoint, cfg, sim, params, shuffled, key, ext, 0)
    assert np.all(np.isnan(np.asarray(grads[1].K_gl)))


def test_backward_pass_reads_instead_of_scattering():
    # Autodiff transposes each step's gather into a scatter-add into the ring; the adjoint's backward is a gather.
    cfg, sim, params, consts, key, ext = _chunk(steps=6)

    def program(chunk_fn):
        def loss(k_gl):
            return _loss(*chunk_fn(cfg, sim, params._replace(K_gl=k_gl), consts, key, jnp.int32(0), ext))

        return str(jax.make_jaxpr(jax.grad(loss))(0.6))

    assert "scatter-add" in program(run_chunk)
    assert "scatter-add" not in program(run_chunk_adjoint)


@pytest.mark.parametrize("checkpoint", [False, True])
def test_simulate_gradient_same_with_either_adjoint(checkpoint):
    # The plan's switch between the delayed-read adjoint and XLA's autodiff of the chunk: one gradient.
    import dataclasses

    from jaxbrain import Connectome
    from jaxbrain.integrate import prepare, run

    rng = np.random.default_rng(3)
    n = 5
    brain = Connectome(rng.uniform(0, 1, (n, n)) * (1 - np.eye(n)), rng.uniform(0, 30, (n, n)))
    base = hopf.Params(sigma_ou=0.02, a=jnp.full((5,), -0.05))
    plan = prepare(
        "hopf", base, brain, duration=40.0, dt=0.1, signalV=10.0, bold=False, checkpoint=checkpoint,
        chunksize=100 if checkpoint else None,
    )  # fmt: skip

    def loss(k_gl, a, adjoint):
        res = run(dataclasses.replace(plan, adjoint=adjoint), base._replace(K_gl=k_gl, a=a), key=jr.key(5))
        return jnp.mean(res.outputs["x"][-50:] ** 2) + jnp.mean(res.final.state.y)

    a_nodes = jnp.linspace(-0.1, 0.05, n)
    grads = [jax.grad(loss, argnums=(0, 1))(0.4, a_nodes, adjoint) for adjoint in (True, False)]
    for ours, ref in zip(*grads):
        assert np.all(np.isfinite(ours)) and np.any(np.abs(ref) > 0)
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12 * float(np.max(np.abs(ref))))


def test_simulate_chooses_the_adjoint_and_autodiff_gives_forward_mode():
    # The adjoint is the default gradient (reverse mode only); adjoint=False is XLA's autodiff, which also has
    # forward mode: jax.jvp of the run equals the gradient's directional derivative.
    from jaxbrain import Connectome, prepare, simulate

    rng = np.random.default_rng(4)
    n = 4
    brain = Connectome(rng.uniform(0, 1, (n, n)) * (1 - np.eye(n)), rng.uniform(0, 30, (n, n)))
    settings = dict(duration=20.0, signalV=10.0)
    assert prepare("hopf", hopf.Params(), brain, **settings).adjoint
    assert not prepare("hopf", hopf.Params(), brain, adjoint=False, **settings).adjoint

    def loss(k_gl, adjoint):
        res = simulate("hopf", hopf.Params(K_gl=k_gl), brain, key=jr.key(0), adjoint=adjoint, **settings)
        return jnp.mean(res.outputs["x"] ** 2)

    grad = jax.grad(loss)(0.5, None)
    _, tangent = jax.jvp(lambda k: loss(k, False), (0.5,), (1.0,))
    assert abs(float(grad)) > 0
    np.testing.assert_allclose(float(tangent), float(grad), rtol=1e-9)
    with pytest.raises(TypeError, match="jvp"):
        jax.jvp(lambda k: loss(k, None), (0.5,), (1.0,))
    with pytest.raises(TypeError, match="adjoint must be True or False"):
        simulate("hopf", hopf.Params(), brain, key=jr.key(0), adjoint="no", **settings)
