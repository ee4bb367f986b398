"""Short names: known from titles, abstracts, the log and the person, never from a hand list."""

from __future__ import annotations

import datetime as dt

import pytest

from papersync import match, names
from papersync.model import Ids, Mention, Name, Paper, Status


def named(name: str, **kw: object) -> Mention:
    """A mention that writes only a short name, as the parser gives `[DETR]`."""
    return Mention(raw=name, title=name, alias=name, file="log.md", line=1, **kw)  # type: ignore[arg-type]


def paper(title: str, arxiv: str = "2101.00001", **kw: object) -> Paper:
    return Paper(ids=Ids(arxiv=arxiv), title=title, source="test", **kw)  # type: ignore[arg-type]


MOCO = paper(
    "Momentum Contrast for Unsupervised Visual Representation Learning",
    "1911.05722",
    abstract="We present Momentum Contrast (MoCo) for unsupervised visual representation "
    "learning. MoCo provides competitive results.",
)
MOCO_V2 = paper(
    "Improved Baselines with Momentum Contrastive Learning",
    "2003.04297",
    abstract="Contrastive unsupervised learning has recently shown encouraging progress, e.g., in "
    "Momentum Contrast (MoCo) and SimCLR. We verify two design improvements in MoCo.",
)
DETR = paper(
    "End-to-End Object Detection with Transformers",
    "2005.12872",
    abstract="We present a new method. The main ingredients of the new framework, called "
    "DEtection TRansformer or DETR, are a set-based global loss and a transformer.",
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param(
            "ViLT: Vision-and-Language Transformer Without Convolution",
            Name("ViLT", "title-prefix"),
            id="prefix",
        ),
        pytest.param(
            "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows",
            Name("Swin Transformer", "title-prefix"),
            id="two_word_prefix",
        ),
        pytest.param(
            "Competition-Level Code Generation with AlphaCode",
            Name("AlphaCode", "title-suffix"),
            id="suffix",
        ),
        pytest.param("Mask R-CNN", Name("Mask R-CNN", "title"), id="whole_title"),
    ],
)
def test_a_title_gives_its_paper_a_name(title: str, expected: Name) -> None:
    assert expected in names.title_names(title)


def test_an_ordinary_last_word_is_not_a_name() -> None:
    assert not [n for n in names.title_names("Learning to See in the Dark") if n.text == "Dark"]


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        pytest.param(MOCO.abstract, Name("MoCo", "abstract"), id="we_present_long_form"),
        pytest.param(DETR.abstract, Name("DETR", "abstract"), id="called_x_or_name"),
        pytest.param(
            "We introduce AlphaCode, a system for code generation.",
            Name("AlphaCode", "abstract"),
            id="we_introduce_name_a",
        ),
        pytest.param(
            'Our method, named "TimeSformer," adapts the standard Transformer.',
            Name("TimeSformer", "abstract"),
            id="named_in_quotes",
        ),
        pytest.param(
            "We propose improvements to the YOLO method. The improved model, YOLOv2, is fast.",
            Name("YOLOv2", "abstract"),
            id="the_improved_model_name",
        ),
        pytest.param(MOCO_V2.abstract, Name("MoCo", "abstract-mention"), id="only_mentioned"),
    ],
)
def test_an_abstract_defines_a_name(abstract: str, expected: Name) -> None:
    assert expected in names.abstract_names(abstract)


def test_a_long_form_in_a_followers_abstract_is_not_a_definition() -> None:
    found = names.abstract_names(
        "In this paper, we present SRGAN, a generative adversarial network (GAN) for images."
    )
    assert Name("GAN", "abstract") not in found
    assert Name("SRGAN", "abstract") in found


def test_a_name_defined_in_one_abstract_matches_that_paper() -> None:
    result = match.decide(named("MoCo"), [MOCO_V2, MOCO])
    assert result.status is Status.MATCHED, result.reason
    assert result.paper == MOCO
    assert "abstract" in result.reason


def test_a_name_in_a_title_prefix_matches() -> None:
    vilt = paper("ViLT: Vision-and-Language Transformer Without Convolution", "2102.03334")
    result = match.decide(named("ViLT"), [vilt, paper("Vision and Language", "2001.00001")])
    assert result.status is Status.MATCHED
    assert result.paper == vilt


def test_two_papers_claiming_one_name_are_ambiguous_with_both_best_first() -> None:
    detector = paper("DINO: DETR with Improved DeNoising Anchor Boxes", "2203.03605")
    ssl = paper(
        "Emerging Properties in Self-Supervised Vision Transformers",
        "2104.14294",
        abstract="We implement a simple self-supervised method, which we call DINO, a form of "
        "self-distillation.",
    )
    result = match.decide(named("DINO"), [detector, ssl])
    assert result.status is Status.AMBIGUOUS
    assert {c.paper.key for c in result.candidates} == {detector.key, ssl.key}
    assert "2 papers are called 'DINO'" in result.reason


@pytest.mark.parametrize(
    ("name", "title"),
    [
        pytest.param("MoCov2", "MoCo: Momentum Contrast", id="v2_vs_none"),
        pytest.param("YOLOv2", "YOLO9000: Better, Faster, Stronger", id="yolov2_vs_yolo9000"),
        pytest.param("wav2vec 2.0", "wav2vec: Unsupervised Pre-training", id="point_zero"),
        pytest.param("CodeT5", "CodeT5+: Open Code Large Language Models", id="plus_plus"),
        pytest.param("BEiT v2", "BEiT: BERT Pre-Training of Image Transformers", id="space_v2"),
    ],
)
def test_version_markers_must_agree(name: str, title: str) -> None:
    result = match.decide(named(name), [paper(title)])
    assert result.status is not Status.MATCHED


