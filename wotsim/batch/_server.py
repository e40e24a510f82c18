"""Imported first by the local pool's fork server (:data:`wotsim.batch.executors.PRELOAD`), and by nothing else:
it makes the server ignore Ctrl-C before it imports the rest, and the workers it forks inherit that.

A terminal's Ctrl-C reaches every process of its group; the process that started the pool stops the workers
itself (:class:`wotsim.batch.executors.ProcessExecutor`), so the server and its workers have nothing to do
with it, and a server cut while importing its modules printed its traceback beside wotsim's one line.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
