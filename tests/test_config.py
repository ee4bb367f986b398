"""Config loading: defaults, paths, environment, and one-line errors naming the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from papersync.config import Config, load
from papersync.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "papersync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_every_documented_key(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.yaml"
    config = load(write(tmp_path, example.read_text(encoding="utf-8")))
    assert config.export.bibtex.path == tmp_path / "refs.bib"
    assert config.sources.arxiv.url == "https://export.arxiv.org"
    assert config.state_dir == tmp_path


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    for name in ("b.md", "a.md"):
        (tmp_path / "log" / name).write_text("x")
    config = load(write(tmp_path, "notes: ['log/*.md']\nexport:\n  vault: {path: out/vault}\n"))
    assert config.note_files() == [tmp_path / "log" / "a.md", tmp_path / "log" / "b.md"]
    assert config.export.vault.path == tmp_path / "out" / "vault"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "export:\n  bibtex:\n    path: 3\n",
            "export.bibtex.path: expected a string",
            id="wrong_type",
        ),
        pytest.param(
            "export:\n  bibtex:\n    pth: x.bib\n",
            "export.bibtex.pth: unknown key",
            id="unknown_key",
        ),
        pytest.param(
            "sources:\n  arxiv:\n    interval: fast\n",
            "sources.arxiv.interval: expected a number",
            id="not_a_number",
        ),
        pytest.param(
            "export:\n  bibtex:\n    dialect: latex\n", "export.bibtex.dialect", id="bad_choice"
        ),
        pytest.param("notes: [a\n", "not valid YAML", id="broken_yaml"),
        pytest.param(
            "export:\n  bibtex:\n    citekey: autor + year\n",
            "export.bibtex.citekey: unknown function 'autor'",
            id="bad_citekey_formula",
        ),
        pytest.param("- a\n- b\n", "expected a mapping", id="not_a_mapping"),
        pytest.param(
            "export:\n  zotero:\n    api_key: ${PAPERSYNC_TEST_UNSET}\n",
            "export.zotero.api_key: environment variable PAPERSYNC_TEST_UNSET",
            id="unset_env",
        ),
    ],
)
def test_errors_name_the_file_and_key_path(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_environment_interpolation_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_ZOTERO_KEY", "k-123")
    monkeypatch.setenv("PAPERSYNC_ARXIV_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("PAPERSYNC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("S2_API_KEY", "s2-key")
    config = load(write(tmp_path, "export:\n  zotero:\n    api_key: ${MY_ZOTERO_KEY}\n"))
    assert config.export.zotero.api_key == "k-123"
    assert config.sources.arxiv.url == "http://127.0.0.1:8000"
    assert config.cache_dir == tmp_path / "cache"
    assert config.sources.semanticscholar.api_key == "s2-key"


def test_missing_default_file_is_fine_but_a_named_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert isinstance(load(tmp_path / "papersync.yaml"), Config)
    with pytest.raises(ConfigError, match="no config file here"):
        load(tmp_path / "papersync.yaml", required=True)


def test_a_key_written_twice_is_a_config_error_naming_it_and_its_line(tmp_path: Path) -> None:
    text = "sources:\n  dblp:\n    enabled: true\n  dblp:\n    enabled: false\n"
    with pytest.raises(ConfigError, match=r"papersync.yaml:4: sources.dblp: written twice"):
        load(write(tmp_path, text))


def test_example_config_writes_each_key_once(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.yaml"
    load(write(tmp_path, example.read_text(encoding="utf-8")))


def test_a_glob_leaves_out_a_symlink_inside_an_output_folder_that_points_elsewhere(
    tmp_path: Path,
) -> None:
    (tmp_path / "log.md").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "note.md").write_text("x")
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "note.md").symlink_to(tmp_path / "elsewhere" / "note.md")
    config = load(write(tmp_path, "notes: ['*.md', 'vault/*.md']\n"))
    assert config.note_files(skip=[tmp_path / "vault"]) == [tmp_path / "log.md"]
