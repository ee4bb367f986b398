"""Citation keys: the formula language, its errors, and assignment that never renames a key."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.citekey import DEFAULT_FORMULA, assign, is_valid, parse
from papersync.errors import FormulaError
from papersync.model import Author, Ids, Paper

VAE = Paper(
    Ids(arxiv="1312.6114"),
    "Auto-Encoding Variational Bayes",
    "test",
    (Author("Kingma", "Diederik P."), Author("Welling", "Max")),
    2013,
)


def paper(title: str, *families: str, year: int | None = 2020, arxiv: str = "2001.00001") -> Paper:
    return Paper(Ids(arxiv=arxiv), title, "test", tuple(Author(f, "A.") for f in families), year)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        pytest.param(DEFAULT_FORMULA, "kingma2013autoencoding", id="default"),
        pytest.param("auth + year", "Kingma2013", id="auth-case-kept"),
        pytest.param("auth(3).upper + shortyear", "KIN13", id="auth-n-upper"),
        pytest.param("authors", "KingmaWelling", id="authors-all"),
        pytest.param("authors(1) + year", "KingmaEtAl2013", id="authors-etal"),
        pytest.param(
            "auth.lower + shorttitle", "kingmaAutoEncodingVariationalBayes", id="shorttitle"
        ),
        pytest.param("auth.lower + shorttitle(2,1)", "kingmaAutoEncodingVariational", id="st-2-1"),
        pytest.param("veryshorttitle + year", "AutoEncoding2013", id="veryshort"),
        pytest.param("title.lower", "autoencodingvariationalbayes", id="title"),
        pytest.param("auth.lower + '_' + year + ':' + 'x'", "kingma_2013:x", id="literals"),
        pytest.param("  auth.lower.upper +year ", "KINGMA2013", id="spaces-chained"),
    ],
)
def test_formula_renders(formula: str, expected: str) -> None:
    assert parse(formula).render(VAE) == expected


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("The Annotated Transformer", "annotated"),
        ("On the Opportunities and Risks of Foundation Models", "opportunities"),
        ("Towards a Definition of Disentangled Representations", "definition"),
        ("Attention Is All You Need", "attention"),
        ("GPT-4 Technical Report", "gpt4"),
        ("A", "a"),  # only stop words: nothing significant, the key falls back further
    ],
)
def test_shorttitle_skips_stop_words(title: str, word: str) -> None:
    key = parse("shorttitle(1,0).lower").render(paper(title, "X"))
    assert key == (word if word != "a" else "")


def test_shorttitle_capitalises_only_the_first_m_words() -> None:
    lower = paper("deep residual learning for images", "He")
    assert parse("shorttitle(3,1)").render(lower) == "Deepresiduallearning"
    assert parse("shorttitle").render(lower) == "DeepResidualLearning"


def test_names_are_folded_to_ascii_letters() -> None:
    folded = paper("Kernel Methods", "Schölkopf")
    assert parse(DEFAULT_FORMULA).render(folded) == "scholkopf2020kernel"
    assert parse("auth.lower").render(paper("X", "Łukasiewicz-Ørsted")) == "lukasiewiczorsted"
    assert parse("auth.lower").render(paper("X", "van den Oord")) == "vandenoord"


def test_missing_author_falls_back_to_title_word_and_missing_year_is_omitted() -> None:
    anonymous = paper("Deep Residual Learning", year=None)
    assert parse(DEFAULT_FORMULA).render(anonymous) == "deepresidual"
    assert parse(DEFAULT_FORMULA).render(replace(anonymous, year=2016)) == "deep2016residual"
    assert parse("authors(2) + year").render(anonymous) == "Deep"
    # without a name term in the formula, title words are all the title's
    assert parse("veryshorttitle + year").render(anonymous) == "Deep"
    assert parse("auth.lower").render(paper("The", year=None)) == ""


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        pytest.param("", "empty formula", id="empty"),
        pytest.param("auth +", "found the end", id="dangling-plus"),
        pytest.param("auth year", "'+' between terms", id="missing-plus"),
        pytest.param("autor.lower", "unknown function 'autor' at position 1", id="unknown-fn"),
        pytest.param("auth.lowercase", "unknown modifier 'lowercase' at position 6", id="modifier"),
        pytest.param("shorttitle(1)", "takes 0 or 2 arguments, not 1", id="arity"),
        pytest.param("auth(", "expected a whole number", id="unclosed-args"),
        pytest.param("auth(2", "expected ')'", id="missing-paren"),
        pytest.param("'a b'", "may hold only letters", id="bad-literal"),
        pytest.param("'unterminated", 'unexpected "\'" at position 1', id="open-quote"),
        pytest.param("auth + $", "unexpected '$' at position 8", id="bad-char"),
    ],
)
def test_bad_formulas_raise_with_a_message_naming_the_problem(formula: str, message: str) -> None:
    with pytest.raises(FormulaError) as excinfo:
        parse(formula)
    assert message in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_assign_keeps_pins_and_suffixes_collisions_in_a_stable_order() -> None:
    papers = {
        "arxiv:1": paper("Deep Learning Basics", "Smith", arxiv="1"),
        "arxiv:2": paper("Deep Learning Advanced", "Smith", arxiv="2"),
        "arxiv:3": paper("Deep Nets", "Smith", arxiv="3"),
        "arxiv:4": paper("Deep Nets", "Smith", year=2019, arxiv="4"),
    }
    keys = assign(papers, {"arxiv:3": "Smith2020deep"})
    assert keys["arxiv:3"] == "Smith2020deep"
    # arxiv:4 is 2019, so keyed alone; the other two collide with the pin (case-insensitively)
    assert keys["arxiv:4"] == "smith2019deep"
    assert (keys["arxiv:2"], keys["arxiv:1"]) == ("smith2020deepa", "smith2020deepb")
    shuffled = list(papers.items())
    random.Random(7).shuffle(shuffled)
    assert assign(dict(shuffled), {"arxiv:3": "Smith2020deep"}) == keys


def test_seniority_lets_the_paper_read_first_claim_the_bare_key() -> None:
    papers = {
        "arxiv:1": paper("Deep Nets", "Smith", arxiv="1"),
        "arxiv:2": paper("Deep Nets Again", "Smith", arxiv="2"),
    }
    assert assign(papers, {})["arxiv:1"] == "smith2020deep"  # title order without seniority
    first_read = {"arxiv:2": "2021-03-01", "arxiv:1": "2022-07-15"}
    keys = assign(papers, {}, seniority=first_read)
    assert keys == {"arxiv:2": "smith2020deep", "arxiv:1": "smith2020deepa"}


def test_pins_of_departed_papers_and_reserved_keys_stay_taken() -> None:
    papers = {"arxiv:9": paper("Deep Nets", "Smith", arxiv="9")}
    assert assign(papers, {"arxiv:gone": "smith2020deep"}) == {"arxiv:9": "smith2020deepa"}
    assert assign(papers, {}, reserved=["SMITH2020DEEP", "smith2020deepa"]) == {
        "arxiv:9": "smith2020deepb"
    }


def test_keys_of_unpinned_papers_only_are_returned() -> None:
    keys = assign({"arxiv:1": VAE}, {"arxiv:1": "handpicked", "arxiv:other": "x"})
    assert keys == {"arxiv:1": "handpicked"}


def test_key_with_no_letters_falls_back_to_the_paper_identity() -> None:
    cjk = Paper(Ids(doi="10.1000/xyz.1"), "深度学习", "test", (Author("王", "小明"),), 2021)
    keys = assign({"doi:10.1000/xyz.1": cjk}, {})
    assert keys == {"doi:10.1000/xyz.1": "refdoi101000xyz1"}


def test_stability_across_metadata_formula_and_new_papers() -> None:
    first = {"arxiv:1312.6114": VAE}
    pinned = assign(first, {})
    assert pinned == {"arxiv:1312.6114": "kingma2013autoencoding"}
    better = Paper(
        VAE.ids, "Auto-Encoding Variational Bayes (v11)", "s2", (Author("Welling"),), 2014
    )
    rival = Paper(Ids(arxiv="9999.0001"), "Auto-encoding things", "test", VAE.authors, 2013)
    later = assign({"arxiv:1312.6114": better, "arxiv:9999.0001": rival}, pinned)
    assert later["arxiv:1312.6114"] == "kingma2013autoencoding"
    assert later["arxiv:9999.0001"] == "kingma2013autoencodinga"
    other = assign({"arxiv:1312.6114": better}, pinned, "authors(2) + year")
    assert other == pinned


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_TEXT, st.lists(_TEXT, max_size=3), st.one_of(st.none(), st.integers(1, 2100))),
        max_size=8,
    )
)
def test_every_assigned_key_is_valid_and_unique(
    entries: list[tuple[str, list[str], int | None]],
) -> None:
    papers = {
        f"arxiv:{i}": Paper(
            Ids(arxiv=str(i)), title, "test", tuple(Author(f) for f in families), year
        )
        for i, (title, families, year) in enumerate(entries)
    }
    keys = assign(papers, {})
    assert set(keys) == set(papers)
    assert all(is_valid(k) and re.search("[A-Za-z]", k) for k in keys.values())
    assert len({k.casefold() for k in keys.values()}) == len(keys)
