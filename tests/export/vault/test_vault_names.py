"""Note names: safe on every system, stable once given."""

from __future__ import annotations

import pytest

from papersync.export.vault.names import (
    MAX_NAME_BYTES,
    MAX_NAME_CHARS,
    assign_names,
    is_plain_name,
    note_name,
)

# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("LoRA: Low-Rank Adaptation", "LoRA - Low-Rank Adaptation", id="colon"),
        pytest.param('a/b\\c|d "e" f?*<g>', "a-b-c-d 'e' fg", id="path-and-shell"),
        pytest.param("C# [and] ^F", "C (and) F", id="obsidian-link-chars"),
        pytest.param("Tab\tand\x07bell", "Tab and bell", id="control"),
        pytest.param("Ends with dots...  ", "Ends with dots", id="trailing-dots"),
        pytest.param("...hidden", "hidden", id="leading-dots"),
        pytest.param("CON", "CON (paper)", id="reserved"),
        pytest.param("lpt1.txt", "lpt1.txt (paper)", id="reserved-with-extension"),
        pytest.param("???", "Untitled", id="nothing-left"),
        pytest.param("D$^2$LV: ==x== %%y%% ~~z~~ `c`", "D2LV - =x= %y% ~z~ c", id="markup"),
    ],
)
def test_note_name_is_safe_everywhere(title: str, expected: str) -> None:
    assert note_name(title) == expected


@pytest.mark.parametrize("title", ["word " * 60, "长" * 200, "x" * 300])
def test_note_name_is_bounded_in_characters_and_bytes(title: str) -> None:
    name = note_name(title)
    assert 0 < len(name) <= MAX_NAME_CHARS
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name == name.strip(" .")


def test_assign_names_keeps_pins_and_resolves_collisions_deterministically() -> None:
    wanted = [("b", "Attention"), ("a", "attention"), ("c", "Attention"), ("d", "Other")]
    names = assign_names(wanted, {"c": "Attention"}, taken=["other"])
    assert names == {"c": "Attention", "a": "attention (2)", "b": "Attention (3)", "d": "Other (2)"}
    assert assign_names(list(reversed(wanted)), {"c": "Attention"}, ["other"]) == names


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        pytest.param("Attention Is All You Need (2)", True, id="a-note-name"),
        pytest.param("C# (and) ... notes", True, id="a-persons-rename"),
        pytest.param("../../../escaped-note", False, id="parent"),
        pytest.param("..", False, id="dot-dot"),
        pytest.param("/etc/passwd", False, id="absolute"),
        pytest.param("a\\b", False, id="backslash"),
        pytest.param(".hidden", False, id="hidden"),
        pytest.param("bell\x07", False, id="control"),
        pytest.param(" . ", False, id="nothing"),
        pytest.param("x" * 252, True, id="longest"),
        pytest.param("x" * 253, False, id="too-long"),
    ],
)
def test_only_a_plain_file_name_is_taken_from_the_lock(name: str, plain: bool) -> None:
    assert is_plain_name(name) is plain
