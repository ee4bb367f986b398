"""The Web API calls through the run's HTTP layer: Retry-After, Backoff, the key."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from zotero_papers import SUBSET, exporter, push, quick_http, reference

from fake_zotero import FakeZotero, Fault
from papersync import doctor, registry
from papersync.config import load
from papersync.errors import ConfigError, ZoteroError
from papersync.export.zotero.api import WriteResult, ZoteroApi, write_result
from papersync.lock import Lock


def test_retry_after_and_backoff_are_honoured(server: FakeZotero) -> None:
    slept: list[float] = []
    api = ZoteroApi(
        quick_http(sleep=slept.append),
        server.url,
        f"users/{server.library_id}",
        server.api_key,
        sleep=slept.append,
    )
    server.script(Fault(429, retry_after="7", method="POST"))
    server.backoff = "5"

    first = api.write("collections", [{"name": "A"}])
    second = api.write("collections", [{"name": "B"}])

    assert 6.9 < slept[0] <= 7.0  # Retry-After on the 429, counted from the answer
    assert 4.0 < slept[1] <= 5.0  # Backoff on the answer before the second write
    assert len(first.versions) == len(second.versions) == 1
    assert sorted(c["name"] for c in server.collections.values()) == ["A", "B"]


# the API key (issue 12, item 12)

KEY = "P4perSyncK3yS3cret0000xy"


@pytest.mark.parametrize("written", [f"{KEY}\r", f" {KEY} ", f"\t{KEY}\r\n"])
def test_a_key_with_whitespace_around_it_works(written: str) -> None:
    with FakeZotero(SUBSET, api_key=KEY) as server:
        outcome = push(server, [reference(1)], Lock(), api_key=written)
        assert outcome.counts["created"] == 1
        assert outcome.problems == ()


@pytest.mark.parametrize("written", [f"{KEY[:8]} {KEY[8:]}", f"{KEY}\rx", f"{KEY}\x00", "ké"])
def test_a_malformed_key_is_a_config_error_that_names_the_setting_not_the_key(
    server: FakeZotero, written: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        exporter(server, api_key=written)

    message = str(caught.value)
    assert "export.zotero.api_key" in message and "ZOTERO_API_KEY" in message
    assert written.strip() not in message and KEY[:8] not in message
    assert caught.value.exit_code == 2
    assert server.log == []  # refused before any request, so nothing is retried


def test_the_key_from_a_crlf_env_file_reaches_the_exporter_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "papersync.yaml").write_text(
        "notes: [log.md]\nexport:\n  zotero: {library_id: '1234'}\n", encoding="utf-8"
    )
    monkeypatch.setenv("ZOTERO_API_KEY", f"{KEY}\r")
    built = registry.zotero_exporter(load(tmp_path / "papersync.yaml"))
    assert built.api.headers["Zotero-API-Key"] == KEY

    monkeypatch.setenv("ZOTERO_API_KEY", f"{KEY}\x7f")
    with pytest.raises(ConfigError, match="ZOTERO_API_KEY"):
        registry.zotero_exporter(load(tmp_path / "papersync.yaml"))


def test_no_message_or_log_line_ever_shows_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    said: list[str] = []
    with FakeZotero(SUBSET, api_key=KEY) as server:
        server.script(*[Fault(500, method="POST")] * 10)
        failing = push(server, [reference(1)], Lock(), collection=None, retries=1)
        said += failing.problems
        with pytest.raises(ZoteroError) as refused:
            push(server, [reference(2)], Lock(), api_key=KEY[::-1])
        said.append(str(refused.value))
    with pytest.raises(ZoteroError) as unreachable:
        push(server, [reference(3)], Lock(), api_key=KEY)  # the server is gone now
    said.append(str(unreachable.value))

    assert failing.counts["failed"] == 1 and len(said) == 3
    records = [r.getMessage() for r in caplog.records]
    for text in [*said, *records]:
        assert KEY not in text and KEY[::-1] not in text
        assert "Zotero-API-Key" not in text


# answers recorded from api.zotero.org


def test_recorded_write_answers_are_read(shared: Path) -> None:
    recorded = shared / "fixtures" / "real" / "zotero"

    def read(name: str, library_version: str | None = None) -> WriteResult:
        body = json.loads((recorded / name).read_text(encoding="utf-8"))
        return write_result(body, library_version)

    assert read("write_response_create_item.json") == WriteResult({0: 157}, frozenset(), {})
    assert read("write_response_create_collection.json").versions == {0: 158}
    mixed = read("write_response_mixed_mock.json", library_version="42")
    assert mixed.versions == {0: 42, 2: 42, 4: -1}
    assert mixed.failures == {1: "400: Bad input", 3: "400: Bad input"}
    assert mixed.conflicts == frozenset()


def test_doctor_accepts_the_key_a_crlf_env_file_gives(
    server: FakeZotero, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = "{enabled: false}"
    (tmp_path / "papersync.yaml").write_text(
        f"notes: [log.md]\nsources: {{arxiv: {off}, semanticscholar: {off}, crossref: {off}}}\n"
        f"export:\n  zotero: {{library_id: '{server.library_id}', url: '{server.url}'}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ZOTERO_API_KEY", f"{server.api_key}\r")

    [(ok, line)] = doctor.check_services(load(tmp_path / "papersync.yaml"))

    assert ok, line
    assert server.log == [("GET", "/keys/current", 200)]
