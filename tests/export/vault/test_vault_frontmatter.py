"""Properties: owned keys set, every other byte of the frontmatter kept."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from vault_samples import FIXTURES

from papersync.export.vault.frontmatter import (
    dump_property,
    frontmatter_blocks,
    merge_frontmatter,
    split_frontmatter,
)

# ---------------------------------------------------------------- frontmatter and region


def test_frontmatter_blocks_keep_every_byte() -> None:
    inner, _ = split_frontmatter((FIXTURES / "hand-edited-paper.md").read_text("utf-8"))
    assert inner is not None
    blocks = frontmatter_blocks(inner)
    assert "".join(b.text for b in blocks) == inner
    assert [b.key for b in blocks if b.key] == [
        "title", "rating", "aliases", "project", "summary", "tags",
    ]  # fmt: skip


def test_merge_frontmatter_touches_only_owned_keys() -> None:
    inner = "title: Old\nmine: [1, 2]   # keep\ndoi: 10.1/stale\nyear: 2020\n"
    merged = merge_frontmatter(
        inner, {"title": "New", "year": 2020, "arxiv": "1"}, ("title", "arxiv", "year", "doi")
    )
    assert merged == "title: New\narxiv: '1'\nmine: [1, 2]   # keep\nyear: 2020\n"


def test_merge_frontmatter_keeps_equal_values_as_formatted_and_extra_tags() -> None:
    inner = "tags: [paper, mine]\nyear: '2020'\n"
    merged = merge_frontmatter(inner, {"tags": ["paper"], "year": 2020}, ("tags", "year"))
    assert merged == "tags: [paper, mine]\nyear: 2020\n"


def test_merge_frontmatter_keeps_a_persons_aliases_and_drops_withdrawn_ones() -> None:
    inner = "aliases:\n  - VAE\n  - mine\ntags: [paper]\n"
    merged = merge_frontmatter(inner, {"tags": ["paper"]}, ("aliases", "tags"), "\n", {})
    assert merged == inner  # an alias papersync never withdrew may be the person's: kept
    merged = merge_frontmatter(
        inner, {"tags": ["paper"]}, ("aliases", "tags"), "\n", {"aliases": ["vae"]}
    )
    assert merged == "aliases:\n  - mine\ntags: [paper]\n"
    merged = merge_frontmatter("aliases: [VAE]\n", {}, ("aliases",), "\n", {"aliases": ["VAE"]})
    assert merged == ""


class IndentedDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_TRICKY = st.sampled_from(
    ["true", "No", "on", "null", "~", "1.5", "1_000", "0x1F", "0o17", "1e5", "12:30", ".inf",
     "2024-01-01", "2301.01234", "10.1234/x", "it's", "a #b", "a: b", "a:b", "a:",
     "1:20", "a :b", "- a", "a,b", "(a)", "=", "<<", "", " a", "a ", "a  b", "_a", "-1",
     "+1", "1.", "É", "用VAE", "a\tb", "a\nb"]
)  # fmt: skip
_SCALARS = st.one_of(
    st.text(),
    st.from_regex(r"[\w .,()/+'\-:]{1,12}", fullmatch=True),
    _TRICKY,
    st.integers(),
    st.booleans(),
    st.dates(),
)


@settings(max_examples=600, deadline=None)
@given(
    key=st.one_of(st.sampled_from(["title", "in_log", "aliases"]), _SCALARS),
    value=st.one_of(_SCALARS, st.lists(_SCALARS, max_size=4)),
)
def test_dump_property_writes_what_yaml_writes(key: Any, value: Any) -> None:
    expected = yaml.dump(
        {key: value}, Dumper=IndentedDumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=2**31 - 1,
    )  # fmt: skip
    assert dump_property(key, value) == expected