def test_one_spelling_of_a_version_is_another() -> None:
    assert names.fold("MoCo v2") == names.fold("MoCov2")
    assert names.fold("DALL·E 2") == names.fold("DALL.E 2")
    assert names.fold("Mask RCNN") == names.fold("Mask R-CNN")
    assert names.fold("MoCov1") == names.fold("MoCo") != names.fold("MoCov2")


def test_zero_is_not_a_zero_shot_paper() -> None:
    shot = paper("Zero-Shot Text-to-Image Generation", "2102.12092")
    assert match.decide(named("Zero"), [shot]).status is Status.UNRESOLVED
    zero = paper(
        "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models", "1910.02054"
    )
    result = match.decide(named("Zero"), [shot, zero])
    assert result.paper == zero


def test_a_name_everyone_uses_is_not_matched() -> None:
    users = [
        paper("Video Object Tracking with Transformer", "2101.00002"),
        paper("Swin Transformer: Hierarchical Vision Transformer", "2103.14030"),
        paper("Transformer in Transformer", "2103.00112"),
    ]
    result = match.decide(named("Transformer"), users)
    assert result.status is not Status.MATCHED


def test_no_evidence_is_unresolved_with_the_nearest_names() -> None:
    result = match.decide(named("ViLD"), [paper("ViLT: Vision-and-Language Transformer")])
    assert result.status is Status.UNRESOLVED
    assert "nearest: ViLT" in result.reason


def test_a_name_read_long_before_the_paper_existed_is_ruled_out() -> None:
    result = match.decide(named("DETR", date=dt.date(2018, 1, 5)), [DETR])
    assert result.status is Status.UNRESOLVED
    assert result.reason.startswith("ruled out:")


def test_the_log_teaches_a_name_and_its_mentions_resolve() -> None:
    title = "Deep Residual Learning for Image Recognition"
    taught = Mention(raw=f"ResNet: {title}", title=title, alias="ResNet", file="a.md", line=3)
    later = named("ResNet")
    learnt = names.learn([taught, later])
    assert learnt == {"resnet": title}
    resolved = names.teach([taught, later], learnt)[1]
    assert resolved.title == title and resolved.alias == "ResNet"
    assert match.identity(resolved) == match.identity(taught)
    result = match.decide(resolved, [paper(title, "1512.03385")])
    assert result.status is Status.MATCHED


def test_a_leading_parenthesis_teaches_a_name_too() -> None:
    title = "An Image is Worth 16x16 Words"
    written = Mention(raw=f"(ViT){title}", title=title, file="a.md", line=1)
    assert names.learn([written]) == {"vit": title}


def test_a_name_taught_two_titles_teaches_nothing() -> None:
    one = Mention(
        raw="GAN: Generative Adversarial Nets",
        title="Generative Adversarial Nets",
        alias="GAN",
        file="a.md",
        line=1,
    )
    two = Mention(
        raw="GAN: Graph Attention Networks",
        title="Graph Attention Networks",
        alias="GAN",
        file="a.md",
        line=2,
    )
    assert names.learn([one, two]) == {}


@pytest.mark.parametrize("evidence", ["vault", "review"])
def test_a_name_the_person_gave_settles_it(evidence: str) -> None:
    claimant = paper("DETR: a Different Detector", "2301.00009")
    alias = names.Alias("DETR", DETR.ids, evidence)
    assert names.given("detr", [alias]) == (DETR.ids,)
    result = match.decide(named("DETR"), [claimant, DETR], [alias])
    assert result.status is Status.MATCHED
    assert result.paper == DETR
    assert evidence in result.reason


def test_a_vault_alias_on_the_paper_itself_counts() -> None:
    noted = paper("End-to-End Object Detection", "2005.12872", names=(Name("DETR", "vault"),))
    result = match.decide(named("DETR"), [noted, paper("DETR: Other", "2301.00009")])
    assert result.paper == noted


def test_a_single_word_title_is_decided_as_a_name() -> None:
    mention = Mention(raw="CheckList", title="CheckList", file="log.md", line=1)
    assert names.is_name_only(mention)
    assert not names.is_name_only(Mention(raw="Mask R-CNN", title="Mask R-CNN", file="", line=1))


def test_a_title_opening_with_the_name_its_abstract_brings_is_called_so() -> None:
    two_stream = paper(
        "Two-Stream Convolutional Networks for Action Recognition in Videos",
        "1406.2199",
        abstract="First, we propose a two-stream ConvNet architecture which incorporates spatial "
        "and temporal networks.",
    )
    user = paper("Two-Stream Fusion Is All You Need", "2001.00005", abstract="We study fusion.")
    result = match.decide(named("Two-stream"), [user, two_stream])
    assert result.status is Status.MATCHED, result.reason
    assert result.paper == two_stream


def test_our_quoted_name_is_a_definition() -> None:
    found = names.abstract_names('Our "SimSiam" method achieves competitive results.')
    assert Name("SimSiam", "abstract") in found


def test_a_person_named_paper_missing_from_the_candidates_is_said_so() -> None:
    alias = names.Alias("DETR", DETR.ids, "vault")
    result = match.decide(named("DETR"), [paper("Other Detectors")], [alias])
    assert result.status is Status.UNRESOLVED
    assert "'DETR' names arxiv:2005.12872, which no source returned" in result.reason
