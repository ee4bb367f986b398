"""Records of one work become one paper; a link that is not certain is not made."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync import works
from papersync.model import Author, Ids, Paper, PaperKind


def people(*families: str) -> tuple[Author, ...]:
    return tuple(Author(family=f, given="A.") for f in families)


RESNET_ARXIV = Paper(
    ids=Ids(arxiv="1512.03385"),
    title="Deep Residual Learning for Image Recognition",
    source="catalog",
    authors=people("He", "Zhang", "Ren", "Sun"),
    year=2015,
    kind=PaperKind.PREPRINT,
    abstract="Deeper neural networks are more difficult to train.",
)
RESNET_CVPR = Paper(
    ids=Ids(doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16"),
    title="Deep Residual Learning for Image Recognition.",
    source="catalog",
    authors=people("He", "Zhang", "Ren", "Sun"),
    year=2016,
    venue="2016 IEEE Conference on Computer Vision and Pattern Recognition, CVPR 2016",
    kind=PaperKind.CONFERENCE,
    pages="770--778",
)
GAN_ARXIV = Paper(
    ids=Ids(arxiv="1406.2661"),
    title="Generative Adversarial Networks",
    source="catalog",
    authors=people("Goodfellow", "Pouget-Abadie", "Mirza", "Xu"),
    year=2014,
)
GAN_NIPS = Paper(
    ids=Ids(dblp="conf/nips/GoodfellowPMXWOCB14"),
    title="Generative Adversarial Nets",
    source="catalog",
    authors=people("Goodfellow", "Pouget-Abadie", "Mirza", "Xu"),
    year=2014,
    venue="NIPS",
    kind=PaperKind.CONFERENCE,
)


def test_arxiv_and_cvpr_records_become_one_work_with_the_published_fields() -> None:
    (work,) = works.merge([RESNET_ARXIV, RESNET_CVPR])
    assert work.kind is PaperKind.CONFERENCE
    assert (work.year, work.pages, work.venue) == (2016, "770--778", RESNET_CVPR.venue)
    assert work.ids == Ids(arxiv="1512.03385", doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
    assert work.key == "arxiv:1512.03385"
    assert work.abstract == RESNET_ARXIV.abstract
    assert set(work.versions) == {RESNET_ARXIV, RESNET_CVPR}
    preprint = work.version("preprint")
    assert (preprint.kind, preprint.year, preprint.ids) == (PaperKind.PREPRINT, 2015, work.ids)


def test_a_retitled_pair_is_linked() -> None:
    (work,) = works.merge([GAN_ARXIV, GAN_NIPS])
    assert (work.title, work.ids.arxiv, work.ids.dblp) == (
        "Generative Adversarial Nets",
        "1406.2661",
        "conf/nips/GoodfellowPMXWOCB14",
    )


def test_a_retitle_with_a_subtitle_needs_the_same_authors() -> None:
    arxiv = replace(GAN_ARXIV, title="Adversarial Nets for Image Synthesis at Scale")
    published = replace(GAN_NIPS, title="Adversarial Nets for Image Synthesis")
    assert works.linked(arxiv, published)
    assert not works.linked(replace(arxiv, authors=()), published)


def test_a_retitle_links_when_the_preprint_names_the_published_venue_and_year() -> None:
    arxiv = replace(GAN_ARXIV, title="Adversarial Nets for Image Synthesis at Scale", authors=())
    published = replace(
        GAN_NIPS,
        title="Adversarial Nets for Image Synthesis",
        venue="Advances in Neural Information Processing Systems 27 (NIPS 2014)",
    )
    assert works.linked(replace(arxiv, venue="NIPS 2014, Montreal"), published)
    assert not works.linked(replace(arxiv, venue="ICML 2014"), published)
    assert not works.linked(replace(arxiv, venue="NIPS 2015"), published)
    assert not works.linked(arxiv, published)


@pytest.mark.parametrize(
    "published",
    [
        pytest.param(replace(GAN_NIPS, authors=people("Smith", "Jones")), id="different_authors"),
        pytest.param(replace(GAN_NIPS, year=2019), id="years_five_apart"),
        pytest.param(replace(GAN_NIPS, title="Generative Adversarial Nets 2"), id="a_sequel"),
        pytest.param(replace(GAN_NIPS, title="Conditional Generative Nets"), id="other_title"),
    ],
)
def test_an_uncertain_pair_is_not_linked(published: Paper) -> None:
    assert len(works.merge([GAN_ARXIV, published])) == 2


def test_two_preprints_that_could_be_the_published_one_link_neither() -> None:
    twin = replace(GAN_ARXIV, ids=Ids(arxiv="1406.9999"))
    merged = works.merge([GAN_ARXIV, twin, GAN_NIPS])
    assert len(merged) == 3


def test_ids_a_source_states_link_directly() -> None:
    stated = replace(RESNET_ARXIV, ids=Ids(arxiv="1512.03385", doi="10.1109/cvpr.2016.90"))
    other_title = replace(RESNET_CVPR, title="Residual Nets", authors=())
    (work,) = works.merge([stated, other_title])
    assert work.title == "Residual Nets"
    arxiv_doi = replace(RESNET_CVPR, ids=Ids(doi="10.48550/arxiv.1512.03385"), title="X Y Z")
    (work,) = works.merge([RESNET_ARXIV, arxiv_doi])
    assert work.ids.doi is None and work.ids.arxiv == "1512.03385"


def test_merging_is_idempotent_and_keeps_unrelated_papers_in_order() -> None:
    once = works.merge([GAN_ARXIV, RESNET_ARXIV, GAN_NIPS, RESNET_CVPR])
    assert [w.ids.arxiv for w in once] == ["1406.2661", "1512.03385"]
    assert works.merge(once) == once


WORDS = ("deep", "residual", "generative", "adversarial", "nets", "networks", "graph", "image")
RECORDS = st.builds(
    lambda words, arxiv, year, kind, authors: Paper(
        ids=Ids(arxiv=f"14{arxiv:02d}.00001")
        if kind is PaperKind.PREPRINT
        else Ids(dblp=f"conf/x/{arxiv}{''.join(words)}"),
        title=" ".join(words),
        source="catalog",
        year=year,
        kind=kind,
        authors=people(*authors),
    ),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=4),
    st.integers(0, 3),
    st.integers(2012, 2018),
    st.sampled_from([PaperKind.PREPRINT, PaperKind.CONFERENCE]),
    st.lists(st.sampled_from(("He", "Xu", "Li")), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(RECORDS, max_size=6, unique=True), st.randoms())
def test_merging_never_joins_two_preprints_and_does_not_depend_on_order(
    records: list[Paper], rng: random.Random
) -> None:
    merged = works.merge(records)
    for work in merged:
        preprints = {v.ids.arxiv for v in work.versions if v.kind is PaperKind.PREPRINT}
        assert len(preprints) <= 1
        published = [v for v in work.versions if v.kind is not PaperKind.PREPRINT]
        assert len(published) <= 1 or len({v.ids.dblp for v in published}) == 1
    shuffled = list(records)
    rng.shuffle(shuffled)
    grouping = {frozenset(w.versions or (w,)) for w in merged}
    assert {frozenset(w.versions or (w,)) for w in works.merge(shuffled)} == grouping
    assert works.merge(merged) == merged
