"""The OU noise's standard normals: ``jax.random``'s own stream, computed in one fused pass.

A run draws the Gaussian increments of step ``k`` as ``jax.random.normal(fold_in(key, k), (n_ou, N), float32)``
(one key per batch member, or one shared). That definition is kept; only how it is computed changes. On the CPU,
JAX lowers its Threefry-2x32 hash as a 5-iteration loop (to keep compile times short), so each round of the hash
reads and writes whole arrays: drawing a batch of 64 members' increments cost ~75 % of a Hopf step on gw
(benchmarks/RESULTS.md, block noise). Written out here with the rounds unrolled, XLA fuses the hash, the
float conversion and the inverse error function into one loop over the block, and the bits are the same: the
hash is integer arithmetic, and the float steps are the ones ``jax.random.uniform``/``normal`` apply.

Threefry-2x32 with 20 rounds is the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
numbers: as easy as 1, 2, 3" (SC 2011); the rotation constants and the key-schedule parity constant are that
paper's. The counter layout (a 64-bit element index as two 32-bit words; the two output words XOR-ed for 32-bit
draws) and ``fold_in`` (the hash of the counter ``(0, data)``) are JAX's "partitionable" Threefry convention,
the default since JAX 0.5; other key implementations and the legacy layout fall back to ``jax.random`` itself.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _rotl(x, r):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 hash (20 rounds) of the counter words ``(x1, x2)`` under key ``(k1, k2)``, unrolled.

    All four arguments are uint32 arrays that broadcast together; returns the two output words.
    """
    ks = (k1, k2, k1 ^ k2 ^ _PARITY)
    x1, x2 = x1 + ks[0], x2 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x1 = x1 + x2
            x2 = _rotl(x2, r) ^ x1
        x1 = x1 + ks[(i + 1) % 3]
        x2 = x2 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x1, x2


def fast_path(key):
    """Whether :func:`step_normals` computes ``key``'s stream itself (Threefry keys, partitionable layout)."""
    impl = str(jr.key_impl(key))
    return "threefry2x32" in impl and bool(jax.config.jax_threefry_partitionable)


def step_bits(key, steps, shape):
    """Random bits ``(len(steps),) + shape + (B,)`` uint32: entry ``[i, ..., b]`` is element ``[...]`` of
    ``jax.random.bits(jax.random.fold_in(key[b], steps[i]), shape, jnp.uint32)``.

    Args:
        key: a ``(B,)`` array of typed Threefry keys (``fast_path(key)`` must hold).
        steps: ``(K,)`` integer step indices (the values folded into each key).
        shape: the per-step draw's shape, e.g. ``(n_ou, N)``.
    """
    data = jr.key_data(key)  # (B, 2) uint32
    lead = (1,) * len(shape)
    k1 = data[:, 0].reshape(lead + (-1,))[None]  # (1, 1.., B)
    k2 = data[:, 1].reshape(lead + (-1,))[None]
    step = jnp.asarray(steps).astype(jnp.uint32).reshape((-1,) + lead + (1,))  # (K, 1.., 1)
    # fold_in(key, k): the hash of the counter (0, k); its two output words are the new key.
    f1, f2 = threefry2x32(k1, k2, jnp.zeros_like(step), step)
    # Computed once per (step, member) and kept: fused into the per-element hash below, XLA would redo it for every
    # element (twice the hashing; measured 1.5-2x slower on the CPU).
    f1, f2 = jax.lax.optimization_barrier((f1, f2))
    # Element j (row-major) of a draw hashes the counter (0, j); 32-bit draws XOR the two output words.
    index = jnp.arange(int(np.prod(shape)), dtype=jnp.uint32).reshape(shape + (1,))[None]
    b1, b2 = threefry2x32(f1, f2, jnp.zeros_like(index), index)
    return b1 ^ b2


def step_normals(key, steps, shape):
    """Standard normals ``(len(steps),) + shape + (B,)`` in float32: entry ``[i, ..., b]`` is element ``[...]`` of
    ``jax.random.normal(jax.random.fold_in(key[b], steps[i]), shape, jnp.float32)`` (arguments as
    :func:`step_bits`)."""
    bits = step_bits(key, steps, shape)
    # jax.random.uniform on [nextafter(-1, 0), 1) from the top 23 bits, then sqrt(2)·erfinv, as jax.random.normal.
    lo = np.nextafter(np.float32(-1.0), np.float32(0.0), dtype=np.float32)
    mantissa = (bits >> np.uint32(32 - 23)) | np.float32(1.0).view(np.uint32)
    unit = jax.lax.bitcast_convert_type(mantissa, jnp.float32) - np.float32(1.0)
    u = jnp.maximum(lo, unit * (np.float32(1.0) - lo) + lo)
    return np.float32(np.sqrt(2)) * jax.lax.erf_inv(u)
