"""The simulation driver: one jitted, chunked ``lax.scan`` for every model."""

from ._result import Result as Result
from ._scan import SimState as SimState
from ._simulate import delay_plan as delay_plan
from ._simulate import initial_state as initial_state
from ._simulate import simulate as simulate
