"""The text that belongs to a mention reaches its note as the person wrote it."""

from __future__ import annotations

from papersync.parse import parse


def test_a_body_runs_to_the_next_heading_of_its_level_and_keeps_subheadings() -> None:
    log = (
        "## 2024.1.5\n"
        "### 《Paper One Title》\n"
        "intro\n#### Method\ndetails\n"
        "### 《Paper Two Title》\n"
        "two\n## 2024.1.6\nnext day\n"
    )
    one, two = parse(log, "m.md")
    assert one.body == "intro\n#### Method\ndetails"
    assert two.body == "two"


def test_a_dated_heading_always_ends_a_body() -> None:
    log = "# 2024\n《Paper One Title》\nnote\n## 1.6\n《Paper Two Title》\n"
    one, _ = parse(log, "m.md")
    assert one.body == "note"


def test_lists_stay_lists_and_indentation_makes_no_code_block() -> None:
    log = (
        "## 2024.1.5\n"
        "《Paper One Title》\n\n"
        "        indented note line\n"
        "        - point one\n"
        "            - nested point\n"
    )
    (mention,) = parse(log, "m.md")
    assert mention.body == "indented note line\n- point one\n    - nested point"


def test_a_mention_in_a_list_item_keeps_to_its_item() -> None:
    log = (
        "## 2024.1.5\n"
        "- 《Paper One Title》 [arXiv]\n"
        "  - its own point\n"
        "\n"
        "Vision\n\n"
        "- 《Paper Two Title》\n"
    )
    one, _ = parse(log, "m.md")
    assert one.body == "[arXiv]\n- its own point"


def test_log_link_syntax_that_breaks_in_a_vault_is_rewritten() -> None:
    log = "## 2024.1.5\n《Paper One Title》 [[PDF]](https://x.org/a.pdf), [[Code|code]](https://g.c/x)\n"
    (mention,) = parse(log, "m.md")
    assert mention.body == "[PDF](https://x.org/a.pdf), [code](https://g.c/x)"


def test_empty_or_punctuation_only_bodies_are_dropped() -> None:
    log = (
        "## 2024.1.5\n"
        "《Paper One Title》、《Paper Two Title》\n"
        "《Paper Three Title》 ) \n"
        "《Paper Four Title》) [[Code]](https://g.c/x)\n"
    )
    bodies = [m.body for m in parse(log, "m.md")]
    assert bodies == ["", "", "", "[Code](https://g.c/x)"]
