r"""Jansen–Rit cortical column: pyramidal cells with excitatory and inhibitory interneuron feedback.

Three populations interact through second-order synaptic kernels $h(t) = G\,k\,t\,e^{-kt}$
(excitatory: $G = A$, $k = a$; inhibitory: $G = B$, $k = b$) and a sigmoid turning mean membrane
potential into firing rate (Jansen & Rit 1995, written as six first-order equations):

$$\dot y_0 = y_3,\qquad \dot y_3 = A a\, S(y_1 - y_2) - 2 a y_3 - a^2 y_0$$
$$\dot y_1 = y_4,\qquad \dot y_4 = A a \big(p + C_2 S(C_1 y_0) + K_{gl} \textstyle\sum_m C_{nm}
  S(v_m(t - d_{nm})) + p_{ou} + p_{ext}\big) - 2 a y_4 - a^2 y_1$$
$$\dot y_2 = y_5,\qquad \dot y_5 = B b\, C_4 S(C_3 y_0) - 2 b y_5 - b^2 y_2$$

with $S(v) = 2 e_0 / (1 + e^{r (v_0 - v)})$ and $C_1 = c_1 C$, $C_2 = c_2 C$, $C_3 = c_3 C$, $C_4 = c_4 C$.
$y_0$ is the pyramidal cells' output PSP onto the interneurons, $y_1$ and $y_2$ the excitatory and
inhibitory PSPs onto the pyramidal cells; their difference $v = y_1 - y_2$ (the pyramidal membrane
potential, the EEG-like signal) is the model's output.

Units: the paper's values converted to ms: $A = 3.25$ mV, $B = 22$ mV, $a = 0.1$ /ms (100 /s),
$b = 0.05$ /ms (50 /s), $C = 135$, $e_0 = 0.0025$ /ms (2.5 /s), $v_0 = 6$ mV, $r = 0.56$ /mV and the
input $p = 0.22$ /ms (220 pulses/s, the middle of Jansen & Rit's 120–320 /s). $y_0, y_1, y_2$ are in
mV and $y_3, y_4, y_5$ in mV/ms.

Network coupling: region $m$ sends its pyramidal firing rate $S(v_m)$ (per ms), delayed, and it adds to
the external input $p$ of the excitatory PSP $y_1$ (additive coupling, as TVB's ``JansenRit`` with
``SigmoidalJansenRit`` coupling). As in TVB, the coupling sigmoid is part of the coupling, not of the
node: it uses the paper's $e_0$, $v_0$, $r$ (:func:`firing_rate`), so per-node or swept ``e0``, ``v0``,
``r`` change the local circuit only. (A different coupling sigmoid is a one-line
``model._replace(coupled=...)``.) One OU channel adds to $p$ — Jansen & Rit drove $p$ with noise.
There is no literature value for ``K_gl`` (it depends on how the weights are normalised); the default 10
makes the network input ≈ 15 % of $p$ on a max-normalised connectome such as ``gw`` (row sums ≈ 1.1,
rates ≈ 0.003 /ms), enough to shape FC without quenching the alpha rhythm.

State: the six $y$'s plus ``v``, carried so that it can be recorded and coupled: its derivative is
$y_4 - y_5$ and after every step it is reset to exactly $y_1 - y_2$ (``project``).

Regimes of one node (noise-free, varying $p$; measured here with Euler at ``dt = 0.1`` ms; see
Grimbert & Faugeras 2006 for the bifurcation analysis): a stable fixed point for $p \lesssim 0.113$ /ms;
large, slow spike-like oscillations (1.5–4 Hz) for $p \approx 0.115$–$0.14$ /ms; the alpha-band limit
cycle (10.5–11 Hz, ≈ 3.4 mV peak to peak at the default $p$) for $p \approx 0.15$–$0.36$ /ms; a
stable fixed point again by $p = 0.5$ /ms (the cycle shrinks to zero near 0.4–0.5 /ms).

BOLD drive: the pyramidal firing rate in Hz, $1000\,S(v)$ with the coupling sigmoid (0–5 Hz).

References:
    Jansen BH, Rit VG (1995) Electroencephalogram and visual evoked potential generation in a
    mathematical model of coupled cortical columns. Biol Cybern 73:357–366, doi:10.1007/BF00199471.
    Grimbert F, Faugeras O (2006) Bifurcation analysis of Jansen's neural mass model. Neural Comput
    18:3052–3068, doi:10.1162/neco.2006.18.12.3052.
    Sanz Leon P et al. (2013) The Virtual Brain. Front Neuroinform 7:10, doi:10.3389/fninf.2013.00010.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr

from ..network import additive
from ._base import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """Jansen–Rit parameters (Jansen & Rit 1995, time in ms)."""

    A: float = 3.25  # maximum excitatory PSP amplitude, mV
    B: float = 22.0  # maximum inhibitory PSP amplitude, mV
    a: float = 0.1  # excitatory synaptic rate constant (1/time constant), 1/ms
    b: float = 0.05  # inhibitory synaptic rate constant, 1/ms
    C: float = 135.0  # number of synaptic contacts (scales C1…C4)
    c1: float = 1.0  # C1 / C: pyramidal → excitatory interneurons
    c2: float = 0.8  # C2 / C: excitatory interneurons → pyramidal
    c3: float = 0.25  # C3 / C: pyramidal → inhibitory interneurons
    c4: float = 0.25  # C4 / C: inhibitory interneurons → pyramidal
    e0: float = 0.0025  # half the maximum firing rate, 1/ms (2.5 /s)
    v0: float = 6.0  # potential at half-maximal firing, mV
    r: float = 0.56  # sigmoid steepness, 1/mV
    p: float = 0.22  # external input to the pyramidal cells, 1/ms (220 pulses/s)
    K_gl: float = 10.0  # global coupling (dimensionless; network rate input is added to p), see module docstring
    p_ou_mean: float = 0.0  # mean of the OU input added to p, 1/ms
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, 1/ms/sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(
    A=NON_NEGATIVE,
    B=NON_NEGATIVE,
    a=POSITIVE,
    b=POSITIVE,
    C=NON_NEGATIVE,
    c1=NON_NEGATIVE,
    c2=NON_NEGATIVE,
    c3=NON_NEGATIVE,
    c4=NON_NEGATIVE,
    e0=NON_NEGATIVE,
    r=NON_NEGATIVE,
)


class State(NamedTuple):
    y0: jnp.ndarray  # PSP of the pyramidal output onto both interneuron populations, mV
    y1: jnp.ndarray  # excitatory PSP onto the pyramidal cells, mV
    y2: jnp.ndarray  # inhibitory PSP onto the pyramidal cells, mV
    y3: jnp.ndarray  # dy0/dt, mV/ms
    y4: jnp.ndarray  # dy1/dt, mV/ms
    y5: jnp.ndarray  # dy2/dt, mV/ms
    v: jnp.ndarray  # pyramidal membrane potential y1 − y2, mV (the output)


_DEFAULT = Params()


def sigmoid(v, e0, v0, r):
    r"""Jansen–Rit potential-to-rate sigmoid $2 e_0 / (1 + e^{r (v_0 - v)})$ (per ms for ``e0`` in 1/ms)."""
    return 2.0 * e0 / (1.0 + jnp.exp(r * (v0 - v)))


def firing_rate(v):
    """The coupling sigmoid: pyramidal firing rate (1/ms) at potential ``v`` (mV), with the paper's constants."""
    return sigmoid(v, _DEFAULT.e0, _DEFAULT.v0, _DEFAULT.r)


