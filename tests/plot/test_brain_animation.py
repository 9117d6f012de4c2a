"""brain_animation: one frame per chosen sample, regions recoloured per frame, GIF written by Pillow; checks."""

import shutil

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from jaxbrain import Connectome  # noqa: E402
from jaxbrain.integrate import Result  # noqa: E402
from jaxbrain.plot import brain_animation  # noqa: E402

COORDS = np.array([[0.0, 0.0, 3.0], [10.0, 0.0, 1.0], [0.0, 10.0, 4.0], [10.0, 10.0, 0.0], [5.0, 5.0, 2.0]])
WEIGHTS = np.zeros((5, 5))
WEIGHTS[0, 1] = WEIGHTS[1, 0] = 1.0
WEIGHTS[2, 3] = 0.5
T = np.arange(1, 21) * 10.0  # ms
# Node k carries k + sample / 100, so each frame's values say which sample and which node they are.
DATA = np.arange(5)[None, :] + np.arange(20)[:, None] / 100.0


def _axes():
    fig = Figure()
    return fig, fig.add_subplot()


def _nodes(ax):
    (nodes,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return nodes


def test_frames_recolour_the_regions(tmp_path):
    fig, ax = _axes()
    anim = brain_animation(DATA, (WEIGHTS, COORDS), t=T, frames=4, fps=5, filename=tmp_path / "a.gif", dpi=30, ax=ax)
    assert isinstance(anim, FuncAnimation)
    assert len(list(anim.new_saved_frame_seq())) == 4
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 4
    nodes = _nodes(ax)
    # Frames at samples 0, 6, 13, 19; saving leaves the last one drawn.
    # Each region keeps its own value: the point at region k's (x, y) shows DATA[19, k].
    which = [int(np.flatnonzero(np.all(COORDS[:, :2] == xy, axis=1))[0]) for xy in nodes.get_offsets()]
    assert sorted(which) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(nodes.get_array(), DATA[19, which])
    assert ax.get_title() == "value, t = 200 ms"
    assert nodes.get_clim() == (DATA[0].min(), DATA[19].max())  # one scale for the whole animation
    (edges,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(edges.get_segments()) == 1  # the strongest tenth of the two edges: the 0-1 pair
    assert len(fig.axes) == 2  # the colour bar


def test_a_result_chosen_samples_and_coordinates_alone(tmp_path):
    res = Result(t=T, outputs={"x": DATA, "y": -DATA}, t_bold=np.empty(0), bold=None, final=None, ok=True,
                 labels=tuple("abcde"), model="hopf", params=None)  # fmt: skip
    _, ax = _axes()
    anim = brain_animation(res, COORDS, output="y", frames=[2, -1], view="coronal", ax=ax)
    nodes = _nodes(ax)
    assert len(list(anim.new_saved_frame_seq())) == 2
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]  # no weights, no edges
    np.testing.assert_allclose(np.sort(nodes.get_array()), np.sort(-DATA[2]))
    assert ax.get_title() == "y, t = 30 ms"
    assert ax.get_xlabel().startswith("x") and ax.get_ylabel().startswith("z")
    anim.save(tmp_path / "b.gif", writer="pillow", dpi=20)  # rendered, so no "deleted without rendering"
    np.testing.assert_allclose(np.sort(nodes.get_array()), np.sort(-DATA[19]))


def test_a_connectome_and_mp4(tmp_path):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not on the PATH: matplotlib's FFMpegWriter cannot write an .mp4")
    brain = Connectome(WEIGHTS, coords=COORDS)
    brain_animation(DATA, brain, frames=3, filename=tmp_path / "a.mp4", dpi=30)
    assert (tmp_path / "a.mp4").stat().st_size > 0


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="5 node.*coordinates for 4"):
        brain_animation(DATA, COORDS[:4])
    with pytest.raises(ValueError, match=r"\(N, 3\) region centres"):
        brain_animation(DATA, COORDS[:, :2])
    with pytest.raises(ValueError, match="has no region coordinates"):
        brain_animation(DATA, Connectome(WEIGHTS))
    with pytest.raises(ValueError, match="`frames` asks for 30 frames"):
        brain_animation(DATA, COORDS, frames=30)
    with pytest.raises(ValueError, match="sample indices must lie in"):
        brain_animation(DATA, COORDS, frames=[0, 20])
    with pytest.raises(ValueError, match="`fps`"):
        brain_animation(DATA, COORDS, fps=0)
    with pytest.raises(ValueError, match="`view`"):
        brain_animation(DATA, COORDS, view="top")
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        brain_animation(DATA, COORDS, filename=tmp_path / "a.avi")
    with pytest.raises(ValueError, match="`data` contains"):
        brain_animation(np.where(DATA > 4.1, np.nan, DATA), COORDS)
    assert not list(tmp_path.iterdir())  # nothing written by a refused call
