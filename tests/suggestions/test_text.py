"""Tokens, stems, spelling variants, sentences and unusable input."""

import pytest

from suggestions import text


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("organisation", "organization"),
        ("personalising", "personalizing"),
        ("analysed", "analyzed"),
        ("behaviour", "behavior"),
        ("favourite", "favorite"),
        ("centre", "center"),
        ("travelled", "traveled"),
        ("catalogue", "catalog"),
        ("programme", "program"),
        ("paediatric", "pediatric"),
        ("defence", "defense"),
    ],
)
def test_british_and_american_spellings_share_a_stem(british, american):
    assert text.stem(british) == text.stem(american)


def test_short_words_ending_in_our_are_left_alone():
    assert text.stem("your") != text.stem("yor")
    assert text.stem("hour") == "hour"


def test_content_stems_drop_function_words():
    assert text.content_stems("I rang her back on Friday") == ["rang", "back", "friday"]


def test_sentences_are_split_with_their_character_spans():
    source = 'She said "fine." Then I rang back!\n\n- a bullet point'
    spans = text.split_sentences(source)
    assert [source[a:b] for a, b in spans] == [
        'She said "fine."',
        "Then I rang back!",
        "- a bullet point",
    ]


def test_a_run_on_paste_is_cut_into_bounded_pieces():
    spans = text.split_sentences("word " * 2000)
    assert all(b - a <= text.MAX_SENTENCE_CHARS for a, b in spans)


@pytest.mark.parametrize(
    "source",
    [
        "",
        None,
        "   \n  ",
        "ok",
        "Der Kunde hat sich beschwert, weil die Lieferung zu spät kam und niemand "
        "angerufen hat.",
        "El cliente se quejó porque el pedido llegó tarde y nadie le llamó.",
        "顧客は配達が遅れたことに不満を持っていた。",
        "Клиент пожаловался, что доставка задержалась.",
    ],
)
def test_unusable_text_has_a_problem_and_no_sentences(source):
    prepared = text.prepare(source)
    assert prepared.problem
    assert prepared.sentences == []


def test_a_huge_paste_is_limited_before_any_work():
    prepared = text.prepare("I listened to the customer. " * 8000)
    assert len(prepared.text) == text.MAX_CHARS
    assert prepared.problem == ""
