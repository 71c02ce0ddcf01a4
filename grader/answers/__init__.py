"""Answer kinds: how a student's answer to one part is read and compared with the reference.

Each kind reads a plain-JSON answer (a value, or a :class:`FormError` saying why it cannot be read)
and compares it with the reference into a :class:`Verdict` (a score between 0 and 1 and one
sentence for the student, saying how the answer was read when that took interpretation). A
malformed answer (a list of the wrong length, text that is not a number) is a wrong answer with a
sentence saying why, never an exception, whatever JSON arrives. Feedback sentences never state the
expected value: whether the student sees it is a policy decided later.

    numbers.py    numbers as students write them, with the digits they gave
    tolerance.py  when a real answer is right (the rounding rule, or an explicit tolerance)
    shapes.py     shapes: lists channels first, text H×W×C
    kinds.py      integers, lists, reals, choices, free text, expressions
    arrays.py     tensors, with hints on the usual slips
    display.py    showing any answer back, bounded
"""

from grader.answers.arrays import Array
from grader.answers.base import DEFAULT_TOLERANCE, AnswerKind, FormError, Reading, Tolerance, Verdict
from grader.answers.display import show
from grader.answers.kinds import Choice, Expression, FreeText, Integer, IntegerList, OptionalInteger, Real
from grader.answers.numbers import Number, read_integer, read_number
from grader.answers.shapes import Shape, parse_sizes, read_shape, read_whole_shape, split_shape
from grader.answers.tolerance import Judgement

__all__ = [
    "DEFAULT_TOLERANCE",
    "AnswerKind",
    "Array",
    "Choice",
    "Expression",
    "FormError",
    "FreeText",
    "Integer",
    "IntegerList",
    "Judgement",
    "Number",
    "OptionalInteger",
    "Reading",
    "Real",
    "Shape",
    "Tolerance",
    "Verdict",
    "parse_sizes",
    "read_integer",
    "read_number",
    "read_shape",
    "read_whole_shape",
    "show",
    "split_shape",
]
