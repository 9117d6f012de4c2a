"""What each neurolib model class needs besides the jaxbrain model bundle: neurolib's parameter and
initial-value names, its initial-value draws (same numpy stream for a given seed), extra defaults and inputs."""

from __future__ import annotations

import numpy as np

from ...models import aln as _aln
from ...models import fhn as _fhn
from ...models import hopf as _hopf
from ...models import kuramoto as _kuramoto
from ...models import thalamus as _thalamus
from ...models import wc as _wc
from ...models import ww as _ww


class _Spec:
    """What a neurolib model class needs besides the jaxbrain model bundle."""

    def __init__(
        self,
        model,
        init_vars,
        ou_vars,
        draw_init,
        extra_defaults,
        time_inputs,
        constant_inputs,
        *,
        param_names=None,
        per_node=(),
        single_node=False,
        delay_lengths=None,
        neurolib_name=None,
    ):
        self.model = model
        self.neurolib_name = neurolib_name or model.name  # neurolib's Model.name (params["model"])
        self.init_vars = init_vars  # neurolib init var name per State field
        self.ou_vars = ou_vars  # neurolib name of each OU channel's initial value
        self.draw_init = draw_init  # (RandomState, N) -> {init_var: array}, neurolib's draw order
        self.extra_defaults = extra_defaults  # neurolib-only keys (e.g. "coupling"), or other run defaults ("dt")
        self.time_inputs = time_inputs  # neurolib param name -> jaxbrain input name
        self.constant_inputs = constant_inputs  # neurolib param name -> jaxbrain Params field when constant
        self.param_names = param_names or {}  # Params field -> neurolib name, where they differ
        self.per_node = per_node  # Params fields neurolib stores as (N,) arrays
        self.single_node = single_node  # neurolib's class takes no Cmat/Dmat
        self.delay_lengths = delay_lengths  # (params, dt) -> lengths (mm) to run with; None: params["lengthMat"]

    def key(self, field):
        """The neurolib parameter name of a Params field."""
        return self.param_names.get(field, field)


def _uniform_pair(names, low, high, scale):
    def draw(rng, n):
        return {name: scale * rng.uniform(low, high, (n, 1)) for name in names}

    return draw


def _draw_aln(rng, n):
    # neurolib's draw order (models/aln/loadDefaultParams.py): per-node vectors, then the (N, 1) histories.
    draws = {}
    for name, scale in (
        ("mufe_init", 3.0),
        ("mufi_init", 3.0),
        ("seem_init", 0.5),
        ("seim_init", 0.5),
        ("seev_init", 0.001),
        ("seiv_init", 0.001),
        ("siim_init", 0.5),
        ("siem_init", 0.5),
        ("siiv_init", 0.01),
        ("siev_init", 0.01),
    ):
        draws[name] = scale * rng.uniform(0.0, 1.0, n)
    for name, scale in (("rates_exc_init", 0.01), ("rates_inh_init", 0.01), ("IA_init", 200.0)):
        draws[name] = scale * rng.uniform(0.0, 1.0, (n, 1))
    return draws


def _draw_ww(rng, n):
    draws = _uniform_pair(("ses_init", "sis_init"), 0.0, 1.0, 0.05)(rng, n)
    # neurolib has no initial rates until a run writes them back; they never affect a run (algebraic).
    return {"r_exc": np.zeros((n, 1)), "r_inh": np.zeros((n, 1)), **draws}


def _draw_thalamus(rng, n):
    # neurolib's generateRandomICs: V_t, V_r ~ U(−75, −50), then Q_t, Q_r ~ U(0, 200) (drawn but unused by the
    # dynamics, which start from Q(V_init)), then fixed values.
    draws = {}
    for name, low, high in (
        ("V_t_init", -75.0, -50.0),
        ("V_r_init", -75.0, -50.0),
        ("Q_t_init", 0.0, 200.0),
        ("Q_r_init", 0.0, 200.0),
    ):
        draws[name] = rng.uniform(low, high, (n,))
    for field in _thalamus.State._fields[4:]:
        draws[f"{field}_init"] = np.array(2.4e-4 if field == "Ca" else 0.0)
    return draws


