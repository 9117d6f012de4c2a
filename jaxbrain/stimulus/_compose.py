r"""Composite stimuli: sums (``a + b``), concatenation in time (``a & b``) and neurolib's rectified input."""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

from ._base import AbstractStimulus, float_dtype
from ._noise import ZeroInput
from ._waveforms import ExponentialInput, StepInput


def _check_parts(inputs, who):
    if not isinstance(inputs, tuple) or not inputs:
        raise ValueError(f"{who} needs a non-empty tuple of stimuli; got {inputs!r}")
    for part in inputs:
        if not isinstance(part, AbstractStimulus):
            raise TypeError(f"{who} parts must be stimuli; got {type(part).__name__}")


def _part_keys(key, n):
    # Deterministic parts ignore their key, so a missing key only fails in a random part.
    return (None,) * n if key is None else tuple(jr.split(key, n))


class SummedStimulus(AbstractStimulus):
    r"""The sum of several stimuli, $x = \sum_i x_i$; ``a + b + c`` builds one with three parts.

    Each part draws from its own sub-key (``jax.random.split(key, len(inputs))``).

    Args:
        inputs: tuple of stimuli.

    Example:
        >>> from jaxbrain.stimulus import StepInput
        >>> (StepInput(1.0) + StepInput(2.0, start=0.1)).generate(0.3, 0.1, 1)[:, 0].tolist()
        [1.0, 3.0, 3.0]
    """

    inputs: tuple = eqx.field(converter=tuple)

    def __check_init__(self):
        _check_parts(self.inputs, "SummedStimulus")

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        keys = _part_keys(key, len(self.inputs))
        total = jnp.zeros((n_rows, n_nodes), float_dtype())
        for part, k in zip(self.inputs, keys):
            total = total + part._rows(n_rows, dt, n_nodes, k)
        return total


def segment_lengths(n_rows: int, ratios) -> tuple[int, ...]:
    r"""Rows of each part of a concatenation of ``n_rows`` rows, neurolib's rule.

    Part $i$ is generated for the duration $D\,r_i / \sum r$, i.e. $n_i = \lceil T r_i/\sum r \rceil$ rows
    (the length of ``np.arange(dt, d + dt, dt)``), and the concatenation is cut to $T$ rows, which shortens
    the last parts when the ceilings overshoot.
    """
    total = float(sum(ratios))
    lengths = []
    for r in ratios:
        exact = n_rows * float(r) / total
        nearest = round(exact)
        lengths.append(int(nearest if abs(exact - nearest) <= 1e-6 * max(1.0, exact) else math.ceil(exact)))
    return tuple(lengths)


class ConcatenatedStimulus(AbstractStimulus):
    r"""Stimuli played one after another, part $i$ lasting the fraction $r_i / \sum_j r_j$ of the duration.

    ``a & b & c`` builds one with three equal parts (neurolib's ``ConcatenatedStimulus``). Each part runs on its
    own clock from its own start, so a part's ``start``/``end`` are relative to the part and an
    :class:`ExponentialInput` part spans its part, not the whole duration. Part lengths in rows follow
    :func:`segment_lengths`.

    Args:
        inputs: tuple of stimuli.
        length_ratios: one positive ratio per part; default equal parts.

    Example:
        >>> from jaxbrain.stimulus import StepInput, ZeroInput
        >>> (StepInput(1.0) & ZeroInput()).generate(0.4, 0.1, 1)[:, 0].tolist()
        [1.0, 1.0, 0.0, 0.0]
    """

    inputs: tuple = eqx.field(converter=tuple)
    length_ratios: tuple | None = eqx.field(default=None, static=True)

    def __post_init__(self):
        # Runs inside the generated __init__, before __check_init__, so the default can be filled in.
        if self.length_ratios is None:
            object.__setattr__(self, "length_ratios", (1.0,) * len(self.inputs))
        else:
            object.__setattr__(self, "length_ratios", tuple(float(r) for r in self.length_ratios))

    def __check_init__(self):
        _check_parts(self.inputs, "ConcatenatedStimulus")
        if len(self.length_ratios) != len(self.inputs):
            raise ValueError(
                f"length_ratios must have one entry per part ({len(self.inputs)}); got {self.length_ratios}"
            )
        if not all(math.isfinite(r) and r > 0 for r in self.length_ratios):
            raise ValueError(f"length_ratios must be positive and finite; got {self.length_ratios}")

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        keys = _part_keys(key, len(self.inputs))
        pieces, used = [], 0
        for part, k, rows in zip(self.inputs, keys, segment_lengths(n_rows, self.length_ratios)):
            keep = min(rows, n_rows - used)
            if keep > 0:
                pieces.append(part._rows(rows, dt, n_nodes, k)[:keep])
            used += keep
        if used < n_rows:
            pieces.append(jnp.zeros((n_rows - used, n_nodes), float_dtype()))
        return jnp.concatenate(pieces, axis=0)


def rectified_input(amplitude, *, start=0.0, end=None, nodes=None) -> ConcatenatedStimulus:
    r"""neurolib's ``RectifiedInput``: a negative step that relaxes, then a positive step that decays.

    Five parts with length ratios 0.5 : 2.5 : 0.5 : 1.5 : 1 — a step to $-A$; an exponential rise
    ($c = 12.5$) from $-A$ to 0; a step to $+A$; an exponential decay ($c = 7.5$) from $A$; zero. Used to
    probe bistability (a state switched by the pulses stays switched).

    Args:
        amplitude: $A$ (scalar or per node).
        start, end, nodes: as for every stimulus, applied to the whole sequence.

    Example:
        >>> from jaxbrain.stimulus import rectified_input
        >>> rectified_input(0.2).generate(10.0, 0.1, 2).shape
        (100, 2)
    """
    if isinstance(amplitude, (list, tuple)):
        amplitude = jnp.asarray(amplitude, float_dtype())
    parts = (
        StepInput(-amplitude),
        ExponentialInput(amplitude, exp_coef=12.5, exp_type="rise") + StepInput(-amplitude),
        StepInput(amplitude),
        ExponentialInput(amplitude, exp_coef=7.5, exp_type="decay"),
        ZeroInput(),
    )
    return ConcatenatedStimulus(parts, (0.5, 2.5, 0.5, 1.5, 1.0), start=start, end=end, nodes=nodes)
