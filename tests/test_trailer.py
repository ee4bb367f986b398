"""What is written around a title: cut only beside an anchor (year, date, venue, `et al`)."""

from __future__ import annotations

import pytest

from papersync.trailer import Cut, split

TITLE = "Deep Residual Learning for Image Recognition"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param(f"{TITLE}. CVPR 2016, Oral.", Cut(TITLE, 2016, "CVPR"), id="venue_year_oral"),
        pytest.param(f"{TITLE}. arXiv 2015/12/10.", Cut(TITLE, 2015, "arXiv"), id="arxiv_date"),
        pytest.param(f"(ICCV'21) {TITLE}", Cut(TITLE, 2021, "ICCV"), id="leading_short_year"),
        pytest.param(f"2024 - {TITLE}", Cut(TITLE, 2024), id="leading_year"),
        pytest.param(f"{TITLE} <kbd>NeurIPS 2020</kbd>", Cut(TITLE, 2020, "NeurIPS"), id="html"),
        pytest.param(f"{TITLE}, Submit to NeurIPS 2022", Cut(TITLE, 2022, "NeurIPS"), id="submit"),
        pytest.param(f"{TITLE} (ACL 2022 Long)", Cut(TITLE, 2022, "ACL"), id="bracketed"),
        pytest.param(f"{TITLE} (NeurIPS2020)", Cut(TITLE, 2020, "NeurIPS"), id="glued_year"),
        pytest.param(
            f"{TITLE}. Yang, Li, et al. CAS.", Cut(TITLE, authors=("Yang", "Li")), id="authors"
        ),
        pytest.param(
            f"{TITLE}, He and Zhang et al., CVPR 2016",
            Cut(TITLE, 2016, "CVPR", ("He", "Zhang")),
            id="authors_then_venue",
        ),
        pytest.param(f"{TITLE} 2016", Cut(TITLE, 2016, only_year=True), id="bare_year"),
        pytest.param(f"{TITLE}. KDD, Oral.", Cut(TITLE, venue="KDD"), id="venue_set_off"),
    ],
)
def test_a_trailer_is_cut_and_kept_as_evidence(written: str, expected: Cut) -> None:
    assert split(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(TITLE, id="plain"),
        pytest.param(f"{TITLE}, Oral", id="remark_without_anchor"),
        pytest.param(f"{TITLE} He et al.", id="authors_not_set_off"),
        pytest.param("Submit to NeurIPS 2022", id="nothing_would_be_left"),
        pytest.param("YOLOv4: Optimal Speed and Accuracy of Object Detection", id="name_digits"),
        pytest.param("CheckList", id="camel_case_name"),
        pytest.param("Deep Learning for Big Data KDD", id="venue_word_not_set_off"),
    ],
)
def test_nothing_is_cut_without_an_anchor(written: str) -> None:
    cut = split(written)
    assert cut.title == written
    assert not cut.cut
