"""Balloon–Windkessel BOLD model, integrated inside the simulation loop (streaming)."""

from ._balloon import BalloonParams as BalloonParams
from ._balloon import BalloonState as BalloonState
from ._balloon import balloon_init as balloon_init
from ._balloon import balloon_step as balloon_step
from ._balloon import bold_signal as bold_signal
from ._offline import bold_continue as bold_continue
from ._offline import bold_offline as bold_offline
