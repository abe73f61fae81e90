"""A report that shows what it showed in the last build keeps its files (orchestration/reports/unchanged.py):
its generation time is not part of what it shows; a change of a number, a missing file or a new writer is."""

from orchestration.reports import unchanged
from orchestration.reports.unchanged import STAMP, Unchanged, stamped


def _page(number: str) -> str:
    return f"<p>生成时间 {STAMP}</p><p>在校生 {number} 人</p>"


def test_the_generation_time_is_not_what_a_page_shows(monkeypatch):
    html, digest = stamped(_page("2,380"))
    assert STAMP not in html and "生成时间 20" in html
    assert stamped(_page("2,380"))[1] == digest
    assert stamped(_page("2,381"))[1] != digest
    monkeypatch.setattr(unchanged, "_WRITERS", "another layout of the Word and PDF files")
    assert stamped(_page("2,380"))[1] != digest


def test_kept_files_are_the_last_builds_files(tmp_path):
    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir()
    work.mkdir()
    (out / "a.html").write_text("old", encoding="utf-8")
    (out / "a.pdf").write_bytes(b"%PDF")
    first = Unchanged(out)
    assert not first.keep("a", "d1", [out / "a.html", out / "a.pdf"], work)  # no digest of the last build yet
    first.save(out)
    again = Unchanged(out)
    assert again.keep("a", "d1", [out / "a.html", out / "a.pdf"], work)
    assert (work / "a.pdf").stat().st_ino == (out / "a.pdf").stat().st_ino and again.kept == 1
    assert not Unchanged(out).keep("a", "d2", [out / "a.html"], tmp_path / "other")  # it shows something else
    (out / "a.pdf").unlink()
    assert not Unchanged(out).keep("a", "d1", [out / "a.html", out / "a.pdf"], tmp_path / "other")  # file gone
