"""Independent replications on any :class:`concurrent.futures.Executor`.

Replication ``i`` of master seed ``s`` is a pure function of ``(s, i)``: the task receives
``seed=s, replication=i`` and draws everything from
:class:`~dispatch_core.sim.streams.Streams` keyed by them. Results are returned in index
order, so they are identical whichever executor runs them and in whatever order the workers
finish: a local process pool (the default, one worker per core), an :class:`InlineExecutor` (no
processes; tests), or a ``dask.distributed`` cluster when a scheduler address is given
(``pip install 'dispatch_core[dask]'``; imported lazily).

Examples
--------
>>> from functools import partial
>>> from dispatch_core.sim.desk.model import DeskSpec, simulate_desk
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0)
>>> runs = replicate(partial(simulate_desk, spec), replications=3, seed=5,
...                  executor=InlineExecutor())
>>> len(runs), runs[0] == simulate_desk(spec, seed=5, replication=0)
(3, True)
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from dispatch_core.errors import InvalidInputError

__all__ = [
    "InlineExecutor",
    "QueueRelay",
    "default_executor",
    "default_workers",
    "executor_for",
    "relay_calls",
    "replicate",
]

T = TypeVar("T")
P = ParamSpec("P")

#: Workers of the default local process pool (the target machine has 2 cores).
DEFAULT_WORKERS = 2


def default_workers() -> int:
    """Workers of the default local pool: one per core this process may use.

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or DEFAULT_WORKERS)


class InlineExecutor(Executor):
    """An executor that runs each task at once in the calling thread.

    Examples
    --------
    >>> InlineExecutor().submit(pow, 2, 10).result()
    1024
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now and return a completed future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future, as executors do
            future.set_exception(exc)
        return future


def default_executor(
    max_workers: int | None = None, *, preload: Sequence[str] = ()
) -> ProcessPoolExecutor:
    """Return a local process pool (``forkserver`` start method where available).

    ``max_workers`` defaults to :func:`default_workers` (every core). ``preload`` names modules
    the fork server imports once, before it forks the workers: they then start warm instead of
    each importing the simulation (about two seconds of CPU a worker). The fork server is one
    per process, so the list is that of the first pool started in it (later calls change
    nothing once it runs); with ``spawn`` it is ignored.
    """
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if preload and method == "forkserver":
        context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=max_workers or default_workers(), mp_context=context)


@contextmanager
def executor_for(
    scheduler: str | None = None, *, workers: int | None = None, preload: Sequence[str] = ()
) -> Iterator[Executor]:
    """Open the executor a run should use, and close it afterwards.

    A ``dask.distributed`` cluster when a scheduler address is given, else a local process
    pool of ``workers`` processes (default: every core, :func:`default_executor`, warmed with
    ``preload``). Share one across many :func:`replicate` calls: starting a pool costs about
    a second.

    Examples
    --------
    >>> with executor_for() as pool:
    ...     pool.submit(pow, 2, 5).result()
    32
    """
    if scheduler is not None:
        with _dask_executor(scheduler) as executor:
            yield executor
        return
    with default_executor(workers, preload=preload) as pool:
        yield pool


@dataclass(frozen=True, slots=True)
class QueueRelay:
    """A picklable callable that forwards its argument to a queue (read by :func:`relay_calls`)."""

    channel: Any  # a multiprocessing manager's queue proxy, or a queue.Queue

    def __call__(self, message: str) -> None:
        """Put ``message`` on the queue."""
        self.channel.put(message)


@contextmanager
def relay_calls(
    executor: Executor, callback: Callable[[str], None] | None
) -> Iterator[Callable[[str], None] | None]:
    """Give tasks on ``executor`` a callable that reaches ``callback`` in this process.

    In a local process pool the tasks get a :class:`QueueRelay` on a manager queue that a
    thread here drains into ``callback``; in-process executors get ``callback`` itself. A
    ``dask`` executor gets ``None`` (its workers may be on other machines): progress is then
    reported per task only. A ``callback`` that is already a :class:`QueueRelay` (a caller's
    relay handed down) is passed on as it is.
    """
    if isinstance(callback, QueueRelay):
        yield callback
        return
    if callback is None or not isinstance(executor, ProcessPoolExecutor):
        in_process = isinstance(executor, InlineExecutor | ThreadPoolExecutor)
        yield callback if in_process else None
        return
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Manager() as manager:
        channel = manager.Queue()
        done = threading.Event()

        def drain() -> None:
            while not done.is_set() or not channel.empty():
                try:
                    message = channel.get(timeout=0.1)
                except queue.Empty:
                    continue
                callback(message)

        reader = threading.Thread(target=drain, name="relay", daemon=True)
        reader.start()
        try:
            yield QueueRelay(channel)
        finally:
            done.set()
            reader.join()


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    try:  # optional dependency, imported lazily (and untyped: held as Any)
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InvalidInputError(
            "scheduler", address, "needs dask.distributed: pip install 'dispatch_core[dask]'"
        ) from exc
    client = distributed.Client(address, set_as_default=False)
    try:
        yield client.get_executor()
    finally:
        client.close()


def replicate(
    task: Callable[..., T],
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    description: str = "replications",
    on_result: Callable[[int], None] | None = None,
) -> list[T]:
    """Run ``task(seed=seed, replication=i)`` for ``i`` in ``range(replications)``.

    Parameters
    ----------
    task : callable
        Picklable callable (a module-level function or a :func:`functools.partial` of one)
        taking the keyword arguments ``seed`` and ``replication``.
    replications : int
        Number of independent replications (>= 1).
    seed : int
        The master seed.
    executor : concurrent.futures.Executor, optional
        Where to run; not shut down afterwards. Default: a local process pool with
        :data:`DEFAULT_WORKERS` workers, created and shut down here.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://10.0.0.5:8786"``); the
        replications then run on that cluster. Exclusive with ``executor``.
    progress : bool
        Show a ``rich`` progress bar over the replications (on stderr).
    description : str
        Label of the progress bar.
    on_result : callable, optional
        Called with the replication index as each replication finishes (for progress bars
        owned by the caller).

    Returns
    -------
    list
        The results, ordered by replication index.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InvalidInputError("replications", replications, "must be an integer >= 1")
    if executor is not None and scheduler is not None:
        raise InvalidInputError("scheduler", scheduler, "pass either executor or scheduler")
    with ExitStack() as stack:
        if scheduler is not None:
            executor = stack.enter_context(_dask_executor(scheduler))
        elif executor is None:
            executor = stack.enter_context(default_executor())
        futures: dict[Future[T], int] = {
            executor.submit(task, seed=seed, replication=i): i for i in range(replications)
        }
        results: dict[int, T] = {}
        if progress:
            from rich.console import Console  # noqa: PLC0415 - only when a bar is wanted
            from rich.progress import Progress  # noqa: PLC0415

            with Progress(console=Console(stderr=True), transient=True) as bar:
                job = bar.add_task(description, total=replications)
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.advance(job)
                    if on_result is not None:
                        on_result(futures[future])
        else:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_result is not None:
                    on_result(futures[future])
    return [results[i] for i in range(replications)]
