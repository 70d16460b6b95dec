"""Metrics checked against small examples worked out by hand."""

import pytest

from suggestions import metrics


def test_precision_at_1_counts_only_the_top_key():
    assert metrics.precision_at_1(["MP2", "MP1"], {"MP1"}) == 0.0
    assert metrics.precision_at_1(["MP1", "MP2"], {"MP1"}) == 1.0
    assert metrics.precision_at_1(["MP1"], set()) is None


def test_recall_at_3_is_the_share_of_labels_in_the_top_three():
    ranked = ["MP4", "MP1", "MP5", "MP2", "MP3"]
    assert metrics.recall_at_k(ranked, {"MP1", "MP2"}, 3) == 0.5
    assert metrics.recall_at_k(ranked, {"MP1", "MP5"}, 3) == 1.0


def test_average_precision_by_hand():
    # relevant at ranks 1 and 3: (1/1 + 2/3) / 2 = 5/6
    assert metrics.average_precision(["A", "B", "C"], {"A", "C"}) == pytest.approx(
        5 / 6
    )
    # one relevant key never ranked: (1/2) / 2
    assert metrics.average_precision(["B", "A"], {"A", "Z"}) == pytest.approx(0.25)


def test_totals_micro_average_the_selected_sets_and_skip_unlabelled_rankings():
    totals = metrics.Totals()
    # case 1: top is right; selected {MP1, MP2}, labels {MP1} -> 1 TP, 1 FP
    totals.add(["MP1", "MP2", "MP3"], {"MP1", "MP2"}, {"MP1"})
    # case 2: top is wrong; selected {MP3}, labels {MP1, MP2} -> 0 TP, 1 FP, 2 FN
    totals.add(["MP3", "MP1", "MP2"], {"MP3"}, {"MP1", "MP2"})
    # case 3: no labels; one false positive, no ranking metrics
    totals.add(["MP2", "MP1", "MP3"], {"MP2"}, set())

    summary = totals.summary()

    assert summary["precision_at_1"] == 0.5
    assert summary["recall_at_3"] == 1.0
    # AP case 1 = 1; case 2 = (1/2 + 2/3) / 2 = 7/12
    assert summary["map"] == pytest.approx((1 + 7 / 12) / 2)
    assert summary["precision"] == pytest.approx(1 / 4)
    assert summary["recall"] == pytest.approx(1 / 3)
    assert summary["f1"] == pytest.approx(2 * (1 / 4) * (1 / 3) / (1 / 4 + 1 / 3))


def test_totals_with_nothing_selected_report_zero_not_an_error():
    totals = metrics.Totals()
    totals.add(["MP1"], set(), {"MP1"})
    assert totals.summary()["precision"] == 0.0
    assert totals.summary()["f1"] == 0.0
