"""Both backends, the combined default, fallback, highlighting and bad input."""

import time

import numpy as np
import pytest

from suggestions import engine, semantic, text
from tests.suggestions.conftest import CASES

BACKENDS = ["lexical", "semantic", "combined"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES[:3], ids=lambda case: case["id"])
def test_each_backend_ranks_the_evidenced_point_first_and_preselects_only_it(
    points, backend, case
):
    result = engine.analyse(case["text"], points, backend)

    assert result.backend == backend
    assert result.ranked_keys[0] == case["labels"][0]
    assert [s.key for s in result.preselected] == case["labels"]
    assert sorted(result.ranked_keys) == ["MP1", "MP2", "MP3"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_log_with_no_relevant_evidence_gets_no_preselection(points, backend):
    result = engine.analyse(CASES[3]["text"], points, backend)

    assert result.preselected == ()
    assert len(result.suggestions) == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_supporting_sentences_are_spans_of_the_text(points, backend):
    case = CASES[1]
    result = engine.analyse(case["text"], points, backend)
    top = result.suggestions[0]

    highlighted = [result.text[a:b] for a, b in top.spans]

    assert top.key == "MP2"
    assert 1 <= len(highlighted) <= engine.MAX_SPANS
    assert any("11°C" in sentence or "4°C" in sentence for sentence in highlighted)
    assert all(sentence in case["text"] for sentence in highlighted)


def test_suggest_returns_the_ranked_list(points):
    suggestions = engine.suggest(CASES[2]["text"], points)

    assert suggestions[0].key == "MP3"
    assert suggestions[0].index == 2
    assert suggestions[0].score > suggestions[1].score >= suggestions[2].score


def test_the_default_backend_is_combined():
    assert engine.active_backend_name() == "combined"


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="Unknown backend"):
        engine.active_backend_name("magic")


def test_without_the_model_the_lexical_backend_serves_and_says_so(points, monkeypatch):
    monkeypatch.setitem(semantic._state, "model", None)
    monkeypatch.setitem(semantic._state, "error", "OSError: weights missing")

    result = engine.suggest_for_unit(CASES[0]["text"], points, backend="combined")

    assert engine.backend_available("semantic") is False
    assert result.backend == "lexical"
    assert [s.key for s in result.preselected] == ["MP1"]


def test_the_model_loads_offline_from_the_package():
    assert semantic.load_model() is not None
    vectors = semantic.embed(["I rang her back on Friday", "followed up"])
    assert vectors.shape == (2, 256)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "source",
    [
        "",
        None,
        "Der Kunde hat sich beschwert, weil die Lieferung zu spät kam und "
        "niemand angerufen hat. Ich habe ihn zurückgerufen.",
        "顧客は配達が遅れたことに不満を持っていた。私は翌日電話をかけ直した。",
        # what a failed PDF extraction tends to leave behind
        "%PDF-1.7 \x00\x01\x02 obj << /Filter /FlateDecode >> stream ÿØÿà endobj",
    ],
    ids=["empty", "none", "german", "japanese", "failed-extraction"],
)
def test_bad_input_gives_no_suggestion_and_a_message(points, backend, source):
    result = engine.analyse(source, points, backend)

    assert result.suggestions == ()
    assert result.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_200000_character_paste_is_limited_and_stays_fast(points, backend):
    paste = (CASES[0]["text"] + " ") * (200_000 // len(CASES[0]["text"]) + 1)
    assert len(paste) > 200_000
    started = time.perf_counter()

    result = engine.analyse(paste, points, backend)

    # generous bound for a loaded CI machine; it takes well under a second here
    assert time.perf_counter() - started < 10
    assert len(result.text) == text.MAX_CHARS
    assert result.ranked_keys[0] == "MP1"


def test_no_marking_points_means_no_suggestion():
    result = engine.analyse(CASES[0]["text"], [], "lexical")

    assert result.suggestions == ()
    assert result.message == "This unit has no marking points to match."


def test_no_more_than_three_points_are_preselected():
    scores = engine.Scores(
        points=engine.standardise(np.array([5.0, 4.9, 4.8, 4.7, 4.6, 0, 0, 0, 0, 0])),
        sentences=np.zeros((1, 10)),
        lexical_level=0.5,
        semantic_level=0.5,
    )

    chosen = engine.select(scores, engine.RULES["combined"])

    assert chosen.tolist() == [True, True, True] + [False] * 7


def test_the_floor_stops_preselection_when_the_log_is_unrelated():
    scores = engine.Scores(
        points=np.array([1.5, -0.5, -1.0]),
        sentences=np.zeros((1, 3)),
        lexical_level=0.2,
        semantic_level=0.1,
    )

    assert not engine.select(scores, engine.RULES["combined"]).any()
    assert engine.select(scores, engine.RULES["lexical"]).tolist() == [
        True,
        False,
        False,
    ]
