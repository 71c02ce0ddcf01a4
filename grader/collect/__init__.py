"""``autograde collect``: import an LMS's bulk download of submissions (Canvas, Moodle, Blackboard, a folder).

:func:`collect` reads the download safely (:mod:`grader.collect.archive`), maps each file to a roster
student by the LMS's own id (one module per layout), and files it through ``submit``.
"""

from grader.collect.archive import ArchiveLimits
from grader.collect.collect import CollectedFile, CollectResult, Outcome, collect, detect
from grader.collect.layout import Layout

__all__ = ["ArchiveLimits", "CollectResult", "CollectedFile", "Layout", "Outcome", "collect", "detect"]
