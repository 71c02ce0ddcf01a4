"""Grading on a Dask cluster: ``autograde grade ASSIGNMENT --cluster tcp://HOST:8786``.

Workers get what a local pool worker gets — a submission's bytes, the student's recomputed
parameters and the limits — and return plain results; the secret and the gradebook stay on the
instructor's machine, and the gradebook is written by this client as each result arrives, so an
interrupted cluster batch resumes like a local one. Dask is imported only here, only when asked.

A worker that dies while running a submission: Dask itself retries the task on another worker
up to the scheduler's ``distributed.scheduler.allowed-failures``; when Dask gives up
(``KilledWorker``), we submit it once more, and if that fails too the submission is recorded as
failed with the reason. Losing the scheduler itself is not the submissions' doing: the batch
stops with what was recorded so far, and the same command run again grades the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from grader.errors import AutogradeError
from grader.grading.execute import ExecutionOutcome, SubmissionJob, execute_submission
from grader.outcomes import RunStatus

__all__ = ["connect", "run_jobs_on_cluster"]


def connect(address: str):
    """A client of the scheduler at ``address``; a one-line ``AutogradeError`` if there is none."""
    try:
        import dask
        from distributed import Client, Security
        from distributed.comm import get_address_host_port, parse_address
    except ImportError:
        raise AutogradeError("grading on a cluster needs Dask: pip install 'autograde[cluster]'") from None
    # Client() fails on these in a way that leaves the process waiting 40 s at exit: check them first
    try:
        get_address_host_port(address)
    except ValueError as exc:
        raise AutogradeError(f"not a Dask scheduler address: {address!r} ({exc}); expected tcp://HOST:PORT") from None
    scheme = parse_address(address, strict=False)[0]
    if scheme == "tls" and not dask.config.get("distributed.client.security-loader", None) \
            and Security().get_connection_args("client")["ssl_context"] is None:
        raise AutogradeError(f"{address}: tls:// needs Dask's TLS settings on this machine (distributed.comm.tls.ca-file, "
                             "client.cert and client.key; see docs/cluster.md)")
    if scheme != "tls" and dask.config.get("distributed.comm.require-encryption", None):
        raise AutogradeError(f"{address}: your Dask settings require encryption (distributed.comm.require-encryption): "
                             "use the scheduler's tls:// address")
    try:
        return Client(address, set_as_default=False, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise AutogradeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def run_jobs_on_cluster(jobs: Sequence[SubmissionJob], address: str) -> Iterator[tuple[int, ExecutionOutcome]]:
    """Yield ``(index, outcome)`` for every job as the cluster finishes it."""
    from distributed import KilledWorker, as_completed

    client = connect(address)
    batch = uuid.uuid4().hex[:8]

    def send(index: int, attempt: int):
        # pure=False and a fresh key: a retry must run again, not reuse a remembered result
        return client.submit(execute_submission, jobs[index], key=f"autograde-{batch}-{index}-{attempt}", pure=False)

    try:
        futures = {send(i, 1): (i, 1) for i in range(len(jobs))}
        pending = as_completed(list(futures), loop=client.loop)
        for future in pending:
            index, attempt = futures.pop(future)
            try:
                outcome = future.result()
            except KilledWorker:
                if attempt == 1:
                    retry = send(index, 2)
                    futures[retry] = (index, 2)
                    pending.add(retry)
                    continue
                outcome = ExecutionOutcome(key=jobs[index].key, status=RunStatus.FAILED,
                                           reason="the grading worker died twice while running this submission")
            except Exception as exc:  # noqa: BLE001 - one broken task must not end the batch
                if future.status != "error":
                    # the task did not fail: it was cancelled, or fetching its result did (the scheduler went
                    # away). Not this submission's doing, so it and the rest stay unrecorded; a rerun grades them
                    why = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
                    raise AutogradeError(f"lost the Dask scheduler at {address} mid-batch ({why})"[:500]) from None
                outcome = ExecutionOutcome(key=jobs[index].key, status=RunStatus.FAILED,
                                           reason=f"grader error on the cluster: {type(exc).__name__}: {exc}"[:500])
            yield index, outcome
    finally:
        client.close()
