"""Math on our pages: LaTeX becomes MathML on the server, for every family's text over many seeds;
what cannot be converted is shown as code; nothing in it can run."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from grader.problems import families
from grader.report.markup import SanitisedHTML, clean_html, latex_html, safe_markdown, text_html
from tests.conftest import SEEDS

LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")


class _Text(HTMLParser):
    """The text a reader sees outside math and code, and how many math elements there are."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.math = 0
        self.fallbacks = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("math", "code", "pre"):
            self._skip += 1
            self.math += tag == "math"
            self.fallbacks += tag == "code" and ("class", "latex") in attrs

    def handle_endtag(self, tag):
        if tag in ("math", "code", "pre"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def reading(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("name", sorted(families()))
def test_every_familys_statement_and_solution_becomes_mathml_over_many_seeds(name):
    family = families()[name]
    math = 0
    for seed in range(SEEDS):
        params = family.sample(np.random.default_rng(seed))
        for text in (family.statement(params), family.worked_solution(params)):
            seen = reading(safe_markdown(text))
            prose = "".join(seen.text)
            assert seen.fallbacks == 0, (seed, text)  # every fragment converted
            assert "$" not in prose, (seed, prose)
            assert not LATEX_COMMAND.search(prose), (seed, prose)
            math += seen.math
    assert math >= SEEDS  # the families do write math: the test is not passing on text without any


def test_inline_and_display_math():
    html = safe_markdown("The size is $141 \\times 141$:\n\n$$ x_{0} = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} $$\n")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mn>141</mn><mo>&#x000D7;</mo>' in html
    assert 'display="block"' in html and "<mtable>" in html and html.count("<mtr>") == 2
    # the brackets are fences of their own row, so a browser stretches them to the matrix's height
    assert re.search(r'<mrow><mo stretchy="true" fence="true" form="prefix">\[</mo><mtable>.*</mtable>'
                     r'<mo stretchy="true" fence="true" form="postfix">\]</mo></mrow>', html)
    inside = safe_markdown("A paragraph\n$$ y = 1 $$\nthat goes on.")  # Jupyter displays $$ within a paragraph too
    assert 'display="block"' in inside and "$" not in inside


def test_a_fragment_that_cannot_be_converted_is_shown_as_code_and_the_rest_still_renders():
    html = safe_markdown("Broken $\\frac{1}{$, unknown $\\notacommand{x}$, fine $x^2$.")
    assert '<code class="latex">\\frac{1}{</code>' in html
    assert '<code class="latex">\\notacommand{x}</code>' in html
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert latex_html("x" * 10_000).startswith('<code class="latex">')  # too long to convert: shown, not converted


def test_math_cannot_carry_script_links_or_styles():
    html = safe_markdown("$\\href{javascript:alert(1)}{x}$ $\\style{background:url(x)}{y}$ $\\class{ag-result}{z}$ "
                         "<math><mtext><img src=x onerror=alert(1)></mtext><annotation-xml><script>1</script></annotation-xml></math>"
                         " $<script>alert(2)</script>$")
    assert not re.search(r"<(script|img|annotation|mtext)|href=|style=|class=\"ag-|onerror=\"", html, re.I)
    assert html.count("<math") == 4  # the four fragments, without their links, styles and classes


def test_a_sentence_gets_its_math_and_nothing_else():
    html = str(text_html("Use $\\lfloor n/s \\rfloor + 1$ windows; 2*3 and a_b stay, <b>this</b> is text."))
    assert html.startswith("Use <math") and "&#x0230A;" in html
    assert "2*3 and a_b stay, &lt;b&gt;this&lt;/b&gt; is text." in html
    assert str(text_html("no math <i>")) == "no math &lt;i&gt;"


def test_student_html_is_sanitised_and_their_mathml_is_not_taken():
    html = safe_markdown("<b>bold</b> <script>x</script> <math><mi>y</mi></math> \ue0000\ue001 $z$")
    assert "<b>bold</b>" in html and "&lt;script&gt;" in html
    assert "&lt;math&gt;" in html  # MathML on the page is only ever ours
    assert html.count("<math") == 1  # a fragment's place cannot be written by hand
    assert type(html) is SanitisedHTML and clean_html(html) is html  # not sanitised twice


def test_latex2mathml_text_is_escaped():
    # latex2mathml's own convert() unescapes its output, so \text{<script>} would come out as a tag
    html = latex_html("\\text{<script>alert(1)</script> &#x3C;b&#x3E;}")
    assert "<script" not in html and "&lt;script&gt;" in html and "<mtext>" in html
    assert "&#x3C;b&#x3E;" in html  # a character reference stays text in the browser, never a tag
