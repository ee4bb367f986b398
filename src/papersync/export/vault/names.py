"""Note file names: valid on every system, linkable in Obsidian, stable once given.

A name comes from a title once and is then pinned; a name read back from the lock is data
and is used only when it is a plain file name that stays inside its folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 180
"""UTF-8 bytes; leaves room for ` (12)`, the conflict suffix and `.md` under the 255-byte limit."""

_FORBIDDEN = str.maketrans(
    {
        ":": " - ",
        "/": "-",
        "\\": "-",
        "|": "-",
        '"': "'",
        "?": "",
        "*": "",
        "<": "",
        ">": "",
        "#": "",
        "^": "",
        "[": "(",
        "]": ")",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKUP = re.compile(r"\$|`|(?P<pair>[=%~])(?P=pair)+")
"""Math, code and the doubled marks of highlights, comments and strikethrough: inside a
wikilink they would be read as markup, and the link would miss its note."""
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{p}{i}" for p in ("com", "lpt") for i in (*range(1, 10), "¹", "²", "³")}
)


def note_name(title: str) -> str:
    """A file name (without `.md`) from a title, valid on Windows, macOS and Linux.

    Also free of the characters Obsidian cannot link to (`# ^ [ ] |`) and of Markdown
    markup inside a link (`$x$`, `==`, `%%`), and bounded in length.
    """
    name = unicodedata.normalize("NFC", title).translate(_FORBIDDEN)
    name = _MARKUP.sub(lambda m: m["pair"] or "", name)
    name = " ".join(_CONTROL.sub(" ", name).split())
    if len(name) > MAX_NAME_CHARS or len(name.encode()) > MAX_NAME_BYTES:
        name = _shorten(name)
    name = name.strip(" .")
    if not name:
        return "Untitled"
    if name.split(".")[0].strip().casefold() in _RESERVED:
        name = f"{name} (paper)"
    return name


def is_plain_name(name: str) -> bool:
    """Whether `name` (from the lock, say) is one file name: joined to a folder, it stays there.

    No separator, no `..`, no control character, not hidden, not too long: anything else
    is refused rather than cleaned, since cleaning would point at some other file.
    """
    return (
        bool(name.strip(" ."))
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and _CONTROL.search(name) is None
        and len(f"{name}.md".encode()) <= 255  # the longest file name most systems take
    )


def _shorten(name: str) -> str:
    """Cut at a word boundary where one is near the limit, else mid-word."""
    cut = name[:MAX_NAME_CHARS]
    while len(cut.encode()) > MAX_NAME_BYTES:
        cut = cut[:-1]
    head, _, _ = cut.rpartition(" ")
    return head if len(head) >= len(cut) * 2 // 3 else cut


def fold(name: str) -> str:
    """File names collide when they differ only in case or normalisation (macOS, Windows)."""
    return unicodedata.normalize("NFC", name).casefold()


def assign_names(
    wanted: Sequence[tuple[str, str]], pinned: Mapping[str, str], taken: Iterable[str]
) -> dict[str, str]:
    """Give each `(key, title)` a note name: its pinned one, else a free name from the title.

    Deterministic: pinned names are honoured in key order; new ones are chosen in key order,
    a clash gaining ` (2)`, ` (3)`… Names in `taken` (other files, other pins) are avoided.
    """
    used = {fold(name) for name in taken}
    names: dict[str, str] = {}
    fresh: list[tuple[str, str]] = []
    for key, title in sorted(wanted):
        pin = pinned.get(key)
        if pin and fold(pin) not in used:
            names[key] = pin
            used.add(fold(pin))
        else:
            fresh.append((key, title))
    for key, title in fresh:
        base = note_name(title)
        name, n = base, 1
        while fold(name) in used:
            n += 1
            name = f"{base} ({n})"
        names[key] = name
        used.add(fold(name))
    return names
