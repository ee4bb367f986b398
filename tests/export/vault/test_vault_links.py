"""Links in reading notes: each wikilink lands on a note of the vault or becomes its text, and
words that name another paper become links to its note."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.export.vault.links import link_words, settle_wikilinks

NOTES = {"pixelcnn paper": "PixelCNN note", "pixelcnn note": "PixelCNN note"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("see [[Nowhere]] and [[Nowhere|that]]", "see Nowhere and that", id="no-note"),
        pytest.param("[[PixelCNN paper]]", "[[PixelCNN note|PixelCNN paper]]", id="by-title"),
        pytest.param("[[PixelCNN note]]", "[[PixelCNN note]]", id="a-note"),
        pytest.param("[[pixelcnn paper#Method|m]]", "[[PixelCNN note#Method|m]]", id="heading"),
        pytest.param("![[figure.png]]", "![[figure.png]]", id="media-embed-kept"),
        pytest.param("![[Nowhere]]", "Nowhere", id="note-embed-settled"),
        pytest.param("`[[code]]` [[x]]", "`[[code]]` x", id="code-kept"),
        pytest.param("```\n[[code]]\n```", "```\n[[code]]\n```", id="code-block-kept"),
    ],
)
def test_settle_wikilinks(body: str, expected: str) -> None:
    assert settle_wikilinks(body, lambda written: NOTES.get(written.casefold())) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Like VAE.", "Like [[Vae note|VAE]].", id="word"),
        pytest.param("Vae, again", "[[Vae note|Vae]], again", id="acronym-capitalised"),
        pytest.param("Whisper it", "[[Whisper note|Whisper]] it", id="lowercase-alias-any-case"),
        pytest.param("align the vae", "align the vae", id="lowercase-word-is-no-acronym"),
        pytest.param("FID vs FiD", "FID vs [[Fid note|FiD]]", id="mixed-case-as-written"),
        pytest.param("用VAE做", "用[[Vae note|VAE]]做", id="next-to-cjk"),
        pytest.param("BLIP2, beta-VAE, VAEs", "BLIP2, beta-VAE, VAEs", id="longer-words-stay"),
        pytest.param("see [5007] and `VAE`", "see [5007] and `VAE`", id="refs-and-code-stay"),
        pytest.param("[[VAE]] https://x.org/VAE", "[[VAE]] https://x.org/VAE", id="links-stay"),
        pytest.param("PixelCNN", "PixelCNN", id="self-link-skipped"),
    ],
)
def test_link_words(text: str, expected: str) -> None:
    targets = {
        "VAE": "Vae note",
        "BLIP": "Blip note",
        "whisper": "Whisper note",
        "FiD": "Fid note",
        "PixelCNN": "Self",
    }
    assert link_words(text, targets, exclude="Self")[0] == expected


_WORD = r"A-Za-z0-9_\-\u00c0-\u024f"
_PROTECTED = re.compile(r"`[^`\n]*`|\[\[[^\]\n]*\]\]|\[[^\]\n]*\]\([^)\n]*\)|<?https?://\S+")


def alternation_link_words(text: str, targets: dict[str, str], exclude: str) -> str:
    """The linker as it was first written, one regex alternative per alias: the rules' oracle."""
    folded = {a.casefold(): a for a in targets}
    words = "|".join(re.escape(w) for w in sorted(folded, key=lambda a: (-len(a), a)))
    pattern = re.compile(rf"(?<![{_WORD}.])({words})(?![{_WORD}]|\.[{_WORD}])", re.IGNORECASE)

    def replace(match: re.Match[str]) -> str:
        alias = folded[match[1].casefold()]
        if targets[alias] == exclude:
            return match[0]
        word = match[1]
        if word == alias or alias.islower() or (alias.isupper() and not word.islower()):
            return f"[[{targets[alias]}|{word}]]"
        return match[0]

    out, last = [], 0
    for protected in _PROTECTED.finditer(text):
        out += [pattern.sub(replace, text[last : protected.start()]), protected[0]]
        last = protected.end()
    return "".join([*out, pattern.sub(replace, text[last:])])


_ALIAS = st.text("aAbBkK1_-.+ éÉ用ßſK", min_size=1, max_size=5)
_GLUE = st.sampled_from([" ", ".", "-", "x", "2", "`", "[[", "]]", ", ", "用", "ſ"])


@settings(max_examples=500, deadline=None)
@given(aliases=st.lists(_ALIAS, min_size=1, max_size=5), data=st.data())
def test_link_words_finds_what_one_regex_per_alias_would(
    aliases: list[str], data: st.DataObject
) -> None:
    targets = {a: f"note {i % 3}" for i, a in enumerate(aliases)}
    spelling = st.sampled_from(["upper", "lower", "title", "swapcase", "__str__"])
    pieces = st.tuples(st.one_of(st.sampled_from(aliases), _GLUE), spelling)
    text = "".join(getattr(p, case)() for p, case in data.draw(st.lists(pieces, max_size=12)))
    try:
        expected = alternation_link_words(text, targets, "note 2")
    except KeyError:  # the regex matched a spelling that case-folds to no alias
        return
    assert link_words(text, targets, exclude="note 2")[0] == expected
