"""The service grades on the Dask cluster that autograde.toml's ``cluster`` names, as ``autograde grade``
does (docs/deploy.md, docs/cluster.md): an upload through the service runs on the cluster's workers."""

from __future__ import annotations

import pytest

from grader.config import load_course
from grader.generate import release_path
from grader.web import create_app
from grader.web import queue as q

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def test_an_upload_is_graded_on_the_cluster_autograde_toml_names(released):
    course = released()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        course.config_path.write_text(f'cluster = "{cluster.scheduler_address}"\n' + course.config_path.read_text())
        course = load_course(course.root)
        app = create_app(course, executor="fork", worker=False)  # the real grading adapter: autograde grade
        service = app.state.service
        before = cluster.scheduler.transition_counter
        worked = release_path(course, "a1", "s001", worked=True).read_bytes()
        item = service.desk.accept("s001", "a1", "a1.ipynb", worked)
        assert service.worker.drain() == 1
        after = cluster.scheduler.transition_counter
    done = q.get(service.book.engine, item.id)
    assert done is not None and done.status.value == "graded", done
    assert service.desk.shown(done, staff=True)["score"] == 4.0
    assert after > before  # the scheduler ran the grading's tasks
