"""The simulation driver: one jitted, chunked ``lax.scan`` for every model."""

from ._memory import check_memory as check_memory
from ._memory import estimate_bytes as estimate_bytes
from ._memory import memory_limit as memory_limit
from ._plan import Plan as Plan
from ._plan import delay_plan as delay_plan
from ._plan import prepare as prepare
from ._result import Result as Result
from ._scan import SimState as SimState
from ._simulate import initial_state as initial_state
from ._simulate import run as run
from ._simulate import simulate as simulate