def _kuramoto_lengths(p, dt):
    """Fibre lengths to run with: ``lengthMat``, or with ``legacy_delays`` lengths whose delay in steps is
    neurolib's ``int(lengthMat / signalV)`` (the delay in ms truncated, used as a number of steps)."""
    lengths = np.asarray(p["lengthMat"], dtype=np.float64)
    signal_v = float(p["signalV"])
    if not p.get("legacy_delays") or signal_v <= 0:
        return lengths
    return np.trunc(lengths / signal_v) * signal_v * dt


_SPECS = {
    "aln": _Spec(
        _aln.model,
        init_vars=tuple(f"{field}_init" for field in _aln.State._fields),
        ou_vars=("mue_ou", "mui_ou"),
        draw_init=_draw_aln,
        # Parameters neurolib lists that only shaped the tables or switch off unported variants; accepted, unused.
        extra_defaults={
            "EL": -65.0,
            "DeltaT": 1.5,
            "VT": -50.0,
            "Vr": -70.0,
            "Vs": -40.0,
            "Tref": 1.5,
            "tau_de": 1.0,
            "tau_di": 1.0,
            "distr_delay": 0,
            "filter_sigma": 0,
            "fast_interp": 1,
            "dosc_version": 0,
            "warn": 0,
        },
        time_inputs={name: name for name in _aln.model.input_vars},
        constant_inputs={},
    ),
    "hopf": _Spec(
        _hopf.model,
        init_vars=("xs_init", "ys_init"),
        ou_vars=("x_ou", "y_ou"),
        draw_init=_uniform_pair(("xs_init", "ys_init"), -1.0, 1.0, 0.5),
        extra_defaults={"coupling": "diffusive"},
        time_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
        constant_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
    ),
    "fhn": _Spec(
        _fhn.model,
        init_vars=("xs_init", "ys_init"),
        ou_vars=("x_ou", "y_ou"),
        draw_init=_uniform_pair(("xs_init", "ys_init"), 0.0, 1.0, 0.05),
        extra_defaults={"coupling": "diffusive"},
        time_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
        constant_inputs={"x_ext": "x_ext", "y_ext": "y_ext"},
    ),
    "wc": _Spec(
        _wc.model,
        init_vars=("exc_init", "inh_init"),
        ou_vars=("exc_ou", "inh_ou"),
        draw_init=_uniform_pair(("exc_init", "inh_init"), 0.0, 1.0, 0.05),
        extra_defaults={},
        time_inputs={"exc_ext": "exc_ext", "inh_ext": "inh_ext"},
        constant_inputs={},
    ),
    "ww": _Spec(
        _ww.model,
        init_vars=("r_exc", "r_inh", "ses_init", "sis_init"),
        ou_vars=("exc_ou", "inh_ou"),
        draw_init=_draw_ww,
        extra_defaults={},
        time_inputs={"exc_current": "exc_current", "inh_current": "inh_current"},
        constant_inputs={},
        neurolib_name="wongwang",
    ),
    "kuramoto": _Spec(
        _kuramoto.model,
        init_vars=("theta_init",),
        ou_vars=("theta_ou",),
        draw_init=_uniform_pair(("theta_init",), 0.0, 2.0 * np.pi, 1.0),
        extra_defaults={"legacy_delays": False},
        time_inputs={"theta_ext": "theta_ext"},
        constant_inputs={},
        param_names={"K_gl": "k"},
        per_node=("omega",),
        delay_lengths=_kuramoto_lengths,
    ),
    "thalamus": _Spec(
        _thalamus.model,
        init_vars=tuple(f"{field}_init" for field in _thalamus.State._fields),
        ou_vars=(),
        draw_init=_draw_thalamus,
        extra_defaults={"dt": _thalamus.DT, "duration": 60000.0},
        time_inputs={},
        constant_inputs={},
        single_node=True,
    ),
}
