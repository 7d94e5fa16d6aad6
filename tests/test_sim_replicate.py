"""Replications on executors (dispatch_core.sim.replicate): identical results everywhere."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.model import DeskSpec, simulate_desk
from dispatch_core.sim.replicate import InlineExecutor, default_executor, replicate

SPEC = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=2.0, patience_s=300.0)
TASK = partial(simulate_desk, SPEC)


def _fails(*, seed: int, replication: int) -> int:
    if replication == 1:
        raise InvalidInputError("replication", replication, "boom")
    return seed + replication


def test_results_are_keyed_by_replication_index() -> None:
    inline = replicate(TASK, replications=5, seed=99, executor=InlineExecutor())
    assert inline == [simulate_desk(SPEC, seed=99, replication=i) for i in range(5)]
    assert len({r.offered_by_interval for r in inline}) == 5  # independent replications
    assert replicate(TASK, replications=5, seed=99, executor=InlineExecutor()) == inline
    assert replicate(TASK, replications=5, seed=100, executor=InlineExecutor()) != inline


def test_process_pool_and_threads_give_identical_results() -> None:
    inline = replicate(TASK, replications=4, seed=5, executor=InlineExecutor())
    with ThreadPoolExecutor(max_workers=3) as threads:
        assert replicate(TASK, replications=4, seed=5, executor=threads) == inline
    assert replicate(TASK, replications=4, seed=5) == inline  # default: local process pool
    with default_executor() as pool:
        assert replicate(TASK, replications=4, seed=5, executor=pool) == inline


def test_progress_bar_does_not_change_results(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = replicate(TASK, replications=3, seed=1, executor=InlineExecutor())
    loud = replicate(TASK, replications=3, seed=1, executor=InlineExecutor(), progress=True)
    assert loud == quiet
    capsys.readouterr()


def test_task_errors_propagate() -> None:
    with pytest.raises(InvalidInputError, match="boom"):
        replicate(_fails, replications=3, seed=0, executor=InlineExecutor())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replications": 0}, "replications"),
        ({"replications": 2, "executor": InlineExecutor(), "scheduler": "tcp://x:1"}, "scheduler"),
    ],
)
def test_replicate_rejects_bad_arguments(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        replicate(TASK, seed=0, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_dask_local_cluster_gives_identical_results() -> None:
    distributed = pytest.importorskip("distributed")
    inline = replicate(TASK, replications=4, seed=5, executor=InlineExecutor())
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert (
            replicate(TASK, replications=4, seed=5, scheduler=cluster.scheduler_address) == inline
        )
