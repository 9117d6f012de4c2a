"""Activity on the brain as an animation: the regions at their coordinates, coloured by a signal over time."""

from __future__ import annotations

import os

import numpy as np

from ..network import Connectome
from ._common import as_finite, series
from ._network import _VIEWS, _weights_and_coords, brain_network

_DEFAULT_FRAMES = 100


def brain_animation(
    data,
    network,
    *,
    output=None,
    t=None,
    frames=None,
    fps=10.0,
    view="axial",
    filename=None,
    ax=None,
    cmap="viridis",
    vmin=None,
    vmax=None,
    threshold=None,
    percentile=None,
    node_size=60.0,
    dpi=80,
):
    """Animate a signal on the brain: each region at its coordinates, coloured by its value at each frame's time.

    The figure is :func:`brain_network` (regions projected onto one anatomical ``view``, with the strongest
    edges when the network has weights), and every frame recolours the regions with the signal at one sample,
    on one colour scale for the whole animation; the title gives the frame's time in ms. Save it as a GIF
    (matplotlib's ``PillowWriter``, needs only Pillow) or MP4 (``FFMpegWriter``, needs ``ffmpeg`` on the
    ``PATH``), or show it in a notebook with ``IPython.display.HTML(anim.to_jshtml())``.

    Args:
        data: an unbatched :class:`~jaxbrain.Result` (its ``output``, default the model's main output; or
            ``"BOLD"``), or a ``(time, node)`` array (with ``t`` its sample times in ms).
        network: the region coordinates: a :class:`~jaxbrain.Connectome` with ``coords``, a tuple
            ``(weights, coords)``, or an ``(N, 3)`` array of coordinates alone (no edges drawn).
        output: which output of a Result to show (``"BOLD"`` for its BOLD signal).
        t: sample times in ms of an array ``data``; default the sample numbers.
        frames: the samples to show: a number of frames spread evenly over the whole series (default up to
            100), or a sequence of sample indices.
        fps: frames per second of the saved animation.
        view: ``"axial"``, ``"sagittal"`` or ``"coronal"``, as for :func:`brain_network`.
        filename: also save the animation here: ``.gif`` (Pillow) or ``.mp4`` (ffmpeg).
        ax: the ``matplotlib`` axes to draw on; default a new figure (not registered with ``pyplot``).
        cmap: the colour map of the signal.
        vmin: lower end of the colour scale (default the smallest value shown).
        vmax: upper end of the colour scale (default the largest value shown).
        threshold: draw the edges above this weight (see :func:`brain_network`).
        percentile: draw the edges at or above this percentile of the weights (default: the strongest tenth).
        node_size: marker area in points².
        dpi: resolution of the saved frames.

    Returns:
        The :class:`matplotlib.animation.FuncAnimation` (its frames are the chosen samples). Keep a reference
        to it until it is saved or shown; ``anim.save(path, writer=...)`` saves it in any other format.

    Raises:
        ValueError: misshapen or non-finite data or coordinates, a node count that differs from the
            coordinates', frame indices out of range, a non-positive ``fps``, an unknown ``view``, a ``filename``
            that is neither ``.gif`` nor ``.mp4``.
        RuntimeError: an ``.mp4`` ``filename`` while ``ffmpeg`` is not available.

    Example:
        >>> ds = Dataset("gw")
        >>> brain = Connectome.from_dataset(ds)
        >>> res = simulate("hopf", hopf.Params(K_gl=2.0, sigma_ou=0.1), brain, key=jr.key(0), duration=2000.0,
        ...                sampling_dt=10.0)
        >>> anim = brain_animation(res, brain, frames=100, fps=20, view="sagittal", filename="activity.gif")
    """
    from matplotlib.animation import FuncAnimation

    s = series("data", data, output=output, t=t)
    ts, times = s.ts, s.t
    n_time, n_nodes = ts.shape
    weights_coords = _network(network)
    weights, coords = _weights_and_coords(weights_coords)
    n_coords = coords.shape[0]
    if n_coords != n_nodes:
        raise ValueError(f"`data` has {n_nodes} node(s) but `network` has coordinates for {n_coords} region(s)")
    if view not in _VIEWS:
        raise ValueError(f"`view` must be one of {', '.join(map(repr, _VIEWS))}; got {view!r}")
    idx = _frames(frames, n_time)
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.number)) or not fps > 0 or not np.isfinite(fps):
        raise ValueError(f"`fps` must be a positive number of frames per second; got {fps!r}")
    writer = None if filename is None else _writer(filename, fps)

    shown = ts[idx]
    lo = float(shown.min()) if vmin is None else vmin
    hi = float(shown.max()) if vmax is None else vmax
    label = s.name or "value"
    fig = brain_network((weights, coords), shown[0], threshold=threshold, percentile=percentile, view=view, ax=ax,
                        cmap=cmap, node_size=node_size, value_label=label, vmin=lo, vmax=hi)  # fmt: skip
    ax = fig.axes[0] if ax is None else ax
    nodes = ax.collections[-1]  # brain_network draws the regions last
    _, _, depth, toward_viewer = _VIEWS[view]
    front = np.argsort(toward_viewer * coords[:, depth], kind="stable")  # brain_network's drawing order
    title = ax.set_title("")

    def when(k):
        sample = idx[k]
        return f"t = {times[sample]:g} ms" if times is not None else f"sample {sample}"

    def draw(k):
        nodes.set_array(shown[k][front])
        title.set_text(f"{label}, {when(k)}")
        return nodes, title

    draw(0)
    anim = FuncAnimation(fig, draw, frames=len(idx), interval=1000.0 / fps, blit=False, repeat=True)
    if writer is not None:
        anim.save(os.fspath(filename), writer=writer, dpi=dpi)
    return anim


def _network(network):
    """A Connectome or a (weights, coords) tuple as given; coordinates alone become a pair with no edges."""
    if isinstance(network, (Connectome, tuple)):
        return network
    coords = as_finite("network", network, ndim=2)
    if coords.shape[1] != 3:
        raise ValueError(f"`network` coordinates must be (N, 3) region centres; got shape {coords.shape}")
    return np.zeros((coords.shape[0],) * 2), coords


def _frames(frames, n_time):
    if frames is None:
        frames = min(n_time, _DEFAULT_FRAMES)
    if isinstance(frames, (int, np.integer)) and not isinstance(frames, bool):
        if frames < 1:
            raise ValueError(f"`frames` must be at least 1; got {frames}")
        if frames > n_time:
            raise ValueError(f"`frames` asks for {frames} frames of a series of {n_time} samples")
        return np.unique(np.round(np.linspace(0, n_time - 1, frames)).astype(np.int64))
    idx = np.asarray(frames)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise ValueError(f"`frames` must be a number of frames or a sequence of sample indices; got {frames!r}")
    if idx.min() < -n_time or idx.max() >= n_time:
        raise ValueError(f"`frames`: sample indices must lie in [-{n_time}, {n_time}); got {idx.min()}..{idx.max()}")
    return idx % n_time


def _writer(filename, fps):
    from matplotlib import animation

    suffix = os.path.splitext(os.fspath(filename))[1].lower()
    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise RuntimeError("saving an .mp4 needs ffmpeg on the PATH; install it or save a .gif (Pillow)")
        return animation.FFMpegWriter(fps=fps)
    raise ValueError(f"`filename` must end in .gif or .mp4; got {os.fspath(filename)!r}")
