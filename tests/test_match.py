"""Matching: tolerant of how people write titles, strict about what tells look-alikes apart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync import match
from papersync.model import Author, Hints, Ids, Mention, Paper, Status
from papersync.parse.venues import PRESENTATION, VENUE


def mention(
    raw: str, *, alias: str | None = None, title: str | None = None, **kw: object
) -> Mention:
    """A mention the way the parser gives it: the raw text, the title without its alias."""
    if title is None:
        title = raw
        if alias is None and ": " in raw and len(raw.split(": ")[0].split()) <= 2:
            alias, title = raw.split(": ", 1)
    return Mention(raw=raw, title=title, file="log.md", line=1, alias=alias, **kw)  # type: ignore[arg-type]


def paper(title: str, arxiv: str = "2101.00001", **kw: object) -> Paper:
    return Paper(ids=Ids(arxiv=arxiv), title=title, source="test", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        pytest.param(
            "Very deep conversational networks for large-scale image recognition",
            "Very Deep Convolutional Networks for Large-Scale Image Recognition",
            id="typo_in_one_word",
        ),
        pytest.param(
            "**ATTENTION IS ALL YOU NEED**", "Attention Is All You Need", id="markdown_and_caps"
        ),
        pytest.param(
            "BEiT：BERT pre-training of image transformers",
            "BEiT: BERT Pre-Training of Image Transformers",
            id="full_width_colon",
        ),
        pytest.param(
            "VAE: Auto-encoding variational bayes",
            "Auto-Encoding Variational Bayes",
            id="alias_not_in_title",
        ),
        pytest.param(
            "LoRA: Low-Rank Adaptation of Large Language Models",
            "LoRA: Low-Rank Adaptation of Large Language Models",
            id="alias_part_of_title",
        ),
        pytest.param(
            "(GenRead)Generate rather than retrieve: models are strong context generators",
            "Generate rather than Retrieve: Models are Strong Context Generators",
            id="alias_in_parentheses",
        ),
        pytest.param(
            "Tool Use: Solving Web Tasks with Agents in Hugging Face",
            "Tool Use: Solving Web Tasks with Agents in HuggingFace",
            id="word_written_apart",
        ),
        pytest.param(
            "Interest Modeling with Behavior Data for Click-Through Rate Prediction",
            "Interest Modeling with Behavior Data for CTR Prediction",
            id="acronym_for_words",
        ),
        pytest.param(
            "Cheap, Small and Open Speech Recognizers for Edge Devices and Mobile Phones",
            "Cheap, Small and Reliable Speech Recognizers for Edge Devices and Mobile Phones",
            id="one_word_reworded_in_long_title",
        ),
        pytest.param(
            "Masked Image Modeling with Vector-Quantized Visual Tokenizers",
            "BEiT v2: Masked Image Modeling with Vector-Quantized Visual Tokenizers",
            id="paper_name_dropped",
        ),
        pytest.param(
            "Reading Long Documents with Sparse Memory Layers",
            "Reading Long Documents with Sparse Memory Layers ICLR 2023 a note from the list",
            id="remark_after_catalog_title",
        ),
        pytest.param(
            "PointSeg: Point Cloud Segmentation",
            "PointSeg: Point Cloud Segmentation with Prompts",
            id="named_and_cut_short",
        ),
        pytest.param(
            "RNG: A Random Note Generator for Melody Retrieval",
            "Random Note Generator",
            id="alias_is_acronym_of_short_title",
        ),
    ],
)
def test_matches_despite_spelling(raw: str, title: str) -> None:
    result = match.decide(mention(raw), [paper(title)])
    assert result.status is Status.MATCHED, result.reason
    assert result.score >= match.MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        pytest.param(
            "DINO: Emerging Properties in Self-Supervised Vision Transformers",
            "DINOv2: Emerging Properties in Self-Supervised Vision Transformers",
            id="dino_vs_dinov2",
        ),
        pytest.param(
            "Textbooks Are All You Need",
            "Textbooks Are All You Need II: phi-1.5 technical report",
            id="sequel_roman_numeral",
        ),
        pytest.param(
            "Florence: Advancing a Unified Representation for Vision Tasks",
            "Florence-2: Advancing a Unified Representation for Vision Tasks",
            id="florence_vs_florence_2",
        ),
        pytest.param(
            "CodeT5: Open Code Large Language Models for Understanding and Generation",
            "CodeT5+: Open Code Large Language Models for Understanding and Generation",
            id="codet5_vs_codet5_plus",
        ),
        pytest.param(
            "MiniGPT-4: Enhancing Vision-Language Understanding with Language Models",
            "MiniGPT-5: Enhancing Vision-Language Understanding with Language Models",
            id="minigpt4_vs_minigpt5",
        ),
        pytest.param(
            "Emu: Generative Pretraining in Multimodality",
            "Emu2: Generative Pretraining in Multimodality",
            id="emu_vs_emu2",
        ),
        pytest.param(
            "DCN: Improved Deep & Cross Network for Web-scale Learning to Rank",
            "DCN V2: Improved Deep & Cross Network for Web-scale Learning to Rank",
            id="dcn_vs_dcn_v2",
        ),
        pytest.param(
            "Scaling Laws for Vision Models at 1.5 Billion Parameters",
            "Scaling Laws for Vision Models at 2 Billion Parameters",
            id="different_number",
        ),
        pytest.param(
            "Transformer: Attentive Language Models Beyond a Fixed-Length Context",
            "Transformer-XL: Attentive Language Models Beyond a Fixed-Length Context",
            id="size_marker_xl",
        ),
        pytest.param("BERT", "BART", id="short_title_one_letter_off"),
        pytest.param(
            "Segment Anything Model",
            "Stable Segment Anything Model",
            id="extra_word_in_short_title",
        ),
        pytest.param(
            "Attention Is All You Need",
            "Attention Is All You Need In Speech Separation",
            id="title_is_prefix_of_another",
        ),
        pytest.param(
            "GAT: Graph Attention Networks for Traffic Forecasting",
            "Graph Spatial Attention Networks for Traffic Forecasting",
            id="follow_up_adds_a_word",
        ),
    ],
)
def test_look_alikes_do_not_match(raw: str, title: str) -> None:
    result = match.decide(mention(raw), [paper(title)])
    assert result.status is not Status.MATCHED
    assert match.score(mention(raw), paper(title)) < match.MATCH_THRESHOLD


def test_sequel_chosen_over_original_when_named() -> None:
    original = paper("Emerging Properties in Self-Supervised Vision Transformers", "2104.14294")
    sequel = paper("DINOv2: Learning Robust Visual Features without Supervision", "2304.07193")
    result = match.decide(
        mention("DINOv2: Learning Robust Visual Features without Supervision"), [original, sequel]
    )
    assert result.status is Status.MATCHED
    assert result.paper == sequel


@pytest.mark.parametrize(
    ("hint", "year", "matched"),
    [
        pytest.param(2015, 2014, True, id="arxiv_year_before_conference_year"),
        pytest.param(2014, 2014, True, id="same_year"),
        pytest.param(2016, 2023, False, id="clear_conflict_vetoes"),
    ],
)
def test_year_hint_is_a_check(hint: int, year: int, matched: bool) -> None:
    title = "Learning Sparse Codes for Audio Classification"
    result = match.decide(mention(title, year_hint=hint), [paper(title, year=year)])
    assert (result.status is Status.MATCHED) is matched


def test_year_from_arxiv_id_when_paper_has_none() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    result = match.decide(mention(title, year_hint=2012), [paper(title, arxiv="2305.01234")])
    assert result.status is not Status.MATCHED


def test_preprint_read_before_its_published_year_is_not_vetoed() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    published = paper(title, arxiv="2212.01234", year=2023)
    assert match.score(mention(title, date=dt.date(2022, 12, 30)), published) == 1.0
    assert match.score(mention(title, year_hint=2023), published) == 1.0


def test_paper_newer_than_the_day_it_was_read_is_vetoed() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    read = mention(title, date=dt.date(2021, 3, 1))
    assert match.score(read, paper(title, arxiv="2301.00001", year=2023)) == 0.0
    assert match.score(read, paper(title, arxiv="2001.00001", year=2020)) == 1.0


def test_year_breaks_a_tie_between_same_titled_papers() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    old, new = paper(title, "1201.00001", year=2012), paper(title, "1901.00001", year=2019)
    result = match.decide(mention(title, year_hint=2019), [old, new])
    assert result.status is Status.MATCHED
    assert result.paper == new


def test_same_title_two_papers_is_ambiguous() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    first, second = paper(title, "1901.00001"), paper(title, "1902.00002")
    result = match.decide(mention(title), [first, second])
    assert result.status is Status.AMBIGUOUS
    assert {c.paper for c in result.candidates} == {first, second}
    assert "runner-up" in result.reason


def test_duplicates_of_one_paper_are_not_a_runner_up() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    same = paper(title, "1901.00001")
    result = match.decide(mention(title), [same, same, paper(title + " Revisited", "1903.00003")])
    assert result.status is Status.MATCHED
    assert result.paper == same


def test_ambiguous_keeps_at_most_three_candidates_best_first() -> None:
    title = "Learning Sparse Codes for Audio Classification"
    papers = [paper(title, f"19{n:02d}.00001") for n in range(1, 6)]
    result = match.decide(mention(title), papers)
    assert result.status is Status.AMBIGUOUS
    assert len(result.candidates) == 3
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)


def test_no_candidates_is_unresolved_with_a_reason() -> None:
    result = match.decide(mention("Anything At All Here"), [])
    assert result.status is Status.UNRESOLVED
    assert result.reason


def test_unrelated_candidates_are_unresolved() -> None:
    result = match.decide(
        mention("Learning Sparse Codes for Audio Classification"),
        [paper("A Survey of Graph Databases in Industry")],
    )
    assert result.status is Status.UNRESOLVED
    assert result.candidates == ()


def test_near_miss_is_ambiguous_not_matched() -> None:
    result = match.decide(
        mention("Learning Sparse Codes for Audio Classification"),
        [paper("Learning Dense Codes for Image Classification")],
    )
    assert result.status is Status.AMBIGUOUS
    assert result.paper is None


def test_id_in_the_log_wins() -> None:
    found = paper("Some Other Title Entirely Given By The Source", "2101.00001")
    log = mention("my notes on a paper", ids=Ids(arxiv="2101.00001"))
    assert match.score(log, found) == 1.0


def test_scores_are_between_zero_and_one() -> None:
    cases = [("A", "A"), ("Deep Learning", "Deep Learning"), ("x y z", "Deep Learning Book")]
    for raw, title in cases:
        assert 0.0 <= match.score(mention(raw), paper(title)) <= 1.0


def test_markers_fold_spellings_of_a_version() -> None:
    assert match.markers(match.normalise("DCN V2")) == match.markers(match.normalise("DCN-2"))
    assert match.markers(match.normalise("Part II")) == match.markers(match.normalise("Part 2"))
    assert match.markers(match.normalise("CodeT5+")) != match.markers(match.normalise("CodeT5"))


def test_normalise_and_identity_keep_their_meaning() -> None:
    assert match.normalise("**BEiT**：BERT Pre-Training — of <i>Image</i>") == (
        "beit bert pre training of image"
    )
    assert match.identity(mention("X", ids=Ids(doi="10.1/x"))) == "doi:10.1/x"
    assert match.identity(mention("Deep  *Learning*")) == "title:deep learning"


RESNET = "Deep Residual Learning for Image Recognition"
FOLLOW_UP = "Deep Residual Learning for Image Recognition with Sparse Gates"


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(f"{RESNET}. CVPR 2016, Oral.", id="venue_year_remark"),
        pytest.param(f"{RESNET}. arXiv 2015/12/10.", id="arxiv_date"),
        pytest.param(f"(CVPR'16) {RESNET}", id="leading_venue"),
        pytest.param(f"{RESNET} <kbd>CVPR 2016</kbd>", id="html_venue"),
        pytest.param(f"{RESNET}, Arxiv 2015", id="comma_arxiv_year"),
        pytest.param(f"{RESNET}. He, Zhang, et al. MSRA.", id="author_list_and_institute"),
        pytest.param(f"{RESNET}, Submit to NeurIPS 2016", id="submitted_to"),
        pytest.param(f"{RESNET} (ICML 2016 Best paper)", id="bracketed_award"),
    ],
)
def test_what_is_written_around_a_title_costs_nothing(written: str) -> None:
    papers = [paper(RESNET, "1512.03385"), paper(FOLLOW_UP, "1601.00001")]
    result = match.decide(mention(written), papers)
    assert result.status is Status.MATCHED, result.reason
    assert result.paper == papers[0]
    assert result.score == match.decide(mention(RESNET), papers).score


@pytest.mark.parametrize(
    ("written", "title"),
    [
        pytest.param(
            "Stable Segment Anything Model. CVPR 2024, Oral.",
            "Segment Anything Model",
            id="follow_up_with_trailer",
        ),
        pytest.param(
            "DINO: Emerging Properties in Self-Supervised Vision Transformers (ICCV 2021)",
            "DINOv2: Emerging Properties in Self-Supervised Vision Transformers",
            id="dino_vs_dinov2_with_trailer",
        ),
        pytest.param(
            "BEiT: BERT Pre-Training of Image Transformers, ICLR 2022",
            "BEiT v2: BERT Pre-Training of Image Transformers",
            id="beit_vs_beit_v2_with_trailer",
        ),
        pytest.param(
            f"{RESNET} Revisited. CVPR 2016",
            RESNET,
            id="own_content_word_is_not_a_trailer",
        ),
    ],
)
def test_trailers_never_hide_a_follow_up(written: str, title: str) -> None:
    assert match.decide(mention(written), [paper(title)]).status is not Status.MATCHED


def test_a_truncated_title_matches_the_one_paper_it_opens() -> None:
    cut = mention("Deep Residual Learning for Image Recog…")
    result = match.decide(cut, [paper(RESNET), paper("Deep Networks for Images", "2101.00002")])
    assert result.status is Status.MATCHED, result.reason
    assert result.score == pytest.approx(0.9)


def test_a_truncated_title_opening_two_papers_is_ambiguous() -> None:
    cut = mention("Deep Residual Learning for Image...")
    papers = [paper(RESNET), paper(FOLLOW_UP, "1601.00001")]
    result = match.decide(cut, papers)
    assert result.status is Status.AMBIGUOUS
    assert {c.paper.ids.arxiv for c in result.candidates} == {"2101.00001", "1601.00001"}


def test_a_word_damaged_at_one_end_keeps_most_of_its_weight() -> None:
    damaged = mention("Generating Sentences from a `ous Space")
    result = match.decide(damaged, [paper("Generating Sentences from a Continuous Space")])
    assert result.status is Status.MATCHED, result.reason


def test_a_name_spelling_out_its_title_finds_the_shorter_title() -> None:
    named = mention("SAM: Segment Anything Model")
    papers = [paper("Segment Anything", "2304.02643"), paper("Stable Segment Anything Model")]
    result = match.decide(named, papers)
    assert result.status is Status.MATCHED, result.reason
    assert result.paper == papers[0]


def test_read_before_arxiv_lowers_the_score_and_says_why() -> None:
    early = mention(RESNET, date=dt.date(2015, 10, 2))
    result = match.decide(early, [paper(RESNET, "1512.03385")])
    assert result.status is Status.MATCHED
    assert result.score == match.EARLY_READ_PENALTY
    assert "after the day it was logged (2015-10-02)" in result.reason


def test_read_long_before_arxiv_is_vetoed_and_named() -> None:
    early = mention(RESNET, date=dt.date(2013, 1, 2))
    result = match.decide(early, [paper(RESNET, "1512.03385")])
    assert result.status is Status.UNRESOLVED
    assert result.reason.startswith("ruled out:")
    assert "2015-12" in result.reason and "0.00" not in result.reason


def test_a_year_far_from_the_written_one_is_named_as_the_reason() -> None:
    result = match.decide(mention(f"{RESNET}, CVPR 2021"), [paper(RESNET, "1512.03385")])
    assert result.status is Status.UNRESOLVED
    assert "the log says 2021" in result.reason


def test_not_a_paper_is_never_matched() -> None:
    talk = mention(RESNET, not_a_paper="a video covering many papers")
    result = match.decide(talk, [paper(RESNET)])
    assert result.status is Status.NOT_A_PAPER
    assert result.paper is None and result.reason == "a video covering many papers"


_WORD = (
    st.text(alphabet="bcdfghjklmnprstvwz", min_size=4, max_size=9)
    .map(str.capitalize)
    .filter(lambda word: not re.fullmatch(f"{VENUE}|{PRESENTATION}", word, re.IGNORECASE))
)
"""Title words; a title ending in a venue's name is a case of its own (`test_trailer`)."""
_VENUE = st.sampled_from(["CVPR", "ICCV", "NeurIPS", "ICLR", "ACL", "EMNLP", "KDD", "arXiv"])
_SURNAME = st.sampled_from(["Yang", "Li", "He", "Zhang", "Smith", "Müller"])


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(_WORD, min_size=3, max_size=8, unique=True),
    venue=_VENUE,
    year=st.integers(min_value=2012, max_value=2024),
    authors=st.lists(_SURNAME, min_size=1, max_size=3, unique=True),
    shape=st.sampled_from(["venue", "bracket", "authors", "leading", "emphasis"]),
    extra=_WORD,
    named=st.sampled_from(["no", "initials", "word"]),
)
def test_a_trailer_decides_like_the_hints_it_carries(
    words: list[str],
    venue: str,
    year: int,
    authors: list[str],
    shape: str,
    extra: str,
    named: str,
) -> None:
    title = " ".join(words)
    alias = {"no": None, "initials": "".join(w[0] for w in words), "word": extra}[named]
    written, hints = {
        "venue": (f"{title}. {venue} {year}, Oral.", Hints(venue=venue, year=year)),
        "bracket": (f"{title} ({venue} {year})", Hints(venue=venue, year=year)),
        "authors": (f"{title}. {', '.join(authors)}, et al.", Hints(authors=tuple(authors))),
        "leading": (f"[{venue} {year}] {title}", Hints(venue=venue, year=year)),
        "emphasis": (f"**{title}** <kbd>{venue} {year}</kbd>", Hints(venue=venue, year=year)),
    }[shape]
    papers = [
        paper(title, "1801.00001", year=2018),
        paper(f"{title} {extra}", "2001.00002", year=2020),
        paper(" ".join(words[:-1]), "2201.00003", year=2022),
    ]
    prefix = f"{alias}: " if alias else ""
    cut = Mention(raw=prefix + title, title=title, alias=alias, file="log.md", line=1, hints=hints)
    whole = Mention(raw=prefix + written, title=written, alias=alias, file="log.md", line=1)
    expected, got = match.decide(cut, papers), match.decide(whole, papers)
    assert (got.status, got.paper, got.score) == (expected.status, expected.paper, expected.score)


