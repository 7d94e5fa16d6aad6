"""Independent replications on any :class:`concurrent.futures.Executor`.

Replication ``i`` of master seed ``s`` is a pure function of ``(s, i)``: the task receives
``seed=s, replication=i`` and draws everything from
:class:`~dispatch_core.sim.streams.Streams` keyed by them. Results are returned in index
order, so they are identical whichever executor runs them and in whatever order the workers
finish: a local process pool (the default, 2 workers), an :class:`InlineExecutor` (no
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
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from typing import Any, ParamSpec, TypeVar

from dispatch_core.errors import InvalidInputError

__all__ = ["InlineExecutor", "default_executor", "executor_for", "replicate"]

T = TypeVar("T")
P = ParamSpec("P")

#: Workers of the default local process pool (the target machine has 2 cores).
DEFAULT_WORKERS = 2


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


def default_executor(max_workers: int = DEFAULT_WORKERS) -> ProcessPoolExecutor:
    """Return a local process pool (``forkserver`` start method where available)."""
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(
        max_workers=max_workers, mp_context=multiprocessing.get_context(method)
    )


@contextmanager
def executor_for(scheduler: str | None = None) -> Iterator[Executor]:
    """Open the executor a run should use, and close it afterwards.

    A ``dask.distributed`` cluster when a scheduler address is given, else a local process
    pool (:func:`default_executor`). Share one across many :func:`replicate` calls: starting
    a pool costs about a second.

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
    with default_executor() as pool:
        yield pool


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
