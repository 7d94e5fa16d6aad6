"""WAL checkpoints on a background thread, so that no commit waits for one.

SQLite in WAL mode appends commits to the write-ahead log and, by default, copies the log back
into the database file (a *checkpoint*, with an fsync of the database) inside whichever commit
crosses 1,000 pages. On this project's machines that commit then takes 40–200 ms instead of
under one: the slowest ``handle()`` calls of a durable engine were all checkpoints.

The journal turns automatic checkpoints off on its writing connection and asks a
:class:`WalCheckpointer` to checkpoint on its own connection and thread about every
``every_pages`` pages of log written. Passive checkpoints (``PRAGMA wal_checkpoint(PASSIVE)``)
never block the writer: SQLite copies the frames written so far, and releases the GIL while it
copies and syncs. While commits keep coming, though, a passive checkpoint never catches up with
the end of the log, and SQLite starts the log file over only when a checkpoint has copied all
of it: the log would grow without bound (3.5 GB after 200,000 commands). So once the passive
rounds have copied all but a few frames, the checkpointer takes the journal's write lock for
one last round (a few frames: milliseconds, against 40–200 ms for a whole checkpoint), and the
next commit starts the log file over. Closing the journal's last connection checkpoints what
is left.

Examples
--------
>>> import pathlib, sqlite3, tempfile, threading
>>> with tempfile.TemporaryDirectory() as d:
...     path = pathlib.Path(d) / "j.db"
...     db = sqlite3.connect(path, isolation_level=None)
...     _ = db.execute("PRAGMA journal_mode=WAL")
...     _ = db.execute("CREATE TABLE t (x)")
...     cp = WalCheckpointer(path, threading.Lock(), every_pages=10)
...     cp.written(100)  # enough: a checkpoint is due
...     cp.close()  # waits for the thread
...     db.close()
...     cp.checkpoints >= 1
True
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

__all__ = ["WalCheckpointer"]

_log = logging.getLogger("dispatch_core.engine.journal")


class WalCheckpointer:
    """Checkpoint the WAL of the database at ``path`` on a daemon thread.

    Parameters
    ----------
    path : Path
        The SQLite database (in WAL mode).
    write_lock : threading.Lock
        The lock the journal holds around each write transaction; taken for the last, short
        round of a checkpoint so that it reaches the end of the log.
    every_pages : int, default 1000
        Ask for a checkpoint after about this many pages were written (SQLite's own default).

    Attributes
    ----------
    checkpoints : int
        Checkpoints completed to the end of the log so far.
    """

    #: A passive round that leaves at most this many frames, and took at most
    #: ``QUICK_ROUND_S``, is followed by the locked round (which then takes about as long).
    CATCH_UP_FRAMES = 64
    QUICK_ROUND_S = 0.002
    #: Passive rounds before the locked round, whatever they leave.
    PASSIVE_ROUNDS = 8

    def __init__(self, path: Path, write_lock: threading.Lock, *, every_pages: int = 1000) -> None:
        self.every_pages = every_pages
        self.checkpoints = 0
        self._since = 0
        self._write_lock = write_lock
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"dispatch-core checkpoint {path.name}", daemon=True
        )
        self._thread.start()

    def written(self, pages: int) -> None:
        """Count ``pages`` just committed; wake the thread when a checkpoint is due."""
        self._since += pages
        if self._since >= self.every_pages:
            self._since = 0
            self._wake.set()

    def _round(self) -> int:
        """One passive checkpoint; return the frames of the log it could not copy yet."""
        busy, log, done = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return max(0, int(log) - int(done)) if not busy else int(log)

    def _checkpoint(self) -> None:
        # The passive rounds do the bulk of the copying and syncing while the writer goes on.
        # A round's sync also flushes what the writer wrote meanwhile (the file system commits
        # both), so each round is shorter than the one before; the locked round comes when
        # one was quick, and is then as quick.
        for _ in range(self.PASSIVE_ROUNDS):
            started = time.perf_counter()
            left = self._round()
            if left <= self.CATCH_UP_FRAMES and time.perf_counter() - started <= self.QUICK_ROUND_S:
                break
        with self._write_lock:  # a few frames left: copy them with no commit in between
            self._round()
        self.checkpoints += 1

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._checkpoint()
            except sqlite3.Error:  # the log keeps the data; the next checkpoint copies it
                _log.warning("WAL checkpoint failed", exc_info=True)
            if self._stopping:
                return

    def close(self) -> None:
        """Run a last checkpoint, stop the thread and close its connection (idempotent)."""
        if self._stopping:
            return
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._db.close()
