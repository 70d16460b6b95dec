"""People see why a decision was sampled in words, never the stored codes."""

from django.template import Context, Template


def _render(codes) -> str:
    template = Template(
        "{% load sampling_display %}"
        "{% for r in codes|sample_reason_labels %}{{ r }}|{% endfor %}"
    )
    return template.render(Context({"codes": codes}))


def test_stored_codes_read_as_sentences():
    assert _render(["assessor_coverage", "unit_coverage", "new_assessor"]) == (
        "first decision this quarter for this assessor|"
        "first this quarter for this unit|new assessor|"
    )
    assert _render(["base"]) == "base rate|"


def test_an_unknown_code_is_still_readable():
    assert _render(["some_new_rule"]) == "some new rule|"
    assert _render([]) == ""
