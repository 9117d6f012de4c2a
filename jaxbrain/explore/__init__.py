"""Parameter exploration: spaces, batched sweeps streamed to disk, and what each simulation keeps."""

from ._evaluate import bold as bold
from ._evaluate import combine as combine
from ._evaluate import evaluator as evaluator
from ._evaluate import fc_fit as fc_fit
from ._evaluate import fcd_ks as fcd_ks
from ._evaluate import trace as trace
from ._evaluate import window_stats as window_stats
from ._space import ParameterSpace as ParameterSpace
from ._store import SweepStore as SweepStore
from ._sweep import SweepResult as SweepResult
from ._sweep import sweep as sweep
