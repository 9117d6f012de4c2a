"""Model fitting by gradient: bounded-parameter bijections and differentiable losses (FC, FCD, spectra)."""

from ._bijections import Exp as Exp
from ._bijections import Identity as Identity
from ._bijections import Interval as Interval
from ._bijections import Positive as Positive
from ._bijections import constrain as constrain
from ._bijections import unconstrain as unconstrain
from ._fit import FitResult as FitResult
from ._fit import fit as fit
from ._losses import fc_correlation_loss as fc_correlation_loss
from ._losses import fc_rmse as fc_rmse
from ._losses import fcd_ks_smooth as fcd_ks_smooth
from ._losses import psd_distance as psd_distance
from ._losses import smooth_kolmogorov_smirnov as smooth_kolmogorov_smirnov
from ._losses import welch_psd as welch_psd
