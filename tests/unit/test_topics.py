"""The matcher reads across what members wrote: whose offer answers whose need.

Scenarios on small, hand-written workspaces; how well it does on 2,000
answers with planted pairs is ``tests/unit/test_opportunity_quality.py``'s
(and ``bench/opportunities.py``'s) business.
"""

from __future__ import annotations

from handlers.shared.intents import NEED, OFFER, intent_of, read_intent
from handlers.shared.topics import (
    PER_MEMBER,
    Passage,
    TopicIndex,
    affinity,
    match,
    snippet,
    words,
)

ANYONE = lambda _a, _b: True  # noqa: E731

BACKGROUND = [
    Passage(101, OFFER, "Ran a teaching session on ECG interpretation for the student nurses."),
    Passage(102, OFFER, "Our endoscopy unit passed its accreditation after two years of work."),
    Passage(103, OFFER, "Set up a lunchtime walking group for staff and people love it."),
    Passage(104, NEED, "The ward printer has been broken for two weeks and nobody will fix it."),
    Passage(105, NEED, "Finding a date for the team away day that suits everyone."),
    Passage(106, OFFER, "We published our audit of hip replacements in a national journal."),
]
"""What else a workspace holds: needs and offers on other subjects."""

DISCHARGE_NEED = Passage(
    1,
    NEED,
    "Patients medically fit for discharge are stuck on the ward for days waiting for a care "
    "package before they can go home.",
)
HOME_SOONER = Passage(
    2,
    OFFER,
    "We get patients home sooner now: a daily discharge huddle with the council's care team "
    "sorts their care package before they are fit to leave.",
)


def test_a_need_about_discharge_matches_an_offer_about_getting_patients_home_sooner() -> None:
    found = match([DISCHARGE_NEED, HOME_SOONER, *BACKGROUND], allowed=ANYONE)

    assert found, "the discharge need and the offer read alike"
    best = found[0]
    assert (best.need, best.offer) == (DISCHARGE_NEED, HOME_SOONER)
    assert 0 < best.score <= 1


def test_a_member_s_own_offer_never_answers_their_own_need() -> None:
    own_offer = Passage(1, OFFER, "We cut discharge waits for care packages with a daily huddle.")

    found = match([DISCHARGE_NEED, own_offer, HOME_SOONER, *BACKGROUND], allowed=ANYONE)

    assert all(m.need.member_id != m.offer.member_id for m in found)
    assert [m.members for m in found[:1]] == [frozenset({1, 2})]


def test_a_pair_the_rules_refuse_is_never_suggested_either_way_round() -> None:
    sepsis_need = Passage(2, NEED, "Sepsis screening on admission is patchy and often missed.")
    sepsis_offer = Passage(1, OFFER, "Our sepsis screening audit went from 60% to 90% this year.")
    passages = [DISCHARGE_NEED, HOME_SOONER, sepsis_need, sepsis_offer, *BACKGROUND]

    found = match(passages, allowed=lambda a, b: frozenset({a, b}) != frozenset({1, 2}))

    assert all(m.members != frozenset({1, 2}) for m in found)


def test_the_pair_is_kept_once_the_better_way_round() -> None:
    sepsis_need = Passage(
        2, NEED, "Sepsis screening on admission is patchy; the screening tool is rarely done."
    )
    sepsis_offer = Passage(
        1,
        OFFER,
        "Our sepsis screening audit went from 60% to 90% once the screening tool was built "
        "into triage; sepsis screening is done on admission now.",
    )
    vague_offer = Passage(2, OFFER, "Learned a little about care on the wards this month.")

    found = match(
        [DISCHARGE_NEED, vague_offer, sepsis_need, sepsis_offer, *BACKGROUND], allowed=ANYONE
    )

    pair = [m for m in found if m.members == frozenset({1, 2})]
    assert len(pair) == 1, "one suggestion for the two of them"
    assert (pair[0].need, pair[0].offer) == (sepsis_need, sepsis_offer), "the closer reading"


def test_what_is_new_between_two_members_is_not_hidden_by_an_older_closer_match() -> None:
    """Two members matched on discharge weeks ago (suggestions were off then); this run
    one of them is stuck on sepsis screening, which the other wrote about."""

    sepsis_need = Passage(
        1, NEED, "Sepsis screening on admission is patchy and often missed.", ref="run:9:q:1"
    )
    sepsis_offer = Passage(
        2, OFFER, "Our sepsis screening audit went from 60% to 90% with a screening tool at triage."
    )
    passages = [DISCHARGE_NEED, HOME_SOONER, sepsis_need, sepsis_offer, *BACKGROUND]

    found = match(passages, allowed=ANYONE, fresh=lambda m: m.need.ref.startswith("run:9:"))

    pair = [m for m in found if m.members == frozenset({1, 2})]
    assert [(m.need, m.offer) for m in pair] == [(sepsis_need, sepsis_offer)]


