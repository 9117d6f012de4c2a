"""Network structure: the connectome, delays in steps and coupling functions."""

from ._connectome import Connectome as Connectome
from ._coupling import COUPLINGS as COUPLINGS
from ._coupling import additive as additive
from ._coupling import coupling_by_name as coupling_by_name
from ._coupling import diffusive as diffusive
from ._delays import block_read_plan as block_read_plan
from ._delays import delay_steps as delay_steps
from ._delays import fractional_read_plan as fractional_read_plan
from ._delays import max_delay_steps as max_delay_steps
from ._read import BACKENDS as BACKENDS
from ._read import ReadBackend as ReadBackend
from ._read import gather_sum as gather_sum
from ._read import window_sum as window_sum
