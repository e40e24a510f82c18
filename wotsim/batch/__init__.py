"""Batch runs: many configs and their scenarios as one job, on local processes or a Dask cluster.

The package owns: ``spec`` (the batch file: which configs, scenarios and settings, validated
before any work), ``tasks`` (the work a worker does on one case x chunk), ``executors`` (local
processes and Dask), ``store`` (resumable results on disk) and ``run`` (the orchestration that
combines tasks in a fixed order).
"""
