r"""Montbrió–Pazó–Roxin (MPR) mean field: the exact firing-rate equations of a population of QIF neurons.

For all-to-all coupled quadratic integrate-and-fire neurons with Lorentzian-distributed excitabilities
(centre $\bar\eta$, half-width $\Delta$), the population firing rate $r$ and mean membrane potential $V$
obey exactly the firing-rate equations of Montbrió, Pazó & Roxin (2015):

$$\tau \dot r = \frac{\Delta}{\pi \tau} + 2 r V + r_{ou} + r_{ext}$$
$$\tau \dot V = V^2 + \bar\eta + J \tau r - (\pi \tau r)^2 + I
  + K_{gl}\,\tau \textstyle\sum_m C_{nm}\, r_m(t - d_{nm}) + V_{ou} + V_{ext}$$

Units: time and $\tau$ in ms, so $r$ is in kHz (spikes/ms); $V$, $\bar\eta$, $\Delta$, $J$ and $I$ are
dimensionless (voltages in the QIF model's scaled units). The network input enters the voltage
equation as extra recurrent excitation from the other regions' rates, as in The Virtual Brain's
``MontbrioPazoRoxin`` model with coupling on ``r`` (``cr = 1``, ``cv = 0``) used by Rabuffo et al. (2021);
it is multiplied by $\tau$ like the local term $J\tau r$ so that ``K_gl`` is dimensionless and equals
TVB's ``G`` for $\tau = 1$. Coupling is additive and delayed; OU noise and external inputs enter inside
the brackets (both channels). After every Euler step $r$ is clamped at 0 (a rate; only noise on $r$ can
push it below).

Fixed points: $\dot r = 0$ gives $V^* = -\Delta / (2\pi\tau r^*)$; inserting it into $\dot V = 0$ gives,
with $u = \tau r^*$ and $c$ the constant network input,

$$\pi^2 u^4 - J u^3 - (\bar\eta + I + K_{gl}\tau c)\,u^2 - \frac{\Delta^2}{4\pi^2} = 0,$$

whose positive roots are the steady states (:func:`fixed_points`). Regimes (Montbrió et al. 2015, Fig. 1):
for $J = 15$, $\Delta = 1$ the node is bistable for $\bar\eta$ between about $-5.74$ and $-3.14$ — a
low-activity node ($\tau r^* \approx 0.081$ at $\bar\eta = -5$) and a high-activity focus
($\tau r^* \approx 1.03$) separated by a saddle; below it only the low state, above it only the high
state exists. The defaults are that bistable point (TVB's defaults, with $\tau$ in ms); Rabuffo et al.
work at $\Delta = 0.7$, $\bar\eta = -4.6$, $J = 14.5$, inside the bistable range of those values
($-5.34 < \bar\eta < -2.46$).

$\tau = 10$ ms (a membrane time constant) puts the rates in the physiological range (≈ 8 Hz low,
≈ 100 Hz high) and keeps Euler stable at the default ``dt = 0.1`` ms for the defaults. Euler is stable on
the high-activity focus only for $dt < 2|\mathrm{Re}\,\lambda| / |\lambda|^2$: $0.056\,\tau$ at the
defaults, but less under stronger drive (e.g. $0.0094\,\tau$ at $\bar\eta = -2$, $J = 16.6$), so check that
halving ``dt`` leaves a result unchanged. TVB's $\tau = 1$ is the same system 10× faster and needs
``dt`` ≤ 0.01 ms.

BOLD drive: the rate in kHz, unscaled ($\approx 0.008$ low, $\approx 0.1$ high at $\tau = 10$ ms), so the
Balloon–Windkessel flow stays near its linear range (steady flow $1 + z/\Gamma$, i.e. 2–25 % above rest).

References:
    Montbrió E, Pazó D, Roxin A (2015) Macroscopic description for networks of spiking neurons.
    Phys Rev X 5:021028, doi:10.1103/PhysRevX.5.021028.
    Rabuffo G, Fousek J, Bernard C, Jirsa V (2021) Neuronal cascades shape whole-brain functional
    dynamics at rest. eNeuro 8:ENEURO.0283-21.2021, doi:10.1523/ENEURO.0283-21.2021.
    Sanz Leon P et al. (2013) The Virtual Brain: a simulator of primate brain network dynamics.
    Front Neuroinform 7:10, doi:10.3389/fninf.2013.00010.
"""

