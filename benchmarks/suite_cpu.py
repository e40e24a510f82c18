"""The CPU seconds of the default test suite, every process it starts included.

``/usr/bin/time python -m pytest`` counts a process's children only when they are waited for: the workers of a
local batch pool are forked by multiprocessing's fork server, which nobody waits for, so their CPU would go
uncounted.  This script makes itself a subreaper (Linux ``PR_SET_CHILD_SUBREAPER``): every orphaned descendant
is re-parented to it and reaped here, so ``RUSAGE_CHILDREN`` holds the CPU of the whole tree.

    python benchmarks/suite_cpu.py [pytest arguments]     # from the repository root, venv active

prints the pytest summary line and ``user``, ``sys`` and wall seconds; the budget (issue 10) is 90 s of
user + sys for the default suite on 2 cores.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    if not sys.platform.startswith("linux"):
        print("suite_cpu.py needs Linux (PR_SET_CHILD_SUBREAPER)", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"prctl failed: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv])
    while True:  # reap every orphan the suite left (fork servers, their workers)
        try:
            os.wait()
        except ChildProcessError:
            break
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"suite CPU, every process: {usage.ru_utime:.2f} user {usage.ru_stime:.2f} sys "
          f"= {usage.ru_utime + usage.ru_stime:.2f} s; {wall:.2f} s wall (pytest exit code {code})")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
