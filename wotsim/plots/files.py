"""Rendering figures and writing them to disk, safely: :func:`render_figures`, :func:`figure_dir`, :func:`save_figure`.

Figures are written only into a real directory (never through a symbolic link), each file to a
new temporary sibling opened with ``O_CREAT | O_EXCL | O_NOFOLLOW`` relative to that directory
and renamed into place, under names checked by :mod:`wotsim._paths`.  SVG output is reproducible.

Rendering is most of a report's figure time (constrained layout and text on every draw), so
:func:`render_figures` renders many figures in forked worker processes when more than one CPU
is available: each figure is drawn in one process, its formats in the order asked, exactly as
:func:`save_figure` would draw them, so the bytes are the same as rendering them one by one.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import stat
from pathlib import Path
from typing import Callable, Mapping, Sequence

import matplotlib
from matplotlib.figure import Figure

from .._fork import fork_pool, fork_workers
from .._paths import file_name
from ..errors import WotsimError

__all__ = ["PARALLEL_MIN_FIGURES", "figure_bytes", "figure_dir", "png_bytes", "render_figures", "save_figure"]

#: Fewest figures :func:`render_figures` renders in worker processes (below, starting them does not pay).
PARALLEL_MIN_FIGURES = 4


def figure_dir(directory: str | Path) -> int:
    """Open ``directory`` (created if missing) for writing figures; returns a descriptor to close.

    Refused with a one-line :class:`WotsimError`: a directory that is a symbolic link (or is
    replaced by one while it is opened), and a path that exists and is not a directory.  Writing
    through the returned descriptor keeps every file inside this very directory.
    """
    directory = Path(directory)
    if directory.is_symlink():
        raise WotsimError(f"{directory}: is a symbolic link; wotsim writes figures only into a real directory "
                          "(choose another output directory or remove the link)")
    if directory.exists() and not directory.is_dir():
        raise WotsimError(f"{directory}: exists and is not a directory; choose another output directory")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise WotsimError(f"{directory}: is a symbolic link or not a directory; wotsim writes figures only "
                              "into a real directory") from None
        raise


def png_bytes(fig: Figure, *, dpi: int = 150) -> bytes:
    """The PNG :func:`save_figure` writes for ``fig`` at ``dpi``, as bytes (render once, embed and save them)."""
    return figure_bytes(fig, "png", dpi=dpi)


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = 150) -> bytes:
    """The file :func:`save_figure` writes for ``fig`` in format ``fmt`` (SVG reproducible: no date, fixed id salt)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "wotsim"}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


#: The figures a forked worker renders: (figures, formats, dpi), set by :func:`render_figures` before it forks.
_JOBS: tuple = ()


def _render_job(i: int) -> dict[str, bytes]:
    figures, formats, dpi = _JOBS
    return _render(figures[i], formats, dpi)


def _render(fig: Figure | Callable[[], Figure], formats: Sequence[str], dpi: int) -> dict[str, bytes]:
    fig = fig if isinstance(fig, Figure) else fig()
    return {fmt: figure_bytes(fig, fmt, dpi=dpi) for fmt in formats}


def render_figures(figures: Sequence[Figure | Callable[[], Figure]], formats: Sequence[str] = ("png",), *,
                   dpi: int = 150,
                   processes: int | None = None) -> list[dict[str, bytes]]:
    """Render each figure in each format (in that order), as :func:`save_figure` would write them.

    Parameters
    ----------
    figures : sequence of Figure, or of functions that draw one
        A function (``functools.partial(plots.tornado, result)``) is called where its figure is rendered, so
        that drawing the figures is shared out among the workers too.
    formats : sequence of str
        File formats known to matplotlib; each figure is drawn in them in this order, in one process.
    dpi : int
        Resolution of raster formats.
    processes : int, optional
        Worker processes; default the CPUs available (:func:`wotsim._fork.fork_workers`), at most one per
        figure.  With 1, fewer than :data:`PARALLEL_MIN_FIGURES` figures, or where processes cannot
        be forked, the figures are rendered here, one by one.  The workers are forked (they share
        the figures drawn so far) and the bytes are the same either way.

    Returns
    -------
    list of dict
        Per figure, format -> bytes.
    """
    global _JOBS
    formats = tuple(formats)
    n = len(figures)
    workers = fork_workers(n, processes)
    if workers < 2 or n < PARALLEL_MIN_FIGURES:
        return [_render(fig, formats, dpi) for fig in figures]
    _JOBS = (tuple(figures), formats, dpi)
    try:
        with fork_pool(workers) as pool:
            if pool is None:  # no shared-memory semaphores (some sandboxes): render here
                return [_render_job(i) for i in range(n)]
            return pool.map(_render_job, range(n), chunksize=1)
    finally:
        _JOBS = ()


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png", "svg"),
                dpi: int = 150, rendered: Mapping[str, bytes] | None = None) -> tuple[Path, ...]:
    """Write ``fig`` to ``path.<format>`` for each format, each file atomically, never through a link.

    ``path.name`` must be a safe file name (:func:`wotsim._paths.file_name`: letters, digits,
    ``_``, ``-``, ``.``; no separator, no ``..``, no leading dot), so every file lands in
    ``path.parent``.  That directory is created if missing and refused if it is a symbolic link
    (:func:`figure_dir`); a final path that is a symbolic link is refused too.  Each file is
    written to a new temporary sibling (``O_CREAT | O_EXCL | O_NOFOLLOW``, relative to the opened
    directory) and renamed into place with :func:`os.replace`, so a reader never sees half a
    file and no other file is ever written.  SVG output is reproducible (no date, fixed id salt).

    Parameters
    ----------
    fig : Figure
    path : str or Path
        Path without suffix, e.g. ``figures/social_ratio``.
    formats : sequence of str
        File formats known to matplotlib.
    dpi : int
        Resolution of raster formats.
    rendered : mapping of format -> bytes, optional
        Files already rendered (by :func:`figure_bytes`, :func:`png_bytes` or :func:`render_figures`), written as
        they are instead of rendering again.

    Returns
    -------
    tuple of Path
        The files written, in the order of ``formats``.

    Raises
    ------
    WotsimError
        For an unsafe name or format, a symbolic link, or a directory path that is a file.
    """
    path = Path(path)
    stem = file_name(path.name, "figure name")
    names = [file_name(f"{stem}.{fmt}", "figure file") for fmt in formats]
    directory = path.parent
    dir_fd = figure_dir(directory)
    written = []
    try:
        for fmt, name in zip(formats, names):
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode):
                    raise WotsimError(f"{directory / name}: is a symbolic link; refusing to write a figure through it")
            tmp = f".{name}.{secrets.token_hex(6)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                         dir_fd=dir_fd)  # 0o666 less the umask, as for any new file
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(rendered[fmt] if rendered is not None and fmt in rendered
                             else figure_bytes(fig, fmt, dpi=dpi))
                os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp, dir_fd=dir_fd)
                raise
            written.append(directory / name)
    finally:
        os.close(dir_fd)
    return tuple(written)
