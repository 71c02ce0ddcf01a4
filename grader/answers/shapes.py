"""Shapes as students write them, with one reading rule per form.

- A list or tuple of integers, and ``torch.Size([...])`` text, is channels first, ``[C, H, W]``,
  as PyTorch prints shapes.
- Text such as ``126x126x16`` (``x``, ``X``, ``×`` or ``*`` between the numbers, an optional ``px``)
  is H×W×C, as shapes are written on paper; or C×H×W when only its first number can be the
  channel count (its last number is not the number of channels, its first is).

The reading is always said in the feedback. A shape that cannot be read says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from grader.answers.base import DEFAULT_TOLERANCE, RIGHT, AnswerKind, FormError, Reading, Tolerance, Verdict, _wrong
from grader.answers.display import show
from grader.answers.numbers import read_integer

__all__ = ["Shape", "ShapeText", "parse_sizes", "read_shape", "read_whole_shape", "split_shape", "x"]

MAX_AXES = 8
FORMS = ("list", "dims")
_HINT = "Write the shape as a list, channels first ([C, H, W]), or as text 'HxWxC' such as '54x54x96'."
_SIZE_CALL = re.compile(r"(?:torch\.)?Size\(\s*([\[(].*[\])])\s*\)", re.S)
_UNIT = re.compile(r"\s*(?:px|pixels?)\.?\s*$", re.I)
_SEPARATOR = re.compile(r"\s*[xX×*,]\s*|\s+")


@dataclass(frozen=True)
class ShapeText:
    """The integers of a shape and the form they came in: ``list`` (channels first) or ``dims`` (H×W×C text)."""

    numbers: tuple[int, ...]
    form: str
    text: str = ""  # the student's text, for notes ("" for a JSON list)


def x(sizes: Any) -> str:
    """Sizes joined the way shapes are written: 54×54."""
    return "×".join(str(s) for s in sizes)


def parse_sizes(raw: Any, most: int = MAX_AXES) -> ShapeText | FormError | None:
    """The integers of a shape (or of any short list of integers: ``most`` of them) from a JSON list or
    from text; ``None`` when ``raw`` is neither."""
    if isinstance(raw, (list, tuple)):
        if not raw or len(raw) > most:
            return FormError(f"a shape has 1 to {most} sizes; this list has {len(raw)} entries.")
        numbers = []
        for item in raw:
            if isinstance(item, float) or not isinstance(item, (int, str)):
                return FormError(f"every size must be a whole number; found {show(item)}.")
            value = read_integer(item)
            if isinstance(value, FormError):
                return FormError(f"every size must be a whole number; found {show(item)}.")
            numbers.append(value[0])
        return ShapeText(tuple(numbers), "list")
    if isinstance(raw, str):
        return _parse_text(raw, most)
    return None


def _parse_text(raw: str, most: int) -> ShapeText | FormError:
    text = _UNIT.sub("", raw.strip())
    if len(text) > 20 * most + 40:
        return FormError(f"the text is {len(raw)} characters long.")
    call = _SIZE_CALL.fullmatch(text)
    if call:
        text = call.group(1)
    bracketed = len(text) >= 2 and text[0] in "[(" and text[-1] in "])"
    inner = text[1:-1] if bracketed else text
    form = "list" if call or bracketed or ("," in inner and not re.search(r"[xX×*]", inner)) else "dims"
    pieces = [p for p in _SEPARATOR.split(inner.strip()) if p]
    if not pieces:
        return FormError("it holds no sizes.")
    for piece in pieces:
        if not re.fullmatch(r"[0-9]{1,9}", piece):
            return FormError(f"{show(piece)} is not a whole number.")
    if len(pieces) > most:
        return FormError(f"a shape has at most {most} sizes; this has {len(pieces)}.")
    return ShapeText(tuple(int(p) for p in pieces), form, raw.strip())


def read_shape(value: Any) -> list[int] | None:
    """The integers of a shape written as a list or as text such as ``"126x126x16"``; ``None`` if neither."""
    parsed = parse_sizes(value)
    return list(parsed.numbers) if isinstance(parsed, ShapeText) else None


def place_channels(shape: ShapeText, channels: int) -> tuple[int, list[int], str]:
    """``(C, sizes, note)`` by the rule of the module docstring, for a shape whose true channel count is ``channels``."""
    n = shape.numbers
    if shape.form == "list":
        note = f"read {show(shape.text)} channels first, as PyTorch prints shapes" if shape.text else ""
        return n[0], list(n[1:]), note
    if n[-1] != channels and n[0] == channels:
        return n[0], list(n[1:]), (f"read {show(shape.text)} as C×H×W, {n[0]} channels of {x(n[1:])}: "
                                    "only its first number can be the channel count")
    return n[-1], list(n[:-1]), f"read {show(shape.text)} as H×W×C, {n[-1]} channels of {x(n[:-1])}"


def read_whole_shape(raw: Any, channels: int, sizes: list[int], keys: tuple[str, str] = ("out_channels", "out_size")) -> Reading | None:
    """An output shape given whole, as ``{channels_key: C, sizes_key: [H, W]}`` with notes; ``None`` to leave ``raw`` alone.

    Reads ``[C, H, W]``, ``"HxWxC"``, ``torch.Size`` text, and a whole shape put in either part
    of the object. A value that is neither an object nor a shape says why it could not be read.
    """
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return _whole_shape_in_a_part(raw, channels, sizes, keys)
    parsed = parse_sizes(raw)
    what = f"Expected an object with the keys {', '.join(keys)}, or the whole output shape."
    if parsed is None:
        return Reading({}, (f"{what} Got {show(raw)}. {_HINT}",), malformed=True)
    if isinstance(parsed, FormError):
        return Reading({}, (f"Could not read {show(raw)} as a shape: {parsed.sentence} {_HINT}",), malformed=True)
    count = len(parsed.numbers)
    if count == len(sizes) and parsed.form == "dims":  # "55x55": the sizes alone
        return Reading({keys[1]: list(parsed.numbers)}, (f"read {show(raw)} as {keys[1]} alone (no channel count given)",))
    if count != len(sizes) + 1:
        return Reading({}, (f"{show(raw)} has {count} sizes; the output shape has {len(sizes) + 1} "
                            f"(the channels and {len(sizes)} spatial sizes). {_HINT}",), malformed=True)
    c, spatial, note = place_channels(parsed, channels)
    notes = [note] if note else []
    if parsed.form == "list" and (c, spatial) != (channels, list(sizes)) and parsed.numbers == (*sizes, channels):
        notes.append(f"Lists are read channels first, [C, H, W], as PyTorch prints shapes, so {show(raw)} has {c} "
                     f"channels; read channels last it would be right: write {show([channels, *sizes])} or '{x([*sizes, channels])}'.")
    return Reading({keys[0]: c, keys[1]: spatial}, tuple(notes))


def _whole_shape_in_a_part(raw: Mapping, channels: int, sizes: list[int], keys: tuple[str, str]) -> Reading | None:
    """A whole shape written in one part of the object (``q1_out_size = "126x126x16"`` in a notebook)."""
    for key in (keys[1], keys[0]):
        other = keys[0] if key == keys[1] else keys[1]
        parsed = parse_sizes(raw.get(key)) if isinstance(raw.get(key), (list, tuple, str)) else None
        if not isinstance(parsed, ShapeText) or len(parsed.numbers) != len(sizes) + 1:
            continue
        if key == keys[0] and raw.get(other) is not None:
            continue  # a shape in the channels part beside sizes of its own: leave it to be graded as it is
        c, spatial, note = place_channels(parsed, channels)
        notes = [f"In {key}, {note or f'read {show(raw.get(key))} as the whole shape, channels first'}"]
        value = dict(raw)
        value[keys[1]] = spatial
        given_channels = raw.get(keys[0]) if key == keys[1] else None
        if given_channels is None:
            value[keys[0]] = c
        elif given_channels != c:
            notes.append(f"{keys[1]} holds a whole shape with {c} channels, but {keys[0]} is {show(given_channels)}: "
                         f"{keys[0]} is graded as given.")
        return Reading(value, tuple(notes))
    return None


def split_shape(raw: Any, channels: int, sizes: list[int]) -> dict[str, Any] | None:
    """A whole shape as ``{out_channels, out_size}`` (see :func:`read_whole_shape`); ``None`` when it is not one."""
    if isinstance(raw, Mapping):
        return None
    reading = read_whole_shape(raw, channels, sizes)
    if reading is None or reading.malformed or "out_channels" not in reading.value:
        return None
    return dict(reading.value)


@dataclass(frozen=True)
class Shape(AnswerKind):
    """A tensor shape, compared whole: a list channels first, or text H×W×C (see the module docstring)."""

    name: ClassVar[str] = "shape"

    def read_as(self, given: Any, expected: list[int]) -> tuple[list[int], str] | FormError:
        """The shape in the order of ``expected`` ([C, *sizes]) and how it was read."""
        parsed = parse_sizes(given)
        if parsed is None:
            return FormError(f"Expected a shape such as [16, 126, 126] or '126x126x16', got {show(given)}.")
        if isinstance(parsed, FormError):
            return FormError(f"Could not read {show(given)} as a shape: {parsed.sentence} {_HINT}")
        if len(parsed.numbers) != len(expected):
            return FormError(f"The shape has {len(parsed.numbers)} dimensions; this one needs {len(expected)}.")
        if len(expected) < 2:
            return list(parsed.numbers), ""
        c, spatial, note = place_channels(parsed, expected[0])
        return [c, *spatial], note

    def parse(self, given: Any, expected: Any = None) -> tuple[list[int], str] | Any | FormError:
        """The shape in the reference's order (see :meth:`read_as`); as given when there is no reference
        shape to read it against."""
        try:
            order = [int(e) for e in expected]
        except (TypeError, ValueError):
            return given
        return self.read_as(given, order)

    def compare(self, given: Any, expected: Any, tol: Tolerance = DEFAULT_TOLERANCE) -> Verdict:
        try:
            expected = [int(e) for e in expected]
        except (TypeError, ValueError):
            return _wrong("This part has no shape to compare with.")
        read = self.read_as(given, expected)
        if isinstance(read, FormError):
            return _wrong(read.sentence)
        shape, note = read
        if shape == expected:
            return RIGHT.noted(note)
        hint = ""
        if len(shape) >= 3 and shape[:-2] + shape[-2:][::-1] == expected:
            hint = " The height and width are swapped: H comes before W."
        elif isinstance(given, (list, tuple)) and list(given) == expected[1:] + expected[:1]:
            hint = (" Lists are read channels first, [C, H, W], as PyTorch prints shapes; read channels last "
                    "this would be right.")
        return _wrong(f"{x(shape)} is not the right shape.{hint}").noted(note)

    def describe(self) -> str:
        return "a shape: a list channels first [C, H, W], or text 'HxWxC' such as '126x126x16'"
