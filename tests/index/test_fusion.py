from __future__ import annotations

import pytest
from paperkg.index.fusion import convex, rrf


def test_convex_hand_checked() -> None:
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]  # minmax -> 1.0, 0.5, 0.0
    lexical = [(3, 10.0), (4, 5.0)]  # minmax -> 1.0, 0.0
    out = {f.pk: f for f in convex(dense, lexical, weight=0.6)}
    assert out[1].score == pytest.approx(0.6)
    assert out[2].score == pytest.approx(0.3)
    assert out[3].score == pytest.approx(0.4)  # 0.6 * 0 + 0.4 * 1
    assert out[4].score == pytest.approx(0.0)
    assert [f.pk for f in convex(dense, lexical, weight=0.6)][:3] == [1, 3, 2]
    assert out[3].dense_rank == 3 and out[3].lexical_rank == 1


def test_rrf_hand_checked() -> None:
    out = {f.pk: f.score for f in rrf([(1, 0.9), (2, 0.8)], [(2, 3.0), (3, 1.0)], k=60)}
    assert out[2] == pytest.approx(1 / 62 + 1 / 61)
    assert out[1] == pytest.approx(1 / 61)
    assert out[3] == pytest.approx(1 / 62)


def test_single_list_and_ties() -> None:
    assert [f.pk for f in convex([], [(7, 2.0), (8, 2.0)], weight=0.5)] == [7, 8]
    assert convex([], [], 0.5) == []


def test_single_keeps_raw_scores_as_the_only_part() -> None:
    from paperkg.index.fusion import single

    out = single([(5, 0.8), (6, 0.8), (2, 0.3)], "dense")
    assert [f.pk for f in out] == [5, 6, 2]  # equal scores: lower pk first, as in the fused rankings
    assert [f.score for f in out] == [0.8, 0.8, 0.3]
    assert all(f.parts == {"dense": f.score} and f.dense_rank is not None for f in out)
    lexical = single([(9, 12.5), (4, 3.0)], "lexical")
    assert [(f.pk, f.parts, f.lexical_rank) for f in lexical] == [(9, {"lexical": 12.5}, 1), (4, {"lexical": 3.0}, 2)]
