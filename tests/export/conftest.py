"""Shared by the exporters' tests: a work with a preprint and a published version, built by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from papersync.model import Author, Ids, Paper, PaperKind

RESNET_AUTHORS = (
    Author("He", "Kaiming"),
    Author("Zhang", "Xiangyu"),
    Author("Ren", "Shaoqing"),
    Author("Sun", "Jian"),
)


@pytest.fixture
def resnet() -> Paper:
    """ResNet as one work: its arXiv preprint (2015) and its CVPR 2016 record with a DOI."""
    title = "Deep Residual Learning for Image Recognition"
    preprint = Paper(
        Ids(arxiv="1512.03385"), title, "arxiv", RESNET_AUTHORS, 2015, date="2015-12-10",
        primary_class="cs.CV",
    )  # fmt: skip
    published = Paper(
        Ids(doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16"), title, "dblp",
        RESNET_AUTHORS, 2016, venue="2016 IEEE Conference on Computer Vision and Pattern "
        "Recognition (CVPR)", kind=PaperKind.CONFERENCE, pages="770--778",
        publisher="IEEE Computer Society", url="https://doi.org/10.1109/CVPR.2016.90",
    )  # fmt: skip
    ids = Ids(arxiv="1512.03385", doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
    return replace(published, ids=ids, versions=(preprint, published))
