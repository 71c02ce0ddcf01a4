"""Markdown and LaTeX as safe HTML, with the math typeset on the server as MathML.

Pages of ours (feedback, the report, the web service's) carry no script and load nothing, so math
cannot be left to MathJax: ``$...$``, ``$$...$$`` and ``\\begin{...}`` environments become MathML,
which browsers render themselves. markdown-it-py (CommonMark, with tables) parses the markdown and
mdit-py-plugins finds the math, as Jupyter writes it; latex2mathml converts each fragment. A
fragment it cannot read (a typo, a command it does not know, one too long to convert) is shown as
code, never breaking the page. Anyone's HTML is sanitised to markdown's structure (bleach); the
MathML is built as a tree, kept to MathML's presentation elements and their layout attributes,
and serialised with its text escaped, then put in place of its fragment.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element, tostring

import bleach
from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = ["ALLOWED_TAGS", "SanitisedHTML", "Typesetter", "clean_html", "latex_html", "safe_markdown", "text_html"]

MAX_LATEX = 5_000
"""Characters in one math fragment: a 12x12 matrix of reals is about 1,200; a longer one is shown as
code rather than converted (conversion takes about 3 ms per 1,000 characters)."""

# nbconvert's own clean_html allows no <p>, <h1>-<h6> or <th> (jupyter/nbconvert#2016), which
# escapes ordinary markdown into visible tags; this allowlist keeps markdown's structure only.
HTML_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
# what latex2mathml writes: MathML's presentation elements (no <semantics>/<annotation-xml>, whose
# HTML content is where sanitiser bypasses live)
MATHML_TAGS = frozenset({
    "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot", "mrow", "mspace",
    "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover",
})
MATHML_ATTRIBUTES = frozenset({
    "accent", "columnalign", "columnlines", "columnspacing", "depth", "display", "displaystyle", "fence", "form",
    "height", "largeop", "linethickness", "lspace", "mathbackground", "mathcolor", "mathsize", "mathvariant",
    "maxsize", "minsize", "movablelimits", "notation", "rowlines", "rowspacing", "rspace", "scriptlevel",
    "separator", "stretchy", "symmetric", "voffset", "width", "xmlns",
})
ALLOWED_TAGS = HTML_TAGS
"""What a sanitised page keeps of anyone's HTML: MathML is only ever ours, from :func:`latex_html`."""
_MATRIX = re.compile(r"\\(begin|end)\{([pbBvV])matrix\}")
_FENCES = {"p": ("(", ")"), "b": ("[", "]"), "B": ("\\{", "\\}"), "v": ("|", "|"), "V": ("\\|", "\\|")}
_TEXT_ESCAPE = re.compile(r"\\([_$%&#{} ])")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "class":
        # our own result blocks use ag-*: a student must not be able to dress markdown up as one
        return not any(c.startswith("ag-") for c in value.split())
    if tag == "a":
        return name in ("href", "title")
    return tag in ("td", "th") and name in ("colspan", "rowspan")


class SanitisedHTML(Markup):
    """HTML this module made safe: :func:`clean_html` given it again passes it through unchanged."""


def clean_html(html: Any) -> str:
    """Sanitise HTML to the allowlist (a tag outside it is shown as text; no script, style or event)."""
    if type(html) is SanitisedHTML:
        return html
    text = html.decode() if isinstance(html, bytes) else str(html)
    return bleach.clean(text, tags=ALLOWED_TAGS, attributes=_allowed_attribute, strip_comments=True)


_CHAR_REF = re.compile(r"&amp;(#x[0-9A-Fa-f]+;)")


@lru_cache(maxsize=4096)
def latex_html(latex: str, display: bool = False) -> str:
    """A LaTeX fragment (without its ``$`` delimiters) as safe MathML, or as code if it cannot be read."""
    latex = latex.strip()
    if len(latex) <= MAX_LATEX:
        try:
            tree = convert_to_element(_fenced_matrices(latex), display="block" if display else "inline")
        except Exception:  # noqa: BLE001 - a third-party parser on anyone's text: any failure means "show the source"
            tree = None
        if tree is not None and _kept_to_mathml(tree):
            # latex2mathml writes symbols as character references in the text (&#x000D7;), which
            # serialising escapes once more; everything else stays escaped
            return _CHAR_REF.sub(r"&\1", tostring(tree, encoding="unicode"))
    return f'<code class="latex">{escapeHtml(latex)}</code>'


