"""Plain text to BibTeX values: escaped, math kept, capitals protected, accents spelt."""

from __future__ import annotations

import pytest

from papersync.export.bibtex import latex, latex_name
from papersync.model import Author


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("R&D 100% $5 #1 a_b", r"R\&D 100\% \$5 \#1 a\_b", id="specials"),
        pytest.param(
            "{x} ~ ^ \\",
            r"\textbraceleft{}x\textbraceright{} \textasciitilde{} "
            r"\textasciicircum{} \textbackslash{}",
            id="braces-tilde-caret-backslash",
        ),
        pytest.param("cost $O(n^2)$ here", r"cost {$O(n^2)$} here", id="math-kept"),
        pytest.param("$5 and $6", r"\$5 and \$6", id="dollars-not-math"),
        pytest.param("$a}$", r"\$a\textbraceright{}\$", id="unbalanced-math-escaped"),
        pytest.param("$50%$", r"{$50\%$}", id="percent-in-math"),
        pytest.param(
            "Müller ç ï ệ ß", r"M{\"u}ller {\c{c}} {\"{\i}} {\^{\d{e}}} {\ss}", id="accents"
        ),
        pytest.param("a – b — “c” …", r"a -- b --- ``c'' \ldots{}", id="typography"),
        pytest.param("α-test", r"$\alpha$-test", id="greek"),
        pytest.param("ＡＢ：ﬁ", r"AB:fi", id="compatibility-forms"),
        pytest.param("  two\n lines ", "two lines", id="whitespace"),
    ],
)
def test_text_is_escaped_for_bibtex(text: str, expected: str) -> None:
    assert latex(text, ascii=True) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("BERT: Pre-training", "{BERT}: Pre-training"),
        ("GPT-4 Technical Report", "{GPT}-4 Technical Report"),
        ("Scaling ImageNet with T5", "Scaling {ImageNet} with {T5}"),
        ("A Study of Part I", "A Study of Part {I}"),
        ("Deep Q-Learning", "Deep {Q}-Learning"),
        ("Attention is all you need", "Attention is all you need"),
    ],
)
def test_titles_protect_capitals(title: str, expected: str) -> None:
    assert latex(title, ascii=True, title=True) == expected


def test_utf8_mode_keeps_non_ascii_but_still_escapes() -> None:
    assert latex("Über 中文 & co", ascii=False) == r"Über 中文 \& co"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        (Author("van den Oord", "Aaron"), "van den Oord, Aaron"),
        (Author("OpenAI", literal=True), "{OpenAI}"),
        (Author("Smith and Sons", "J."), "{Smith and Sons}, J."),
        (Author("Müller", "Jürgen"), r"M{\"u}ller, J{\"u}rgen"),
        (Author("Li Wei"), "{Li Wei}"),
    ],
)
def test_names(author: Author, expected: str) -> None:
    assert latex_name(author, ascii=True) == expected
