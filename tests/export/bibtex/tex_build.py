"""LaTeX as the real client of the .bib: compile a document citing every key, report warnings.

CJK has no glyphs in the fonts these TeX packages ship, so the test documents map each CJK
character to a placeholder with `\\DeclareUnicodeCharacter`, standing in for a user's CJK font
setup; the .bib and .bbl still carry the characters.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from papersync.export.bibtex import entry_keys


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(
            f"{name} not installed (apt-get install texlive-latex-base texlive-latex-recommended "
            "texlive-bibtex-extra biber)"
        )
    return found


def _run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        encoding="utf-8", errors="replace",
    )  # fmt: skip


def _document(text: str, preamble: str, bibliography: str) -> str:
    keys = entry_keys(text)
    cjk = sorted({c for c in text if ord(c) >= 0x2E80})
    stand_ins = "".join(f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{?}}\n" for c in cjk)
    return (
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{url}\n"
        f"{preamble}\n{stand_ins}\\begin{{document}}\n"
        f"Citing \\cite{{{','.join(keys)}}}.\n{bibliography}\n\\end{{document}}\n"
    )


def _assert_latex_clean(
    cwd: Path, result: subprocess.CompletedProcess[str], *, final: bool = True
) -> None:
    log = (cwd / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0 and not errors, errors or log[-2000:]
    if final:
        assert "undefined" not in log.lower(), re.findall(r".*undefined.*", log)


def _pdflatex(cwd: Path, *, final: bool = False) -> subprocess.CompletedProcess[str]:
    draft = () if final else ("-draftmode",)  # only the last run needs to write a PDF
    command = (_tool("pdflatex"), *draft, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
    return _run(cwd, *command)


def compile_with_bibtex(cwd: Path, text: str, style: str) -> tuple[list[str], str]:
    """pdflatex, bibtex, pdflatex ×2 on a document citing every key: bibtex warnings and .bbl."""
    _tool("pdflatex")
    bibtex = _tool("bibtex")
    cwd.mkdir(exist_ok=True)
    (cwd / "refs.bib").write_text(text, encoding="utf-8")
    preamble = "\\usepackage{natbib}" if style.endswith("nat") else ""
    bibliography = f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}"
    (cwd / "doc.tex").write_text(_document(text, preamble, bibliography), encoding="utf-8")
    _assert_latex_clean(cwd, _pdflatex(cwd), final=False)
    result = _run(cwd, bibtex, "doc")
    blg = (cwd / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert "error message" not in blg and result.returncode in (0, 1), blg
    _pdflatex(cwd)
    _assert_latex_clean(cwd, _pdflatex(cwd, final=True))
    bbl = (cwd / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == len(entry_keys(text))
    return re.findall(r"^Warning--.*", blg, re.MULTILINE), bbl


def compile_with_biber(cwd: Path, text: str) -> str:
    """pdflatex, biber, pdflatex ×2 with biblatex; asserts biber said nothing; returns the .bbl."""
    _tool("pdflatex")
    biber = _tool("biber")
    cwd.mkdir(exist_ok=True)
    (cwd / "refs.bib").write_text(text, encoding="utf-8")
    preamble = "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}"
    (cwd / "doc.tex").write_text(_document(text, preamble, "\\printbibliography"), "utf-8")
    _assert_latex_clean(cwd, _pdflatex(cwd), final=False)
    result = _run(cwd, biber, "doc")
    blg = (cwd / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, blg
    assert re.search(r"> INFO - ", blg), blg  # the log format the next line relies on
    assert not re.findall(r"> (?:WARN|ERROR) - .*", blg), blg
    _pdflatex(cwd)
    _assert_latex_clean(cwd, _pdflatex(cwd, final=True))
    bbl = (cwd / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\entry{") == len(entry_keys(text))
    return bbl