from typing import NamedTuple

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from ..network import additive
from ._base import NON_NEGATIVE, POSITIVE, NeuralMass, valid_ranges


class Params(NamedTuple):
    """MPR parameters (Montbrió et al. 2015 bistable point; time in ms)."""

    tau: float = 10.0  # membrane time constant, ms
    Delta: float = 1.0  # half-width of the excitability distribution (dimensionless)
    eta: float = -5.0  # centre of the excitability distribution, eta-bar (dimensionless)
    J: float = 15.0  # recurrent synaptic weight (dimensionless)
    I: float = 0.0  # constant external current (dimensionless)  # noqa: E741
    K_gl: float = 0.5  # global coupling (dimensionless; TVB G at tau = 1); no literature default, depends on C
    r_ou_mean: float = 0.0  # mean of the OU input to r, kHz
    V_ou_mean: float = 0.0  # mean of the OU input to V (dimensionless)
    tau_ou: float = 5.0  # OU time constant, ms
    sigma_ou: float = 0.0  # OU noise strength, units of the channel / sqrt(ms)


# The physically valid values (the boundary refuses concrete values outside them); tau_ou > 0, sigma_ou >= 0 included.
PARAM_RANGES = valid_ranges(tau=POSITIVE, Delta=NON_NEGATIVE)


class State(NamedTuple):
    r: jnp.ndarray  # population firing rate, kHz
    V: jnp.ndarray  # mean membrane potential (dimensionless)


def dfun(state, inputs, p):
    """Time derivative of the MPR system for every node (elementwise), per ms."""
    r, v = state
    tau_r = p.tau * r
    dr = (p.Delta / (jnp.pi * p.tau) + 2.0 * r * v + inputs.noise[0] + inputs.external[0]) / p.tau
    dv = (
        v * v
        + p.eta
        + p.J * tau_r
        - (jnp.pi * tau_r) ** 2
        + p.I
        + p.K_gl * p.tau * inputs.coupling[0]
        + inputs.noise[1]
        + inputs.external[1]
    ) / p.tau
    return State(dr, dv)


def project(state, params):
    del params
    """A firing rate is non-negative: clamp ``r`` at 0 after each step."""
    return State(jnp.maximum(state.r, 0.0), state.V)


def init_state(key, n_nodes, params, dtype=jnp.float32):
    """Random initial conditions per node: ``τ·r`` ~ U(0, 1.5) (so r ~ U(0, 0.15) kHz at τ = 10 ms), V ~ U(−2, 1.5).

    The ranges straddle both branches of the bistable regime, so a network starts with a mix.
    """
    kr, kv = jr.split(key)
    tau = Params().tau
    return State(
        jr.uniform(kr, (n_nodes,), dtype, 0.0, 1.5) / tau,
        jr.uniform(kv, (n_nodes,), dtype, -2.0, 1.5),
    )


def fixed_points(params=None, coupling_input=0.0):
    r"""Steady states ``(r*, V*)`` of one node with a constant network input, from the quartic above.

    Args:
        params: scalar :class:`Params` (default ``Params()``).
        coupling_input: constant $c = \sum_m C_{nm} r_m$ the node receives, kHz.

    Returns:
        ``(r, V)``: numpy arrays of the steady states, ``r`` ascending (kHz). With three roots the
        middle one is the saddle.

    Example:
        >>> r, v = fixed_points(Params())
        >>> len(r)
        3
    """
    p = Params() if params is None else params
    drive = p.eta + p.I + p.K_gl * p.tau * coupling_input
    roots = np.roots([np.pi**2, -p.J, -drive, 0.0, -(p.Delta**2) / (4.0 * np.pi**2)])
    u = np.sort(roots[(np.abs(roots.imag) < 1e-9) & (roots.real > 0)].real)
    r = u / p.tau
    return r, -p.Delta / (2.0 * np.pi * p.tau * r)


model = NeuralMass(
    name="mpr",
    Params=Params,
    State=State,
    dfun=dfun,
    init_state=init_state,
    coupled=lambda s: (s.r,),
    coupling=additive,
    noise_vars=("r_ou", "V_ou"),
    ou_mean=lambda p: (p.r_ou_mean, p.V_ou_mean),
    input_vars=("r_ext", "V_ext"),
    output_vars=("r", "V"),
    default_output="r",
    project=project,
    param_ranges=PARAM_RANGES,
)
