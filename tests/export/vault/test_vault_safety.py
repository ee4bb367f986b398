"""Nothing lost, duplicated or leaked when something goes wrong (issue 12): a lost lock, CRLF
notes, stray files, a hostile lock, log text that looks like papersync's markers or Markdown.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from obsidiantools.api import Vault
from vault_samples import (
    ALL,
    D1,
    VAE,
    frontmatter,
    mention,
    notes,
    reference,
    sync,
)

from papersync import atomic
from papersync.errors import ExportError, VaultError
from papersync.export.vault import DAYS_DIR, PAPERS_DIR, VaultExporter
from papersync.export.vault.frontmatter import split_frontmatter
from papersync.export.vault.regions import find_region, region_block
from papersync.lock import LOCK_NAME, Lock, Pins
from papersync.model import Ids, Paper, Reference

VAE_NOTE = f"{PAPERS_DIR}/Auto-Encoding Variational Bayes.md"
REFUSED = "is not a plain note name; ignored"


def with_body(references: Sequence[Reference], body: str) -> list[Reference]:
    """The same papers, each read once more with `body` as the note."""
    return [
        dataclasses.replace(r, mentions=(*r.mentions, mention(r.paper.title, 90, D1, body=body)))
        for r in references
    ]


# ---------------------------------------------------------------- item 2: a lost lock


def test_a_lost_lock_reuses_every_note_and_keeps_updating_them(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    note = tmp_path / VAE_NOTE
    note.write_text(note.read_text("utf-8") + "\nMy own thoughts.\n", encoding="utf-8")
    before = set(notes(tmp_path))
    # Rebuilt without its lock, a .bib may even give new citekeys: the notes' ids still tell.
    rekeyed = [dataclasses.replace(r, citekey=r.citekey + "a") for r in with_body(ALL, "Later.")]

    assert exporter.recover_pins(rekeyed) == {r.key: Pins(note=lock.pins(r.key).note) for r in ALL}
    rebuilt, written, problems = sync(exporter, rekeyed, Lock())

    assert problems == ()
    assert set(notes(tmp_path)) == before
    assert not any("(2)" in path for path in notes(tmp_path))
    assert {r.key: rebuilt.pins(r.key).note for r in ALL} == {
        r.key: lock.pins(r.key).note for r in ALL
    }
    text = note.read_text("utf-8")
    assert text.endswith("\nMy own thoughts.\n") and "Later." in text and VAE_NOTE in written
    assert frontmatter(text)["citekey"] == "kingma2013autoa"


def test_a_lost_lock_finds_notes_of_papers_known_by_dblp_key_or_record(tmp_path: Path) -> None:
    dblp = Reference(
        "dblp:conf/cvpr/HeZRS16",
        Paper(Ids(dblp="conf/cvpr/HeZRS16"), "Deep Residual Learning", "dblp", year=2016),
        "he2016deep",
        (mention("Deep Residual Learning", 2),),
    )
    record = Reference(
        "record:bib:mine2020",
        Paper(Ids(record="bib:mine2020"), "A Paper Only My Bib Knows", "bibtex"),
        "mine2020",
        (mention("A Paper Only My Bib Knows", 3),),
    )
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, [dblp, record], Lock())
    assert {lock.pins(dblp.key).note, lock.pins(record.key).note} == {
        "Deep Residual Learning", "A Paper Only My Bib Knows"
    }  # fmt: skip
    assert (
        frontmatter((tmp_path / PAPERS_DIR / "Deep Residual Learning.md").read_text("utf-8"))[
            "dblp"
        ]
        == "conf/cvpr/HeZRS16"
    )
    renamed = dataclasses.replace(record, citekey="other2020")  # found by its title then
    assert exporter.recover_pins([dblp, renamed]) == {
        dblp.key: Pins(note="Deep Residual Learning"),
        record.key: Pins(note="A Paper Only My Bib Knows"),
    }
    before = set(notes(tmp_path))
    sync(exporter, [dblp, renamed], Lock())
    assert set(notes(tmp_path)) == before


def test_two_notes_claiming_one_paper_are_not_guessed_between(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    sync(exporter, [VAE], Lock())
    copy = tmp_path / "Elsewhere" / "VAE copy.md"
    copy.parent.mkdir()
    copy.write_text((tmp_path / VAE_NOTE).read_text("utf-8"), encoding="utf-8")
    assert exporter.recover_pins([VAE]) == {}


# ---------------------------------------------------------------- item 5: line endings


def test_a_crlf_note_keeps_its_line_endings_and_the_persons_text(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    note = tmp_path / VAE_NOTE
    mine = "My line one.\r\nMy line two.\r\n"
    note.write_bytes(note.read_bytes().replace(b"\n", b"\r\n") + mine.encode())

    outcome = exporter.export(with_body(ALL, "A new pass."), [], lock)

    data = note.read_bytes().decode("utf-8")
    assert VAE_NOTE in outcome.written and "A new pass." in data
    assert data.count("\n") == data.count("\r\n") and data.endswith(mine)
    assert exporter.export(with_body(ALL, "A new pass."), [], lock).written == ()


# ---------------------------------------------------------------- item 7: stray files


def test_stray_files_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    (tmp_path / "Reading").mkdir()
    (tmp_path / VAE_NOTE).rename(tmp_path / "Reading" / "VAE.md")  # makes the export look around
    gbk = tmp_path / PAPERS_DIR / "用GBK保存.md"
    gbk.write_bytes("读书笔记".encode("gbk"))
    (tmp_path / PAPERS_DIR / "Folder.md").mkdir()
    (tmp_path / DAYS_DIR / "2024-02-07.md").unlink()
    (tmp_path / DAYS_DIR / "2024-02-07.md").mkdir()  # where papersync wants to write a note

    lock, _, problems = sync(exporter, ALL, lock)

    assert sorted(problems) == [
        f"{PAPERS_DIR}/Folder.md: not a file; skipped, left as it is",
        f"{PAPERS_DIR}/用GBK保存.md: not UTF-8 text; skipped, left as it is",
        f"{DAYS_DIR}/2024-02-07.md: not a file; skipped, left as it is",
    ]
    assert gbk.read_bytes() == "读书笔记".encode("gbk")
    assert lock.pins(VAE.key).note == "VAE"


# ---------------------------------------------------------------- item 11: a hostile lock


def test_note_names_from_a_hostile_lock_never_leave_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "shared" / "vault"
    victim = tmp_path / "escaped-note.md"
    victim.write_text("---\ntitle: x\n---\n" + region_block("mine\n"), encoding="utf-8")
    hostile = Lock(
        papers={
            VAE.key: Pins(note="../../../escaped-note"),
            "arxiv:0000.00001": Pins(note="../../../escaped-note"),  # gone from the log
            "arxiv:0000.00002": Pins(note="/etc/passwd"),
        }
    )
    evil_title = reference("0000.00003", "../../../escaped-note", "evil2020", mention("x", 5))

    lock, written, problems = sync(VaultExporter(vault), [*ALL, evil_title], hostile)

    assert victim.read_text("utf-8") == "---\ntitle: x\n---\n" + region_block("mine\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escaped-note.md", "shared"]
    assert all((vault / rel).resolve().is_relative_to(vault.resolve()) for rel in written)
    refused = [p.removeprefix(f"{LOCK_NAME}: ") for p in problems if p.startswith(LOCK_NAME)]
    assert refused == [
        f"papers.arxiv:0000.00001.note: {'../../../escaped-note'!r} {REFUSED}",
        f"papers.arxiv:0000.00002.note: {'/etc/passwd'!r} {REFUSED}",
        f"papers.{VAE.key}.note: {'../../../escaped-note'!r} {REFUSED}",
    ]
    assert lock.pins(VAE.key).note == "Auto-Encoding Variational Bayes"
    assert lock.pins(evil_title.key).note == "-..-..-escaped-note"


# ---------------------------------------------------------------- item 13: marker lines


@pytest.mark.parametrize(
    "line", ["%% papersync:end %%", "%% papersync:begin hash=0123456789ab %%", "%% papersync:x"]
)
def test_log_text_cannot_open_or_close_a_region(tmp_path: Path, line: str) -> None:
    exporter = VaultExporter(tmp_path)
    quoting = with_body(ALL, f"Obsidian comments look like\n{line}\nin a note.")
    lock, _, problems = sync(exporter, quoting, Lock())
    again = exporter.export(quoting, [], lock)
    assert problems == () and again.problems == () and again.written == ()
    body = split_frontmatter((tmp_path / VAE_NOTE).read_text("utf-8"))[1]
    found = find_region(body)
    assert found is not None and not found.edited and body[found.end :] == ""
    assert f"\n {line}\n" in found.content


# ---------------------------------------------------------------- item 14: raw Markdown


def test_a_title_full_of_markdown_shows_as_written(tmp_path: Path) -> None:
    title = "[[Evil]] #tag <b>bold</b> $x$ ==hi== %%c%% *a* _b_\x00\x07 ~~s~~"
    evil = reference("0000.00004", title, "evil2021", mention("Evil", 6))
    sync(VaultExporter(tmp_path), [*ALL, evil], Lock())
    name = "((Evil)) tag bbold-b x =hi= %c% a _b_ ~s~"
    text = (tmp_path / PAPERS_DIR / f"{name}.md").read_text("utf-8")
    assert frontmatter(text)["title"] == title  # the property is data: the title exactly
    region = split_frontmatter(text)[1]
    assert (
        r"# \[\[Evil\]\] \#tag \<b\>bold\</b\> \$x\$ \=\=hi\=\= \%\%c\%\% \*a\* \_b\_ \~\~s\~\~"
        + "\n"
    ) in region
    assert "\x00" not in region and "\x07" not in region
    vault = Vault(tmp_path).connect()
    assert vault.nonexistent_notes == ["Evil"]  # only from the title property, which is data
    assert "2024-02-06" in vault.backlinks_index[name]


# ---------------------------------------------------------------- write failures


def failing_writes(monkeypatch: pytest.MonkeyPatch, name: str, error: int) -> None:
    """Writes to files called `name` fail with `error`, as atomic reports it."""
    real = atomic.write_text

    def write_text(path: Path, text: str, *, durable: bool = True) -> bool:
        if path.name == name:
            raise ExportError(f"{path}: cannot write it (boom); left as it was") from OSError(
                error, os.strerror(error)
            )
        return real(path, text, durable=durable)

    monkeypatch.setattr(atomic, "write_text", write_text)


def test_a_note_that_cannot_be_written_is_one_line_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_writes(monkeypatch, "Auto-Encoding Variational Bayes.md", errno.EACCES)
    outcome = VaultExporter(tmp_path).export(ALL, [], Lock())
    assert [p.split(": ", 1)[1] for p in outcome.problems] == [
        "cannot write it (boom); left as it was"
    ]
    assert outcome.counts["failed"] == 1 and VAE_NOTE not in outcome.written
    assert len(outcome.written) == len(notes(tmp_path)) > 5


def test_a_full_disk_stops_the_export_at_the_first_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_writes(monkeypatch, "Auto-Encoding Variational Bayes.md", errno.ENOSPC)
    with pytest.raises(ExportError, match="cannot write it"):
        VaultExporter(tmp_path).export(ALL, [], Lock())


def test_a_template_cannot_reach_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("not for the vault\n", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "day.md.j2").write_text('{% include "../secret.md" %}\n', encoding="utf-8")
    with pytest.raises(VaultError, match=r"day\.md\.j2: .*\.\./secret\.md"):
        VaultExporter(tmp_path / "vault", templates=templates).export(ALL, [], Lock())
