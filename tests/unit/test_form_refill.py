"""A form filled again with what was typed, kept as JSON, and named on a short button."""

from __future__ import annotations

import pytest

from bot.errors import FieldProblem, UsageError, asking_again
from bot.form_drafts import short_label
from bot.messages import Form, FormField, FormProblem

COMMIT = Form(
    "retro.commit",
    "Make it a commitment",
    (
        FormField("owner", "Who will do it? (@name; you, if left empty)", required=False),
        FormField("what", "What will they do?", "long_text", initial="Rota gaps"),
        FormField("due", "By when? (friday, in 2 weeks)", required=False, max_length=60),
        FormField("size", "How big?", "choice", choices=("small", "large")),
    ),
    context="7",
    submit_label="Commit",
)


def test_a_form_refilled_holds_what_was_typed_and_keeps_its_own_initial_values_elsewhere() -> None:
    again = COMMIT.refilled({"owner": "@kenji", "due": "blurgh"}, FormProblem("due", "Why."))

    assert [f.initial for f in again.fields] == ["@kenji", "Rota gaps", "blurgh", ""]
    assert again.problem == FormProblem("due", "Why.")
    assert (again.form_id, again.context, again.submit_label) == ("retro.commit", "7", "Commit")


def test_a_problem_must_name_a_field_of_the_form() -> None:
    with pytest.raises(KeyError):
        COMMIT.refilled({}, FormProblem("colour", "Why."))


def test_a_form_comes_back_from_its_json_as_it_was() -> None:
    again = COMMIT.refilled({"due": "blurgh"}, FormProblem("due", "I could not read it."))

    assert Form.from_dict(again.to_dict()) == again
    assert Form.from_dict(COMMIT.to_dict()) == COMMIT


def test_a_refusal_inside_asking_again_becomes_that_field_asked_again() -> None:
    with pytest.raises(FieldProblem) as raised, asking_again(COMMIT, {"due": "blurgh"}, "due"):
        raise UsageError("I could not read 'blurgh' as a date.", usage="/commit WHAT by DATE")

    problem = raised.value
    assert (problem.field, problem.reason) == ("due", "I could not read 'blurgh' as a date.")
    assert problem.label == "By when? (friday, in 2 weeks)"
    assert problem.form.field_named("due").initial == "blurgh"


@pytest.mark.parametrize(
    ("label", "short"),
    [
        ("By when? (friday, in 2 weeks, 2026-12-15)", "By when?"),
        ("Who will do it? (@name; you, if left empty)", "Who will do it?"),
        ("Your item", "Your item"),
        ("(only brackets)", "(only brackets)"),
        ("What " * 20, ("What " * 12)[:59] + "…"),
    ],
)
def test_a_field_label_on_a_button_loses_its_examples_and_stays_short(
    label: str, short: str
) -> None:
    assert short_label(label) == short
    assert len(short_label(label)) <= 60
