"""The command line's progress bar (toolkit.progress)."""

from __future__ import annotations

import io

from toolkit.progress import ProgressBar
from weights.cli import bytes_text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_fills_with_the_work_and_ends_its_line_when_done():
    out = Terminal()
    bar = ProgressBar(stream=out)
    bar(5, 10)
    assert out.getvalue() == "\r[###############...............] 5/10 frames"
    bar(10, 10)
    assert out.getvalue().endswith("[##############################] 10/10 frames\n")


def test_a_download_of_unknown_size_draws_an_empty_bar_and_no_line_end():
    out = Terminal()
    ProgressBar("svd", bytes_text, stream=out)(5_000_000, 0)
    assert out.getvalue() == "\rsvd [..............................] 5 MB / ?"


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    ProgressBar(stream=out)(3, 4)
    assert out.getvalue() == ""
