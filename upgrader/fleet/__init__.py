"""Fleet runs: many config files in parallel processes, streamed, isolated, recoverable.

Pipeline: ``inputs.iter_inputs`` (files, directory walks, ``--files-from``) ->
``pool.run_files`` (worker processes, a bounded window of chunks in flight) -> a report writer
(``report.writers``) that writes each per-file dict as it arrives -> a summary
(``runner.run`` wires them and returns the exit code). Memory does not grow with the fleet:
paths are read lazily, workers return the compact per-file dicts of ``outcome_to_dict``, the
parent writes them out at once and keeps only counters (and a 16-byte digest per file to skip
duplicates).

Order: results are written in INPUT order (the order of the arguments, directory walks
sorted by name), whatever order the workers finish in, so output is reproducible and a
parallel run prints exactly what a sequential one does. The window of in-flight chunks
bounds the reordering buffer.

Isolation: every file is planned/applied on its own; a bad file (missing, binary,
malformed, unwritable, even an internal error) becomes that file's error record and is
left untouched. A worker process that dies fails only the files of its chunk.

Apply safety across the fleet: each file is replaced atomically under its per-file lock
(``api.apply_file``); with a manifest (``--backup-dir`` or ``--manifest``) every file's
entry is written durably before its replace (``manifest.Journal``).

The names below are the package's public face (commands.py, the library, the benchmark).
"""

from __future__ import annotations

from .inputs import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, Inventory, carrier_globs, iter_inputs, walk
from .job import FleetJob
from .pool import APPLY_CHUNK, CHUNK, WINDOW_PER_WORKER, Worker, default_jobs, run_files
from .runner import Progress, RunResult, run

__all__ = ["APPLY_CHUNK", "CHUNK", "DEFAULT_EXCLUDE", "DEFAULT_INCLUDE", "WINDOW_PER_WORKER", "FleetJob", "Inventory", "Progress",
           "RunResult", "Worker", "carrier_globs", "default_jobs", "iter_inputs", "run", "run_files", "walk"]
