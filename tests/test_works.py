"""Records of one work become one paper; a link that is not certain is not made."""

from __future__ import annotations

from dataclasses import replace

import pytest

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