def test_authors_the_log_names_agree_or_lower_the_score() -> None:
    authored = paper(RESNET, "1512.03385", authors=(Author("He", "Kaiming"), Author("Sun", "Jian")))
    agreeing = match.decide(mention(f"{RESNET}. He, Zhang, et al."), [authored])
    assert agreeing.status is Status.MATCHED and agreeing.score == 1.0
    other = match.decide(mention(f"{RESNET}. Yang, Li, et al."), [authored])
    assert other.score == match.AUTHOR_PENALTY
    assert "none of Yang, Li is among its authors" in other.reason


@pytest.mark.parametrize(
    ("written", "title", "matched"),
    [
        pytest.param(
            "Qwen-VL: A Versatile Vision-Language Model for Understanding and Beyond",
            "Qwen-VL: A Frontier Large Vision-Language Model with Versatile Abilities",
            True,
            id="renamed_subtitle_same_distinct_name",
        ),
        pytest.param(
            "DINO: Emerging Properties in Self-Supervised Vision Transformers",
            "DINO: DETR with Improved DeNoising Anchor Boxes for End-to-End Object Detection",
            False,
            id="same_name_other_paper",
        ),
        pytest.param(
            "Reflexion: Language Agents with Verbal Reinforcement Learning",
            "Reflexion: an autonomous agent with dynamic memory and self-reflection",
            False,
            id="plain_word_name_few_words_shared",
        ),
    ],
)
def test_a_distinct_name_keeps_a_paper_whose_subtitle_changed(
    written: str, title: str, matched: bool
) -> None:
    result = match.decide(mention(written), [paper(title)])
    assert (result.status is Status.MATCHED) is matched, result.reason