def _kept_to_mathml(tree: Element) -> bool:
    """Strip attributes outside the allowlist; False for an element outside it, or text holding a
    command latex2mathml did not know (it keeps ``\\foo`` as text)."""
    for element in tree.iter():
        if element.tag not in MATHML_TAGS:
            return False
        for name in [n for n in element.attrib if n not in MATHML_ATTRIBUTES]:  # \href, \style, \class
            del element.attrib[name]
        if element.tag == "mtext" and element.text:
            # latex2mathml keeps \text{output\_padding} as typed; LaTeX prints output_padding
            element.text = _TEXT_ESCAPE.sub(r"\1", element.text)
        if "\\" in (element.text or "") or "\\" in (element.tail or ""):
            return False
    return True


def _fenced_matrices(latex: str) -> str:
    # latex2mathml writes a bmatrix's brackets as plain operators beside the table, which browsers
    # leave one line high; \left[ ... \right] makes them fences that stretch to the matrix
    def fence(m: re.Match) -> str:
        left, right = _FENCES[m.group(2)]
        return f"\\left{left}\\begin{{matrix}}" if m.group(1) == "begin" else f"\\end{{matrix}}\\right{right}"

    return _MATRIX.sub(fence, latex)


# A fragment's place in the HTML until it is typeset: private-use characters around a key of the
# page's own, which nobody writing the page's text can know
_OPEN, _CLOSE = "\ue000", "\ue001"


def _math_rule(display: bool):
    def render(self, tokens, idx, options, env) -> str:
        return env["typesetter"].hold(latex_html(tokens[idx].content, display))

    return render


def _with_math(md: MarkdownIt) -> MarkdownIt:
    md.use(dollarmath_plugin, double_inline=True)  # $$...$$ inside a paragraph displays, as in Jupyter
    for rule, display in (("math_inline", False), ("math_inline_double", True), ("math_block", True),
                          ("math_block_label", True)):
        md.add_render_rule(rule, _math_rule(display))
    return md


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = _with_math(MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]))
    md.use(amsmath_plugin)  # \begin{align}...\end{align} on its own, outside dollars
    md.add_render_rule("amsmath", _math_rule(True))
    return md


@lru_cache(maxsize=1)
def _inline_math() -> MarkdownIt:
    # no markdown at all but the math, and no HTML: a sentence's * and _ and < stay as they are
    return _with_math(MarkdownIt("zero"))


class Typesetter:
    """Typesets the math of one page: each text is sanitised at once, and its MathML put in place
    by :meth:`place` on the finished page, so that whatever processes the page's HTML on the way
    (nbconvert parses it all once more) need not go through every MathML element."""

    def __init__(self) -> None:
        self._math: list[str] = []
        self._key = secrets.token_hex(8)  # never in the output: every place is filled
        self._place = re.compile(f"{_OPEN}{self._key}:(\\d+){_CLOSE}")

    def hold(self, mathml: str) -> str:
        self._math.append(mathml)
        return f"{_OPEN}{self._key}:{len(self._math) - 1}{_CLOSE}"

    def markdown(self, source: str) -> SanitisedHTML:
        """Markdown as sanitised HTML, its math held for :meth:`place`."""
        return SanitisedHTML(clean_html(_markdown().render(source, {"typesetter": self})))

    def text(self, text: Any) -> Markup:
        """A plain sentence (feedback, a title): its ``$...$`` held for :meth:`place`, the rest escaped."""
        text = "" if text is None else str(text)
        if "$" not in text:
            return Markup.escape(text)
        return Markup(_inline_math().renderInline(text, {"typesetter": self}))  # noqa: S704 - markdown-it escaped it

    def place(self, html: str) -> str:
        """The page with every held fragment's MathML in its place."""
        return self._place.sub(lambda m: self._math[int(m.group(1))], html)


def safe_markdown(source: str) -> SanitisedHTML:
    """Markdown as sanitised HTML, its math as MathML."""
    typesetter = Typesetter()
    return SanitisedHTML(typesetter.place(typesetter.markdown(source)))


def text_html(text: Any) -> Markup:
    """A plain sentence (feedback, a title) with its ``$...$`` math typeset; everything else escaped."""
    typesetter = Typesetter()
    return Markup(typesetter.place(typesetter.text(text)))  # noqa: S704 - escaped, and our MathML
