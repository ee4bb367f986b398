"""Note properties (YAML frontmatter), written and merged without touching a person's bytes.

papersync owns the keys it writes; every other key, comment and formatting choice in the
frontmatter is the person's and is kept byte for byte, line endings included.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from papersync.export.vault.names import fold

MERGED_LISTS = frozenset({"aliases", "tags"})
"""Owned list keys to which a person may add items of their own; those items are kept."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_KEY_LINE = re.compile(r"""^(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s#\-?:][^:\n]*?)[ \t]*:(?:[ \t]|\r?$)""")


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as Obsidian writes its properties."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_PLAIN = re.compile(r"\w(?:[\w .,()/+'\-:]*[\w.,()/+'\-:])?")
"""Text YAML writes as it is, or single-quoted if it reads as a number, date, bool… or has
a `: ` (or ends in `:`), which would make it a key."""
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(value: Any) -> str | None:
    """`value` as `yaml.dump` writes it, for the simple values properties mostly hold; else None."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.date:
        return str(value.isoformat())
    if kind is str and _PLAIN.fullmatch(value):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR_TAG and ": " not in value and not value.endswith(":"):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    return None


def dump_property(key: str, value: Any) -> str:
    """`key: value` exactly as `yaml.dump` writes it, without calling it for simple values:
    at ~40 µs a call, yaml was most of a warm vault export."""
    if _scalar(key) != key:
        return _yaml_dump(key, value)
    if type(value) is list:
        items = [_scalar(item) for item in value]
        if not items:
            return f"{key}: []\n"
        if None not in items:
            return f"{key}:\n" + "".join(f"  - {item}\n" for item in items)
        return _yaml_dump(key, value)
    text = _scalar(value)
    return f"{key}: {text}\n" if text is not None else _yaml_dump(key, value)


def _yaml_dump(key: str, value: Any) -> str:
    """Not libyaml (`CSafeDumper`): it cannot indent list items under their key, escapes
    characters beyond the BMP and writes some keys otherwise; the bytes would change."""
    return yaml.dump(
        {key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=2**31 - 1,
    )  # fmt: skip


def dump_properties(
    properties: Mapping[str, Any], owned: Sequence[str], newline: str = "\n"
) -> str:
    """A whole frontmatter (`---` lines included) for a new note; empty when nothing is set."""
    front = "".join(dump_property(k, properties[k]) for k in owned if k in properties)
    return f"---\n{front}---\n".replace("\n", newline) if front else ""


@dataclass(frozen=True)
class Block:
    key: str | None
    """The top-level key this text defines; None for comments and blank lines between keys."""
    text: str


def lines(text: str) -> list[str]:
    """Split after each `\\n` only: `str.splitlines` would also split on `\\r`, U+2028…"""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    return [*out, parts[-1]] if parts[-1] else out


def split_frontmatter(text: str) -> tuple[str | None, str]:
    """`(inner, rest)`: the YAML between the `---` lines (None when there is none) and the body."""
    first = text.split("\n", 1)[0]
    if first.rstrip("\r") != "---" or "\n" not in text:
        return None, text
    offset = len(first) + 1
    for line in lines(text[offset:]):
        if line.rstrip("\r\n") == "---":
            end = offset + len(line)
            return text[len(first) + 1 : offset], text[end:]
        offset += len(line)
    return None, text


def frontmatter_fences(text: str) -> tuple[str, str]:
    """The exact opening and closing `---` lines, so a CRLF file keeps its line endings."""
    first = text.split("\n", 1)[0] + "\n"
    inner, rest = split_frontmatter(text)
    assert inner is not None
    closing = text[len(first) + len(inner) : len(text) - len(rest)]
    return first, closing


def frontmatter_blocks(inner: str) -> list[Block]:
    """Cut YAML frontmatter into top-level keys, keeping every byte: joined, they are `inner`."""
    blocks: list[Block] = []
    pending: list[str] = []
    for line in lines(inner):
        match = _KEY_LINE.match(line)
        if match:
            blocks.extend(Block(None, p) for p in pending)
            pending = []
            blocks.append(Block(match["key"].strip("'\""), line))
        elif line.strip() == "" or line.startswith("#"):
            pending.append(line)
        elif blocks and blocks[-1].key is not None and line[0] in " \t-":
            blocks[-1] = Block(blocks[-1].key, blocks[-1].text + "".join(pending) + line)
            pending = []
        else:
            blocks.extend(Block(None, p) for p in [*pending, line])
            pending = []
    blocks.extend(Block(None, p) for p in pending)
    return blocks


def block_value(block: Block) -> tuple[bool, Any]:
    """`(ok, value)`: the value a block gives its key, or `(False, None)` if it is not YAML."""
    try:
        data = yaml.load(block.text.replace("\r\n", "\n"), Loader=_Loader)
    except yaml.YAMLError:
        return False, None
    if not isinstance(data, dict) or block.key not in data:
        return False, None
    return True, data[block.key]


def read_properties(inner: str | None, keys: Iterable[str]) -> dict[str, Any]:
    """The values of `keys` in a frontmatter, skipping any that do not parse."""
    wanted = set(keys)
    found: dict[str, Any] = {}
    for block in frontmatter_blocks(inner or ""):
        if block.key in wanted and block.key not in found:
            ok, value = block_value(block)
            if ok:
                found[block.key] = value
    return found


def _with_extras(ours: list[Any], theirs: Any, withdrawn: Collection[Any] = ()) -> list[Any]:
    """Our items first, then the items a person added, in their order.

    `withdrawn` items are ones papersync may have written before and no longer gives (an
    alias now claimed by another note): they are not the person's, so they go.
    """
    items = theirs if isinstance(theirs, list) else [] if theirs is None else [theirs]
    gone = {fold(w) if isinstance(w, str) else w for w in withdrawn}
    return ours + [
        item
        for item in items
        if item not in ours and (fold(item) if isinstance(item, str) else item) not in gone
    ]


def _merged_block(
    block: Block, properties: Mapping[str, Any], newline: str, withdrawn: Collection[Any]
) -> Block | None:
    """An owned key's block as it should be now: kept as written when its value is already
    ours (however formatted), rewritten otherwise, None when the key goes."""
    key = block.key
    assert key is not None
    wanted = properties.get(key, [])
    text = dump_property(key, wanted).replace("\n", newline)
    if key in properties and block.text.rstrip("\r\n") == text.rstrip("\r\n"):
        return block
    ok, value = block_value(block)
    if key in MERGED_LISTS and isinstance(wanted, list):
        wanted = _with_extras(wanted, value if ok else None, withdrawn)
        if not wanted:
            return None
    if ok and value == wanted:
        return block
    text = dump_property(key, wanted).replace("\n", newline)
    if not block.text.endswith("\n"):
        text = text.rstrip("\r\n")
    return Block(key, text)


def _insert(out: list[Block], key: str, text: str, owned: Sequence[str], newline: str) -> None:
    """Put a new key after the last block of a key that comes before it in `owned`."""
    earlier = [i for i, b in enumerate(out) if b.key in owned[: owned.index(key)]]
    at = earlier[-1] + 1 if earlier else 0
    if at and not out[at - 1].text.endswith("\n"):
        out[at - 1] = Block(out[at - 1].key, out[at - 1].text + newline)
    out.insert(at, Block(key, text))


def merge_frontmatter(
    inner: str,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    newline: str = "\n",
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> str:
    """Set the owned keys to `properties`, touching no other byte of the frontmatter.

    An owned key whose parsed value already equals ours keeps its text, however formatted;
    an owned key absent from `properties` is removed (a `MERGED_LISTS` key only once no item
    of the person's is left); a new one goes after its predecessor in `owned` order.
    """
    out: list[Block] = []
    seen: set[str] = set()
    for block in frontmatter_blocks(inner):
        key = block.key
        if key is None or key not in owned:
            out.append(block)
        elif key not in seen and (key in properties or key in MERGED_LISTS):
            seen.add(key)
            merged = _merged_block(block, properties, newline, (withdrawn or {}).get(key, ()))
            if merged is not None:
                out.append(merged)
    for key in owned:
        if key in properties and key not in seen:
            text = dump_property(key, properties[key]).replace("\n", newline)
            _insert(out, key, text, owned, newline)
            seen.add(key)
    return "".join(block.text for block in out)
