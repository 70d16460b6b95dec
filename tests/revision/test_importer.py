"""The importer service and the import/export commands."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from revision import importer
from revision.models import (
    FAQ,
    ExamTip,
    KeyConcept,
    LearningOutcome,
    MarkingPoint,
    Misconception,
    PriorKnowledge,
    Qualification,
    Topic,
    TopicOutcome,
    Unit,
)
from revision.parsers import export_json
from revision.parsers.document import parse_document

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("0*.txt"))
QUALIFICATION = "Highfield Level 3 Diploma in Customer Service (RQF)"
UNIT = "Build and maintain effective customer relations"

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Qualification,
            Unit,
            Topic,
            KeyConcept,
            ExamTip,
            Misconception,
            MarkingPoint,
            LearningOutcome,
            TopicOutcome,
            PriorKnowledge,
            FAQ,
        )
    }


def test_import_all_seeds_with_exact_counts():
    out, _ = run("import_revision", *map(str, SEEDS))

    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[2] == (
        "002_fb371deb7646f730.txt: created topic "
        "'Build and maintain effective customer relations' in "
        "'Build and maintain effective customer relations' (5 key concepts, "
        "8 exam tips, 8 misconceptions, 5 marking points, 4 learning outcomes, "
        "3 prior knowledge, 0 key terms, 0 faqs)"
    )
    assert row_counts() == {
        "Qualification": 1,
        "Unit": 1,
        "Topic": 3,
        "KeyConcept": 15,
        "ExamTip": 17,
        "Misconception": 17,
        "MarkingPoint": 14,
        "LearningOutcome": 4,
        "TopicOutcome": 4,
        "PriorKnowledge": 3,
        "FAQ": 0,
    }
    qualification = Qualification.objects.get()
    assert qualification.title == QUALIFICATION
    assert qualification.level == 3
    assert qualification.awarding_organisation == "Highfield Qualifications"
    # The plain-sections files borrowed the unit the web page names.
    assert set(Topic.objects.values_list("unit__title", flat=True)) == {UNIT}
    topic = Topic.objects.get(source_name="002_fb371deb7646f730.txt")
    assert topic.source_format == "web"
    assert topic.overview.count("\n\n") == 2
    assert list(
        topic.misconceptions.filter(position=8).values_list("text", "correction")
    ) == [
        (
            "Customer service performance is solely measured by speed.",
            "Speed is one factor, but quality metrics like accuracy, empathy, and "
            "resolution effectiveness are equally critical. Balancing efficiency "
            "with effectiveness is key.",
        )
    ]
    # The unit has three topics (one per seed), so labels carry the topic number
    # and never repeat within the unit.
    assert [mp.label for mp in topic.marking_points.all()] == [
        "MP3.1",
        "MP3.2",
        "MP3.3",
        "MP3.4",
        "MP3.5",
    ]


def test_marking_points_link_to_the_outcome_they_serve():
    run("import_revision", *map(str, SEEDS))
    topic = Topic.objects.get(source_name="002_fb371deb7646f730.txt")

    links = [
        mp.outcome.number if mp.outcome else None
        for mp in topic.marking_points.select_related("outcome")
    ]

    assert links[1] == 2  # "determining the scope" → "determine the scope"
    assert links[3] == 4  # "reviewing and improving" → "review and improve"


def test_reimporting_the_same_files_changes_nothing():
    run("import_revision", *map(str, SEEDS))
    before = row_counts()
    stamps = list(Topic.objects.values_list("pk", "updated_at"))
    point_ids = list(MarkingPoint.objects.values_list("pk", flat=True))

    out, _ = run("import_revision", *map(str, SEEDS))

    assert [line.split(": ")[1].split(" topic")[0] for line in out.splitlines()] == [
        "unchanged"
    ] * 3
    assert row_counts() == before
    assert list(Topic.objects.values_list("pk", "updated_at")) == stamps
    assert list(MarkingPoint.objects.values_list("pk", flat=True)) == point_ids


def test_edited_file_updates_the_topic_in_place_keeping_marking_points(tmp_path):
    seed = SEEDS[0]
    run("import_revision", str(seed), "--qualification", QUALIFICATION, "--unit", UNIT)
    topic = Topic.objects.get()
    old = {mp.position: mp.pk for mp in topic.marking_points.all()}

    # given an edited copy: point 2 reworded, point 4 removed, a new point at the end
    text = seed.read_text(encoding="utf-8")
    text = text.replace(
        "Credit should be given for evidence of accurately determining",
        "Credit should be given for clear evidence of accurately determining",
    )
    lines = text.split("\n")
    lines = [line for line in lines if not line.startswith("- For reviewing and")]
    lines.append("- Credit for a short reflection on what the learner would change.")
    edited = tmp_path / seed.name
    edited.write_text("\n".join(lines), encoding="utf-8")

    # when
    out, _ = run(
        "import_revision", str(edited), "--qualification", QUALIFICATION, "--unit", UNIT
    )

    # then
    assert out.startswith(f"{seed.name}: updated topic")
    assert Topic.objects.get().pk == topic.pk
    points = list(Topic.objects.get().marking_points.all())
    assert [mp.pk for mp in points[:4]] == [old[1], old[2], old[3], old[5]]
    assert points[1].text.startswith("Credit should be given for clear evidence")
    assert points[3].position == 4
    assert points[4].text == (
        "Credit for a short reflection on what the learner would change."
    )
    assert not MarkingPoint.objects.filter(pk=old[4]).exists()


def test_match_marking_points_prefers_text_then_similarity_then_position():
    old = ["Alpha point about trust", "Beta point about scope", "Gamma"]
    new = ["Beta point about scope", "Alpha point about trust!", "Completely new"]

    assert importer.match_marking_points(old, new) == {0: 1, 1: 0, 2: 2}


def test_match_marking_points_never_reuses_a_removed_point_elsewhere():
    old = ["Alpha point about trust", "Gamma", "Beta point about scope"]
    new = ["Alpha point about trust", "Beta point about scope", "Delta, unrelated"]

    assert importer.match_marking_points(old, new) == {0: 0, 1: 2}


def test_export_round_trip_is_unchanged():
    run("import_revision", *map(str, SEEDS))
    out, _ = run("export_revision")
    exported = json.loads(out)

    expected = []
    for seed in SEEDS:
        doc = parse_document(seed.read_text(encoding="utf-8"))
        obj = export_json.document_to_export(doc)
        obj["qualification"], obj["unit"] = QUALIFICATION, UNIT
        expected.append(obj)
    assert exported == expected


def test_importing_the_export_changes_nothing_and_rebuilds_elsewhere(tmp_path):
    run("import_revision", *map(str, SEEDS))
    out, _ = run("export_revision", "--unit", Unit.objects.get().slug)
    dump = tmp_path / "export.json"
    dump.write_text(out, encoding="utf-8")
    before = row_counts()

    again, _ = run("import_revision", str(dump))
    assert row_counts() == before
    assert all(" unchanged topic " in line for line in again.splitlines())

    # A fresh database gets the same content back from the JSON alone.
    Qualification.objects.all().delete()
    run("import_revision", str(dump))
    out_again, _ = run("export_revision")
    assert json.loads(out_again) == json.loads(out)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "bad.txt: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bad.txt: the file looks binary"),
        (
            "Topic Synopsis\nCaf\u00e9s".encode("latin-1"),
            "bad.txt: the file is not UTF-8",
        ),
        (
            b"Dear colleague,\nplease see attached.\n",
            "bad.txt: no recognisable section",
        ),
        (b'{"title": "x", "exam_tips": 3}', "bad.txt: exam_tips must be a list"),
    ],
)
def test_bad_files_are_rejected_naming_the_file(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)

    err = StringIO()

    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command(
            "import_revision",
            str(bad),
            "--unit",
            "U",
            "--qualification",
            "Q",
            stdout=StringIO(),
            stderr=err,
        )

    assert message in err.getvalue()
    assert sum(row_counts().values()) == 0


def test_plain_document_without_a_unit_is_rejected():
    with pytest.raises(
        importer.ImportFailed, match=r"000_62dfabb6da7b12c3\.txt: .*--unit"
    ):
        importer.path_import(path=SEEDS[0])
    assert Topic.objects.count() == 0


def test_a_failure_part_way_writes_nothing(monkeypatch):
    # given a failure after the topic row is written
    def explode(*args, **kwargs):
        raise importer.ImportFailed("002_fb371deb7646f730.txt: boom")

    monkeypatch.setattr(importer, "_replace_items", explode)

    with pytest.raises(importer.ImportFailed, match="boom"):
        importer.path_import(path=SEEDS[2])

    assert sum(row_counts().values()) == 0


def test_good_files_import_even_when_another_in_the_batch_is_bad(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02")
    err = StringIO()

    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command(
            "import_revision", str(SEEDS[2]), str(bad), stdout=StringIO(), stderr=err
        )

    assert "broken.txt: the file looks binary" in err.getvalue()
    assert Topic.objects.count() == 1


def test_export_unknown_unit_is_an_error():
    with pytest.raises(CommandError, match="No unit with the slug 'nope'"):
        run("export_revision", "--unit", "nope")
