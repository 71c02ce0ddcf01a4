"""Running student code: resource limits, a scrubbed environment, and the executors that use them.

Every executor is a plain function ``RunJob -> RunResult`` (see ``job.py``), so a local pool,
a warm pre-forked pool or a cluster can call it alike.
"""