def test_one_prolific_writer_appears_in_at_most_two_suggestions() -> None:
    topics = [
        "sepsis screening on admission",
        "missed outpatient appointments and text reminders",
        "staff flu vaccination uptake on night shifts",
        "pressure ulcers in housebound patients",
        "booking interpreters for patients who don't speak English",
    ]
    prolific = [Passage(7, OFFER, f"We sorted {topic}: happy to explain how.") for topic in topics]
    needs = [
        Passage(20 + i, NEED, f"Our team is stuck on {topic}, every single week.")
        for i, topic in enumerate(topics)
    ]

    found = match([*prolific, *needs, *BACKGROUND], allowed=ANYONE)

    assert sum(1 for m in found if 7 in m.members) == PER_MEMBER == 2
    assert len(found) == 2, "the other needs have nobody else to answer them"


def test_an_answer_too_thin_to_say_a_subject_is_never_matched_but_can_be_found() -> None:
    leave = Passage(3, NEED, "Annual leave.")
    leave_form = Passage(4, OFFER, "Built a simple form to request annual leave in Teams.")

    assert match([leave, leave_form, *BACKGROUND], allowed=ANYONE) == []
    index = TopicIndex([leave, leave_form, *BACKGROUND])
    assert [p for p, _score in index.search("annual leave")] == [leave_form]


def test_search_returns_one_passage_per_member_best_first() -> None:
    first = Passage(5, OFFER, "Our discharge huddle with social care gets patients home sooner.")
    second = Passage(5, OFFER, "Discharge planning from day one of admission works.")
    other = Passage(6, OFFER, "A discharge lounge with transport booked the day before.")
    index = TopicIndex([first, second, other, *BACKGROUND])

    found = index.search("discharge", limit=5)

    members = [p.member_id for p, _score in found]
    assert sorted(members) == [5, 6]
    scores = [score for _p, score in found]
    assert scores == sorted(scores, reverse=True)


def test_search_leaves_out_who_the_caller_may_not_list() -> None:
    first = Passage(5, OFFER, "Our discharge huddle with social care gets patients home sooner.")
    other = Passage(6, OFFER, "A discharge lounge with transport booked the day before.")
    index = TopicIndex([first, other, *BACKGROUND])

    found = index.search("discharge", allowed=lambda p: p.member_id != 5)

    assert [p.member_id for p, _score in found] == [6]


def test_a_search_for_nothing_anyone_wrote_finds_nobody() -> None:
    index = TopicIndex([HOME_SOONER, *BACKGROUND])

    assert index.search("xylophone") == []
    assert TopicIndex([]).search("discharge") == []


def test_shorthand_reads_as_what_it_stands_for() -> None:
    assert {"emergenc", "depart"} <= set(words("Frequent attenders at A&E"))
    assert {"healthcar", "assist"} <= set(words("Two HCAs short on nights"))
    assert "inform" not in words("it is what it is"), "only IT in capitals is information tech"


def test_check_in_words_and_filler_say_nothing_about_the_subject() -> None:
    assert words("Still stuck this week, any ideas welcome! Happy to share.") == []


def test_affinity_scores_pairs_of_members_who_answer_each_other() -> None:
    found = affinity([DISCHARGE_NEED, HOME_SOONER, *BACKGROUND], [1, 2, 101])

    assert set(found) == {frozenset({1, 2})}
    assert 0 < found[frozenset({1, 2})] <= 1


def test_nothing_to_match_gives_no_suggestions() -> None:
    assert match([], allowed=ANYONE) == []
    assert match([DISCHARGE_NEED], allowed=ANYONE) == []
    assert match([Passage(1, NEED, "n/a"), Passage(2, OFFER, "-")], allowed=ANYONE) == []


def test_a_snippet_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert snippet("short and   sweet") == "short and sweet"
    cut = snippet("word " * 100, limit=23)
    assert cut == "word word word word…"
    assert len(cut) <= 23


def test_a_question_s_wording_says_whether_it_asks_for_a_need_or_an_offer() -> None:
    needs = ["What are you stuck on?", "Where could you use help?", "What do you need?"]
    offers = [
        "What did you learn this week?",
        "What are you working on that others could use?",
        "What could you share?",
    ]
    neither = ["What will you do today?", "How was your week? (1-5)", "Who helped you?"]

    assert [read_intent(q) for q in needs] == [NEED] * 3
    assert [read_intent(q) for q in offers] == [OFFER] * 3
    assert [read_intent(q) for q in neither] == [None, None, None]
    assert intent_of({"text": "What are you stuck on?", "intent": ""}) is None, "marked neither"
    assert intent_of({"text": "Anything else?", "intent": "offer"}) == OFFER
