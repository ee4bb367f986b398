"""The fake library, checked through pyzotero, an independent client of the real Web API."""

from __future__ import annotations

import pytest
import requests
from pyzotero import zotero
from pyzotero.errors import PreConditionFailedError

from fake_zotero import FakeZotero


def pyzotero_on(server: FakeZotero) -> zotero.Zotero:
    zot = zotero.Zotero(str(server.library_id), "user", server.api_key)
    zot.endpoint = server.url
    return zot


def test_fake_pages_like_the_real_api(server: FakeZotero) -> None:
    for n in range(230):
        server.add_item({"itemType": "book", "title": f"Book {n}"})
    zot = pyzotero_on(server)

    everything = zot.everything(zot.top(limit=100))

    assert len(everything) == 230
    assert len({e["key"] for e in everything}) == 230
    assert zot.request is not None
    assert zot.request.headers["Total-Results"] == "230"
    assert int(zot.request.headers["Last-Modified-Version"]) == server.version


def test_fake_enforces_versions_and_write_tokens(server: FakeZotero) -> None:
    zot = pyzotero_on(server)
    book = {"itemType": "book", "title": "Mine", "key": "ABCD2345", "version": 0}
    assert zot.create_items([book])["success"] == {"0": "ABCD2345"}

    again = zot.create_items([book])  # version 0: must not exist yet

    assert again["failed"]["0"]["code"] == 412
    stale = {**server.items["ABCD2345"], "version": 0, "title": "Changed"}
    with pytest.raises(PreConditionFailedError):
        zot.update_item(stale)
    headers = {**zot.default_headers(), "Zotero-Write-Token": "a" * 32}
    url = f"{server.url}{server.prefix}/items"
    first = requests.post(url, json=[{"itemType": "book", "title": "T"}], headers=headers)
    second = requests.post(url, json=[{"itemType": "book", "title": "T"}], headers=headers)
    assert (first.status_code, second.status_code) == (200, 412)
    assert len(server.top_items()) == 2


def test_fake_refuses_fields_the_type_lacks_and_oversized_writes(server: FakeZotero) -> None:
    zot = pyzotero_on(server)

    result = zot.create_items(
        [
            {"itemType": "preprint", "title": "P", "publisher": "X"},
            {"itemType": "book", "title": "B"},
        ]
    )

    assert result["failed"]["0"] == {
        "key": None,
        "code": 400,
        "message": "'publisher' is not a valid field for type 'preprint'",
    }
    assert list(result["success"]) == ["1"]
    response = requests.post(
        f"{server.url}{server.prefix}/items",
        json=[{"itemType": "book", "title": str(n)} for n in range(51)],
        headers=zot.default_headers(),
    )
    assert response.status_code == 413
