"""Answer kinds: how a student's answer to one part is read and compared with the reference.

Each kind turns a plain-JSON answer into a :class:`Verdict` (a score between 0 and 1 and one
sentence for the student). A malformed answer (a float where an integer is asked, a list of the
wrong length, text) is a wrong answer with a sentence saying why, never an exception. Feedback
sentences never state the expected value: whether the student sees it is a policy decided later.
"""

from grader.answers.arrays import Array
from grader.answers.base import DEFAULT_TOLERANCE, AnswerKind, Tolerance, Verdict
from grader.answers.kinds import (Choice, Expression, FreeText, Integer, IntegerList, OptionalInteger, Real, Shape,
                                  read_shape, split_shape)

__all__ = [
    "DEFAULT_TOLERANCE",
    "AnswerKind",
    "Array",
    "Choice",
    "Expression",
    "FreeText",
    "Integer",
    "IntegerList",
    "OptionalInteger",
    "Real",
    "Shape",
    "Tolerance",
    "Verdict",
    "read_shape",
    "split_shape",
]
