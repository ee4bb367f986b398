"""What is written around a title: venue and year, track, authors, remarks, numbering,
truncation, TeX and ligatures, short names; cut off the title and kept as hints."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.model import Hints
from papersync.parse import parse, read_title

TITLE = "Masked Autoencoders Are Scalable Vision Learners"


@pytest.mark.parametrize(
    ("written", "hints"),
    [
        pytest.param(f"{TITLE}. CVPR 2022, Oral.", Hints("CVPR", 2022, remark="Oral"),
                     id="venue_year_track"),
        pytest.param(f"{TITLE} (ICCV'21)", Hints("ICCV", 2021), id="bracketed_short_year"),
        pytest.param(f"{TITLE} <kbd>NeurIPS 2020</kbd>", Hints("NeurIPS", 2020), id="kbd"),
        pytest.param(f"{TITLE}, Arxiv 2020", Hints("arXiv", 2020), id="comma_lower_case"),
        pytest.param(f"{TITLE}. Submit to NeurIPS 2022", Hints("NeurIPS", 2022),
                     id="submitted"),
        pytest.param(f"{TITLE}. arXiv 2022/4/30.", Hints("arXiv", 2022), id="venue_date"),
        pytest.param(f"{TITLE} NeurIPS2020", Hints("NeurIPS", 2020), id="glued_year"),
        pytest.param(f"{TITLE} (CVPRW 2020)", Hints("CVPR", 2020), id="workshop"),
        pytest.param(f"{TITLE}, 2021", Hints(year=2021), id="year_alone"),
        pytest.param(f"[CVPR 2022] {TITLE}", Hints("CVPR", 2022), id="leading_tag"),
        pytest.param(f"{TITLE}. Yang, Li, et al. CAS.", Hints(authors=("Yang", "Li"),
                     remark="CAS"), id="authors_and_affiliation"),
        pytest.param(f"{TITLE} (He et al.)", Hints(authors=("He",)), id="et_al_in_brackets"),
        pytest.param(f"{TITLE}. K. He, X. Zhang and J. Sun", Hints(
            authors=("K. He", "X. Zhang", "J. Sun")), id="initials"),
        pytest.param(f"{TITLE} (survey)", Hints(remark="survey"), id="remark"),
        pytest.param(f"{TITLE} （精读）", Hints(remark="精读"), id="full_width_remark"),
        pytest.param(f"1. {TITLE}", Hints(), id="numbered"),
        pytest.param(f"[3] {TITLE}", Hints(), id="reference_number"),
        pytest.param(f"**{TITLE}**", Hints(), id="bold"),
        pytest.param(f"<i>{TITLE}</i>.", Hints(), id="html_and_full_stop"),
    ],
)
def test_trailers_are_cut_into_hints(written: str, hints: Hints) -> None:
    parts = read_title(written)
    assert (parts.title, parts.hints) == (TITLE, hints)


@pytest.mark.parametrize(
    "title",
    [
        "GPT-4 Technical Report",
        "Deep Speech 2: End-to-End Speech Recognition in English and Mandarin",
        "Learning Long-Term Dependencies with Gradient Descent is Difficult",
        "A Sensitivity Analysis of (and Practitioners' Guide to) Convolutional Neural Networks",
        "Findings of the 2016 Conference on Machine Translation",
        "Neural Machine Translation in Linear Time",
        "Lift, Splat, Shoot: Encoding Images From Arbitrary Camera Rigs",
        "Data Science in Science",
        "First Place Solution for the Open Driving Challenge 2023",
        "How Developers Use Coding Agents in 2025",
        "Tiny Language Models: Technical Report",
        "Long and Short Video Understanding, Long",
    ],
)
def test_titles_that_look_like_trailers_stay_whole(title: str) -> None:
    assert read_title(title).title == title


def test_a_short_name_in_brackets_after_a_title_is_its_alias() -> None:
    parts = read_title("Language Models are Few-Shot Learners (GPT-3)")
    assert (parts.title, parts.alias) == ("Language Models are Few-Shot Learners", "GPT-3")


def test_a_latin_name_beside_a_description_in_another_script_is_the_title() -> None:
    parts = read_title("参数服务器（Parameter Server）", names=True)
    assert (parts.title, parts.alias) == ("Parameter Server", "Parameter Server")


@pytest.mark.parametrize(
    ("written", "title"),
    [
        pytest.param("Attention Is All You...", "Attention Is All You…", id="dots"),
        pytest.param("Attention Is All You …", "Attention Is All You…", id="ellipsis"),
        pytest.param("Attention Is All You.. CVPR 2017", "Attention Is All You…",
                     id="truncated_then_trailer"),
    ],
)
def test_a_truncated_title_ends_in_an_ellipsis(written: str, title: str) -> None:
    assert read_title(written).title == title


@pytest.mark.parametrize(
    ("written", "title"),
    [
        pytest.param("Learning D$^2$LV Networks", "Learning D2LV Networks", id="tex_superscript"),
        pytest.param("$\\mathcal{O}(n)$ Attention for Long Inputs",
                     "O(n) Attention for Long Inputs", id="tex_font"),
        pytest.param("Eﬃcient Transformers: A Survey", "Efficient Transformers: A Survey",
                     id="ligature"),
    ],
)
def test_tex_and_ligatures_are_spelled_out(written: str, title: str) -> None:
    assert read_title(written).title == title


@pytest.mark.parametrize(
    ("written", "names", "is_name"),
    [
        ("DETR", False, True),
        ("XLM-R", False, True),
        ("DCN V2", False, True),
        ("Neural Programmer-Interpreters", False, False),
        ("Swin Transformer", True, True),
        ("Chain of Thought", True, True),
        ("Chain of Thought", False, False),
        ("Attention Is All You Need", True, False),
    ],
)
def test_a_mention_that_is_only_a_short_name(written: str, names: bool, is_name: bool) -> None:
    parts = read_title(written, names=names)
    assert parts.is_name is is_name
    assert parts.title == written


# --- properties --------------------------------------------------------------------------

_WORDS = st.sampled_from([
    "Learning", "Deep", "Neural", "Networks", "for", "with", "Graph", "Attention", "Scalable",
    "Vision", "Language", "Models", "Contrastive", "Representation", "of", "the", "Robust",
    "Transformers", "via", "Self-Supervised", "Image", "Recognition", "Generative", "3D",
])
_TITLES = st.lists(_WORDS, min_size=3, max_size=12).map(" ".join).filter(
    lambda title: title.split()[-1] not in ("for", "with", "of", "the", "via")
)
_TRAILERS = st.sampled_from([
    ". CVPR 2022, Oral.", " (ICCV'21)", " <kbd>NeurIPS 2020 spotlight</kbd>", ", Arxiv 2020",
    ". Submit to NeurIPS 2022", ". arXiv 2022/4/30.", " (ACL 2022 Long)", ", 2019",
    ". Yang, Li, et al. CAS.", " (He et al.)", ". ICLR 2021 (Poster)", " [EMNLP 2021]",
])
_WRAPS = st.sampled_from([("", ""), ("**", "**"), ("*", "*"), ("<u>", "</u>"), ("__", "__")])


@settings(max_examples=300, deadline=None)
@given(_TITLES, _TRAILERS, _WRAPS)
def test_trailers_and_emphasis_never_change_the_title(
    title: str, trailer: str, wrap: tuple[str, str]
) -> None:
    plain = read_title(title)
    written = f"{wrap[0]}{title}{wrap[1]}{trailer}"
    dressed = read_title(written)
    assert (dressed.title, dressed.alias) == (plain.title, plain.alias)
    assert dressed.hints.venue or dressed.hints.year or dressed.hints.authors
    (in_log,) = parse(f"## 2024.1.5\n- 《{written}》 notes\n", "m.md")
    assert (in_log.title, in_log.hints) == (plain.title, dressed.hints)


@pytest.mark.parametrize(
    ("written", "title", "alias"),
    [
        ("(ViT)An Image is Worth…", "An Image is Worth…", "ViT"),
        ("ResNet: Deep Residual...", "Deep Residual…", "ResNet"),
        ("GAN: Generative Adversarial Nets. NIPS 2014", "Generative Adversarial Nets", "GAN"),
    ],
)
def test_a_log_taught_name_before_a_cut_title(written: str, title: str, alias: str) -> None:
    parts = read_title(written)
    assert (parts.title, parts.alias, parts.is_name) == (title, alias, False)
