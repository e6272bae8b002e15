"""medcred.processes: the end of a child's log, as start errors quote it."""

from __future__ import annotations

from pathlib import Path

from medcred.processes import last_lines, log_tail


def test_the_last_lines_of_a_log(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    log.write_bytes(b"".join(f"line {n}\n".encode() for n in range(100)) + "caf\xe9 \xff\n".encode("latin-1"))
    assert log_tail(log, lines=2) == "line 99\ncaf\ufffd \ufffd"  # undecodable bytes do not raise
    assert last_lines(log)[0] == "line 0"


def test_only_the_end_of_a_long_log_is_read(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    log.write_text("x" * 1000 + "\nend\n")
    assert last_lines(log, max_bytes=10) == ["xxxxx", "end"]


def test_a_missing_log_has_no_lines(tmp_path: Path) -> None:
    assert last_lines(tmp_path / "none.log") == []
    assert log_tail(tmp_path / "none.log") == ""
