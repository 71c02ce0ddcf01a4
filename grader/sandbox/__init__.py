"""Running student code: resource limits, a scrubbed environment, isolation layers, and the executors
that use them.

Every executor follows one protocol (``executors.py``: name, warm-up, run, close) and runs a plain
:class:`~grader.sandbox.job.RunJob` into a :class:`~grader.sandbox.job.RunResult`, so a local pool,
a warm pre-forked pool or a cluster can call it alike. This package knows nothing of notebooks,
families or courses: the cells, the limits and what to hide arrive in the job. It imports nothing of
``grader`` but itself and :mod:`grader.limits` (``tests/test_layers.py`` checks it).
"""

# Numerical libraries' thread pools, at one thread: a run's numbers do not depend on the thread count
# (the fork route's zygote imports numpy before any run, the kernel route's child starts with this
# environment), and an idle OpenBLAS thread spins for ~0.1 s of CPU after numpy is imported.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
