r"""Hopf (Stuart–Landau) oscillator: the normal form of a supercritical Hopf bifurcation.

$$\dot x = (a - x^2 - y^2)\,x - \omega y + K_{gl} \textstyle\sum_m C_{nm}\,(x_m(t - d_{nm}) - x_n)
  + x_{ou} + x_{ext}$$
$$\dot y = (a - x^2 - y^2)\,y + \omega x + y_{ou} + y_{ext}$$

``a < 0``: damped oscillation to a stable focus at 0; ``a > 0``: limit cycle of radius $\sqrt a$
at angular frequency $\omega$ (rad/ms; 0.2 rad/ms ≈ 32 Hz). Coupling enters ``x`` only (diffusive by
default, additive optional). Defaults, initial conditions and the BOLD drive $(x + 1)\cdot 4$ follow
neurolib master (``neurolib/models/hopf``).

References:
    Kuznetsov, Elements of Applied Bifurcation Theory (2004); Deco et al. (2017) Sci Rep 7:3095;
    Cakan, Jajcay & Obermayer (2021) Cogn Comput, doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import diffusive
from ._base import NeuralMass, valid_ranges


class Params(NamedTuple):
    """Hopf parameters (neurolib master defaults)."""

    a: float = 0.25  # bifurcation parameter, 1/ms
    w: float = 0.2  # angular frequency, rad/ms
    K_gl: float = 0.6  # global coupling strength, 1/ms
    x_ext: float = 0.0  # constant input to x, 1/ms
    y_ext: float = 0.0  # constant input to y, 1/ms
    x_ou_mean: float = 0.0  # mean of the OU input to x, 1/ms
    y_ou_mean: float = 0.0  # mean of the OU input to y, 1/ms
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges()


class State(NamedTuple):
    x: jnp.ndarray  # real part of the oscillator
    y: jnp.ndarray  # imaginary part


def dfun(state, inputs, p):
    """Time derivative of the Hopf normal form for every node (elementwise)."""
    x, y = state
    growth = p.a - x * x - y * y
    dx = growth * x - p.w * y + p.K_gl * inputs.coupling[0] + inputs.noise[0] + p.x_ext + inputs.external[0]
    dy = growth * y + p.w * x + inputs.noise[1] + p.y_ext + inputs.external[1]
    return State(dx, dy)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: x, y ~ 0.5·U(−1, 1) per node."""
    kx, ky = jr.split(key)
    return State(
        0.5 * jr.uniform(kx, (n_nodes,), dtype, -1.0, 1.0),
        0.5 * jr.uniform(ky, (n_nodes,), dtype, -1.0, 1.0),
    )


model = NeuralMass(
    name="hopf",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.x,),
    coupling=diffusive,
    noise_vars=("x_ou", "y_ou"),
    ou_mean=lambda p: (p.x_ou_mean, p.y_ou_mean),
    input_vars=("x_ext", "y_ext"),
    output_vars=("x", "y"),
    default_output="x",
    bold_input=lambda x: (x + 1.0) * 4.0,
    param_ranges=PARAM_RANGES,
)
