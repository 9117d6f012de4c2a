"""compat ``models.bold.BOLDModel``: neurolib's sampling grid, state continued over pieces, Balloon steady state."""

import numpy as np
import pytest

from jaxbrain.compat.models import bold as bold_module
from jaxbrain.compat.models.bold import BOLDModel


def _steady_bold(z):
    """Fixed point of neurolib's Balloon–Windkessel equations for a constant drive z (X = 0, F = 1 + z/Gamma)."""
    rho, alpha, V0, Gamma = 0.34, 0.32, 0.02, 0.41
    k1, k2, k3 = 7 * rho, 2.0, 2 * rho - 0.2
    F = 1 + z / Gamma
    V = F**alpha
    Q = F / rho * (1 - (1 - rho) ** (1 / F)) / V ** (1 / alpha - 1)
    return V0 * (k1 * (1 - Q) + k2 * (1 - Q / V) + k3 * (1 - V))


def test_module_layout_as_neurolib():
    assert bold_module.BOLDModel is BOLDModel


def test_fresh_run_samples_every_two_seconds_from_step_one():
    b = BOLDModel(3, 0.1)
    assert b.samplingRate_NDt == 20000
    b.run(np.full((3, 60000), 5.0))
    np.testing.assert_allclose(b.t_BOLD, [0.1, 2000.1, 4000.1])
    assert b.BOLD.shape == (3, 3)
    assert b.idxLastT == 60000


def test_constant_drive_reaches_the_balloon_fixed_point():
    b = BOLDModel(2, 1.0)
    b.run(np.array([np.full(150000, 1.0), np.full(150000, 10.0)]))
    np.testing.assert_allclose(b.BOLD[:, -1], [_steady_bold(1.0), _steady_bold(10.0)], rtol=1e-3)
    assert _steady_bold(1.0) == pytest.approx(0.0459, abs=1e-4)  # neurolib's measured value (spec)


def test_pieces_with_append_equal_one_run():
    rng = np.random.default_rng(0)
    act = 10 + rng.standard_normal((2, 9000))
    whole = BOLDModel(2, 1.0)
    whole.run(act)
    pieces = BOLDModel(2, 1.0)
    for a, b in [(0, 2500), (2500, 6100), (6100, 9000)]:  # lengths not multiples of S = 2000
        pieces.run(act[:, a:b], append=True)
    np.testing.assert_allclose(pieces.t_BOLD, whole.t_BOLD)
    np.testing.assert_allclose(pieces.BOLD, whole.BOLD, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(pieces.V_BOLD, whole.V_BOLD, rtol=1e-10)


def test_without_append_a_piece_replaces_the_samples():
    b = BOLDModel(1, 1.0)
    b.run(np.full((1, 4000), 10.0))
    b.run(np.full((1, 4000), 10.0))
    np.testing.assert_allclose(b.t_BOLD, [4001.0, 6001.0])
    assert b.BOLD.shape == (1, 2)


@pytest.mark.parametrize("N", [0, -1, 2.5, True])
def test_bad_N(N):
    with pytest.raises(TypeError, match="N must be a positive int"):
        BOLDModel(N, 0.1)


def test_bad_dt_and_activity():
    with pytest.raises(ValueError, match="dt"):
        BOLDModel(2, 0.0)
    b = BOLDModel(2, 0.1)
    with pytest.raises(ValueError, match=r"activity must be \(N, time\)"):
        b.run(np.ones((3, 10)))
    with pytest.raises(AssertionError):  # neurolib asserts
        b.run(np.full((2, 10), np.nan))
