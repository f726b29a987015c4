"""Splitting long answers for Telegram."""

from __future__ import annotations

from bot.delivery import split_message


def test_long_answers_are_split_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(12)]
    pieces = split_message("\n\n".join(paragraphs), limit=4096)
    assert len(pieces) > 1
    assert all(len(piece) <= 4096 for piece in pieces)
    assert all(piece.startswith("Paragraph") for piece in pieces)
    assert " ".join(pieces).split() == "\n\n".join(paragraphs).split()


def test_a_paragraph_longer_than_the_limit_is_cut_at_a_space() -> None:
    pieces = split_message("alpha " * 1000, limit=100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert all(not piece.startswith(" ") and piece.endswith("alpha") for piece in pieces)