def dfun(state, inputs, p):
    """Time derivative of the Jansen–Rit system for every node (elementwise), per ms."""
    y0, y1, y2, y3, y4, y5, _ = state
    exc_in = p.C * p.c2 * sigmoid(p.C * p.c1 * y0, p.e0, p.v0, p.r)
    inh_in = p.C * p.c4 * sigmoid(p.C * p.c3 * y0, p.e0, p.v0, p.r)
    drive = p.p + exc_in + p.K_gl * inputs.coupling[0] + inputs.noise[0] + inputs.external[0]
    dy3 = p.A * p.a * sigmoid(y1 - y2, p.e0, p.v0, p.r) - 2.0 * p.a * y3 - p.a * p.a * y0
    dy4 = p.A * p.a * drive - 2.0 * p.a * y4 - p.a * p.a * y1
    dy5 = p.B * p.b * inh_in - 2.0 * p.b * y5 - p.b * p.b * y2
    return State(y3, y4, y5, dy3, dy4, dy5, y4 - y5)


def project(state, params):
    del params
    """Reset ``v`` to exactly ``y1 − y2`` after each step, so rounding never lets it drift."""
    return state._replace(v=state.y1 - state.y2)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """Random PSPs per node: y0 ~ U(0, 0.2) mV, y1 ~ U(0, 25) mV, y2 ~ U(0, 15) mV; derivatives 0.

    The ranges bracket the default fixed point / cycle (y0 ≈ 0.1, y1 ≈ 20, y2 ≈ 10 mV).
    """
    k0, k1, k2 = jr.split(key, 3)
    y0 = jr.uniform(k0, (n_nodes,), dtype, 0.0, 0.2)
    y1 = jr.uniform(k1, (n_nodes,), dtype, 0.0, 25.0)
    y2 = jr.uniform(k2, (n_nodes,), dtype, 0.0, 15.0)
    zero = jnp.zeros((n_nodes,), dtype)
    return State(y0, y1, y2, zero, zero, zero, y1 - y2)


model = NeuralMass(
    name="jansen_rit",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (firing_rate(s.v),),
    coupling=additive,
    noise_vars=("p_ou",),
    ou_mean=lambda p: (p.p_ou_mean,),
    input_vars=("p_ext",),
    output_vars=("v", "y0", "y1", "y2"),
    default_output="v",
    bold_input=lambda v: 1000.0 * firing_rate(v),
    project=project,
    param_ranges=PARAM_RANGES,
)
