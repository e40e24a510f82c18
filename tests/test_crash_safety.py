"""A write killed at any moment never loses a finished result, and the next write cleans up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

from wotsim.errors import WotsimWarning
from wotsim.results.io import is_wotsim_dir, recover, write_atomic_dir

WRITER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from wotsim.results.io import write_atomic_dir

    target = sys.argv[1]
    big = np.arange(3_000_000, dtype=float)  # 24 MB: the write takes long enough to be killed inside it

    def fill(tmp, k):
        np.save(tmp / "big.npy", big + k)
        (tmp / "manifest.json").write_text(json.dumps({"tool": "wotsim", "k": k}))

    k = 0
    while True:
        write_atomic_dir(target, lambda tmp: fill(tmp, k))
        if k == 0:
            print("ready", flush=True)
        k += 1
""")


def _complete(path) -> bool:
    if not is_wotsim_dir(path):
        return False
    return (path / "big.npy").stat().st_size > 24_000_000


def _final_write(target):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_atomic_dir(target, lambda tmp: (tmp / "manifest.json").write_text(json.dumps({"tool": "wotsim"})))
    return [str(w.message) for w in caught if issubclass(w.category, WotsimWarning)]


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.09, 0.14, 0.2, 0.27, 0.35])
def test_kill_9_during_writes_then_rerun(tmp_path, delay):
    target = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    # whatever the moment, the last complete results survive: in place, or aside as .run.old-*/x
    survivors = [target] + [p / "x" for p in tmp_path.glob(".run.old-*")]
    assert any(p.exists() and _complete(p) for p in survivors)
    if not target.exists():  # killed inside the swap: the next write puts the previous results back
        assert recover(target) and _complete(target)
    notes = _final_write(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], notes
    assert is_wotsim_dir(target)


def test_stale_siblings_are_cleaned_and_reported(tmp_path):
    target = tmp_path / "run"
    _final_write(target)
    (tmp_path / ".run.tmp-abc").mkdir()
    (tmp_path / ".run.tmp-abc" / "half.npy").write_bytes(b"x")
    notes = _final_write(target)
    assert len(notes) == 1 and "removed 1 temporary folder(s) left by an interrupted write" in notes[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_previous_results_are_restored_when_the_swap_was_interrupted(tmp_path):
    target = tmp_path / "run"
    write_atomic_dir(target, lambda tmp: (tmp / "manifest.json").write_text(json.dumps({"tool": "wotsim", "k": 1})))
    aside = tmp_path / ".run.old-xyz"
    aside.mkdir()
    os.replace(target, aside / "x")  # the state after the first rename of a swap
    notes = recover(target)
    assert any("restored the previous results" in n for n in notes)
    assert json.loads((target / "manifest.json").read_text())["k"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_only_marked_directories_are_replaced(tmp_path):
    from wotsim.errors import ResultsError

    app = tmp_path / "app"
    app.mkdir()
    (app / "manifest.json").write_text(json.dumps({"name": "a web app"}))
    (app / "index.html").write_text("<p>mine</p>")
    with pytest.raises(ResultsError, match="not a wotsim results directory"):
        _final_write(app)
    assert (app / "index.html").read_text() == "<p>mine</p>"
    link = tmp_path / "link"
    link.symlink_to(app)
    with pytest.raises(ResultsError, match="symbolic link"):
        _final_write(link)
