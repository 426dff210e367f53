"""The seeded evaluation set of opportunities (issue 17): whose offer answers whose need.

An NHS-like system of 500 members in 30 silos (26 teams and 4
organisations; each member in one team, four in five also in an
organisation) writes 2,000 check-in answers over eight weeks, each to a need
question ("What are you stuck on?", "Where could you use help?") or an offer
question ("What did you learn this week?", "What are you working on that
others could use?"), as the templates ask them. Among them:

* 50 planted pairs: one member's need and another's offer on one topic,
  written as paraphrases of each other (the subject shared, not the
  sentence), the two members sharing no silo at all;
* 10 decoys: true matches between two members who share a silo (six a team,
  four only an organisation), which the silo rule must keep out;
* distractors: needs and offers on many other subjects, written so that no
  need among them is answered by an offer among them, but in the same
  everyday vocabulary (wards, clinics, rotas, discharge, referrals); and
  generic answers ("Busy week", "Nothing new");
* a few prolific writers (about 20 answers each), whom the per-member
  spread must keep from filling the list.

Members write as people do: a subject once, or again in later weeks (a
*thread* of one to three answers, in the other wording when there is one),
opened and closed in the bank's conversational phrases ("Still:", "Any
ideas welcome"), three in ten with an everyday context ("with winter
pressures", "since the new system went live"). Distractor subjects come
from patterns (``{a|b}``: a choice; the first choice names the subject), so
that about 130 to 150 subjects a side are each written by two or three
members, not one sentence by fifteen.

Everything is drawn from a ``random.Random(seed)``: the same seed and bank
give the same set. Two banks of wording exist: the tuning bank
(``bench/opportunity_bank_tuning.py``), on which the matcher was tuned, and
the held-out bank (``bench/opportunity_bank_heldout.py``), other topics,
other distractors and another style, on which it was not. ``evaluate`` runs
the matcher as the product runs it (``handlers.shared.topics.match`` with its
threshold and per-member spread, the silo rule of
``handlers.shared.passages.PairRules``) and scores its suggestions.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from handlers.shared.intents import NEED, OFFER, Intent
from handlers.shared.passages import PairRules
from handlers.shared.topics import PER_MEMBER, THRESHOLD, Match, Passage, match

MEMBERS = 500
ANSWERS = 2_000
PLANTED_PAIRS = 50
WEEKS = 8
PROLIFIC = 5
PROLIFIC_SHARE = 0.05
GENERIC_SHARE = 0.3
CONTEXT_SHARE = 0.3
ORGANISATION_SHARE = 0.8
TOP = 50
THREAD_LENGTHS = (1, 2, 3)
THREAD_WEIGHTS = (0.55, 0.3, 0.15)

TEAMS = (
    "Radiotherapy",
    "Oncology",
    "Public Health",
    "Pharmacy",
    "Discharge Team",
    "A&E",
    "Estates",
    "IT",
    "Finance",
    "HR",
    "Mental Health",
    "Community Nursing",
    "Social Care",
    "Maternity",
    "Paediatrics",
    "Cardiology",
    "Radiology",
    "Physiotherapy",
    "Occupational Therapy",
    "Outpatients",
    "Patient Experience",
    "Infection Prevention",
    "Procurement",
    "Health Visiting",
    "Palliative Care",
    "Learning and Development",
)
ORGANISATIONS = ("NHS Trust A", "NHS Trust B", "County Council", "Integrated Care Board")

_FIRST = (
    "Aisha Ben Carys Dev Ella Femi Gita Hamza Iris Jon Kemi Liam Maya Nia Owen Priya Quinn "
    "Rhys Sana Tom Uma Vik Wen Xena Yusuf Zoe Amir Bea Cal Dina Eli Fay Gus Hana Ivan Jade "
    "Kofi Lena Marc Nora Omar Pia Raj Sian Theo Ugo Vera Will Yara Zak"
)
_SURNAMES = (
    "Khan Jones Patel Smith Evans Okafor Williams Shah Brown Davies Ahmed Taylor Wilson "
    "Thomas Roberts Ali Hughes Lewis Clarke Walker Wright Green Hall Wood Edwards Hussain "
    "Begum Mensah Nowak Kaur Singh Murphy Kelly Price Bell Reid Moore Cole Grant Owusu"
)
FIRST_NAMES = tuple(_FIRST.split())
SURNAMES = tuple(_SURNAMES.split())


@dataclass(frozen=True, slots=True)
class Topic:
    """One subject, said as needs and as offers in words that differ."""

    key: str
    needs: tuple[str, ...]
    offers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bank:
    """A set of wordings: planted topics, decoys, distractors, and how answers open and close."""

    name: str
    planted: tuple[Topic, ...]
    decoys: tuple[Topic, ...]
    needs: tuple[str, ...]
    offers: tuple[str, ...]
    generic_needs: tuple[str, ...]
    generic_offers: tuple[str, ...]
    contexts: tuple[str, ...]
    need_openers: tuple[str, ...]
    need_closers: tuple[str, ...]
    offer_openers: tuple[str, ...]
    offer_closers: tuple[str, ...]
    need_questions: tuple[str, ...]
    offer_questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    member_id: int
    week: int
    question: str
    intent: Intent
    text: str
    role: str
    """``planted``, ``decoy``, ``distractor`` or ``generic``: what the set made it for."""


@dataclass(frozen=True)
class EvaluationSet:
    """Members, their silos and answers, and which pairs of members were planted."""

    name: str
    seed: int
    names: dict[int, str]
    silos: dict[int, frozenset[int]]
    silo_names: dict[int, tuple[str, str]]
    """Each silo's (kind, name)."""
    answers: tuple[Answer, ...]
    planted: dict[frozenset[int], str]
    """Each planted pair of members and its topic."""
    decoys: dict[frozenset[int], str]
    """Each decoy pair (sharing a silo) and its topic."""

    def passages(self) -> list[Passage]:
        return [
            Passage(a.member_id, a.intent, a.text, source="answer", ref=f"week:{a.week}")
            for a in self.answers
        ]

    def rules(self, apart: frozenset[str] | None = None) -> PairRules:
        """The product's pair rules for this set: nobody introduced, nobody opted out."""

        return PairRules(
            silos=self.silos,
            kinds={silo: kind for silo, (kind, _name) in self.silo_names.items()},
            apart=apart,
            introduced=frozenset(),
            avoided=frozenset(),
            held=frozenset(),
            opted_out=frozenset(),
        )

    def silos_field(self, member_id: int) -> str:
        return ";".join(
            f"{kind}:{name}"
            for kind, name in sorted(
                (self.silo_names[s] for s in self.silos[member_id]), key=lambda s: s[0] != "team"
            )
        )

    def as_csv(self) -> str:
        """The answers as ``convene opportunities --answers`` reads them."""

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["member", "silos", "question", "answer"])
        for answer in self.answers:
            writer.writerow(
                [
                    self.names[answer.member_id],
                    self.silos_field(answer.member_id),
                    answer.question,
                    answer.text,
                ]
            )
        return out.getvalue()


def build(bank: Bank, seed: int) -> EvaluationSet:
    """The evaluation set of ``bank``'s wording drawn from ``seed``."""

    if len(bank.planted) < PLANTED_PAIRS:
        raise ValueError(f"the {bank.name} bank has {len(bank.planted)} planted topics, not 50")
    rng = random.Random(seed)
    silo_names = {i: ("team", name) for i, name in enumerate(TEAMS)}
    silo_names |= {len(TEAMS) + i: ("organisation", n) for i, n in enumerate(ORGANISATIONS)}
    names = _names(rng)
    silos = _silos(rng)
    answers: list[Answer] = []
    writer = _Writer(bank, rng)
    used: set[int] = set()

    planted: dict[frozenset[int], str] = {}
    topics = list(bank.planted)
    rng.shuffle(topics)
    for topic in topics[:PLANTED_PAIRS]:
        need, offer = _pair(rng, silos, used, apart=True)
        planted[frozenset((need, offer))] = topic.key
        answers += writer.thread(need, NEED, topic.needs, "planted")
        answers += writer.thread(offer, OFFER, topic.offers, "planted")

    decoys: dict[frozenset[int], str] = {}
    for index, topic in enumerate(bank.decoys):
        need, offer = _pair(rng, silos, used, apart=False, same_team=index < 6)
        decoys[frozenset((need, offer))] = topic.key
        answers += writer.thread(need, NEED, topic.needs, "decoy")
        answers += writer.thread(offer, OFFER, topic.offers, "decoy")

    prolific = rng.sample(range(MEMBERS), PROLIFIC)
    subjects = {
        NEED: _Cycle([s for p in bank.needs for s in subjects_of(p)], rng),
        OFFER: _Cycle([s for p in bank.offers for s in subjects_of(p)], rng),
    }
    while len(answers) < ANSWERS:
        member = rng.choice(prolific) if rng.random() < PROLIFIC_SHARE else rng.randrange(MEMBERS)
        intent: Intent = NEED if rng.random() < 0.5 else OFFER
        if rng.random() < GENERIC_SHARE:
            texts = bank.generic_needs if intent == NEED else bank.generic_offers
            answers.append(writer.plain(member, intent, rng.choice(texts)))
        else:
            subject = subjects[intent].next()
            answers += writer.thread(member, intent, (subject,), "distractor")
    answers = answers[:ANSWERS]
    rng.shuffle(answers)
    answers.sort(key=lambda a: a.week)
    return EvaluationSet(
        name=bank.name,
        seed=seed,
        names=names,
        silos=silos,
        silo_names=silo_names,
        answers=tuple(answers),
        planted=planted,
        decoys=decoys,
    )


_CHOICE = re.compile(r"\{([^{}]*)\}")


def subjects_of(pattern: str) -> list[str]:
    """A pattern's subjects: one pattern for each option of its first choice (``{a|b}``)."""

    found = _CHOICE.search(pattern)
    if found is None:
        return [pattern]
    return [
        pattern[: found.start()] + option + pattern[found.end() :]
        for option in found.group(1).split("|")
    ]


def render(pattern: str, rng: random.Random) -> str:
    """One wording of a pattern: each choice drawn."""

    return _CHOICE.sub(lambda found: rng.choice(found.group(1).split("|")), pattern)


@dataclass
class _Cycle:
    """Subjects handed out in a shuffled order, each once before any twice."""

    items: list[str]
    rng: random.Random
    queue: list[str] = field(default_factory=list)

    def next(self) -> str:
        if not self.queue:
            self.queue = list(self.items)
            self.rng.shuffle(self.queue)
        return self.queue.pop()


def _names(rng: random.Random) -> dict[int, str]:
    every = [f"{first} {last}" for first in FIRST_NAMES for last in SURNAMES]
    return dict(enumerate(rng.sample(every, MEMBERS)))


def _silos(rng: random.Random) -> dict[int, frozenset[int]]:
    """Each member's team (sizes uneven, as real teams are) and, for most, an organisation."""

    weights = [1.0 / (rank + 2) for rank in range(len(TEAMS))]
    rng.shuffle(weights)
    home = {team: rng.randrange(len(ORGANISATIONS)) for team in range(len(TEAMS))}
    silos: dict[int, frozenset[int]] = {}
    for member in range(MEMBERS):
        team = rng.choices(range(len(TEAMS)), weights)[0]
        chosen = {team}
        if rng.random() < ORGANISATION_SHARE:
            organisation = home[team] if rng.random() < 0.75 else rng.randrange(len(ORGANISATIONS))
            chosen.add(len(TEAMS) + organisation)
        silos[member] = frozenset(chosen)
    return silos


def _pair(
    rng: random.Random,
    silos: dict[int, frozenset[int]],
    used: set[int],
    *,
    apart: bool,
    same_team: bool = False,
) -> tuple[int, int]:
    """Two members not used yet: sharing no silo (``apart``), else sharing a team
    (``same_team``) or only an organisation."""

    while True:
        a, b = rng.sample(range(MEMBERS), 2)
        if a in used or b in used:
            continue
        common = silos[a] & silos[b]
        if apart and common:
            continue
        if not apart:
            teams = {s for s in common if s < len(TEAMS)}
            if not common or bool(teams) != same_team:
                continue
        used.update((a, b))
        return a, b


@dataclass
class _Writer:
    """Answers as members write them: an opener, the sentence, maybe a context, a closer;
    a subject written about once or again in later weeks (still stuck, still proud)."""

    bank: Bank
    rng: random.Random

    def thread(
        self, member: int, intent: Intent, wordings: Sequence[str], role: str
    ) -> list[Answer]:
        times = self.rng.choices(THREAD_LENGTHS, THREAD_WEIGHTS)[0]
        weeks = sorted(self.rng.sample(range(1, WEEKS + 1), times))
        start = self.rng.randrange(len(wordings))
        found: list[Answer] = []
        for turn, week in enumerate(weeks):
            sentence = render(wordings[(start + turn) % len(wordings)], self.rng)
            if intent == NEED:
                text = self._dressed(sentence, self.bank.need_openers, self.bank.need_closers)
            else:
                text = self._dressed(sentence, self.bank.offer_openers, self.bank.offer_closers)
            found.append(self._answer(member, intent, text, role, week))
        return found

    def plain(self, member: int, intent: Intent, text: str) -> Answer:
        return self._answer(member, intent, text, "generic", self.rng.randint(1, WEEKS))

    def _answer(self, member: int, intent: Intent, text: str, role: str, week: int) -> Answer:
        questions = self.bank.need_questions if intent == NEED else self.bank.offer_questions
        return Answer(member, week, self.rng.choice(questions), intent, text, role)

    def _dressed(self, sentence: str, openers: Sequence[str], closers: Sequence[str]) -> str:
        if self.rng.random() < CONTEXT_SHARE:
            sentence = _with_context(sentence, self.rng.choice(self.bank.contexts))
        opener = self.rng.choice(openers)
        if opener:
            sentence = opener + (
                sentence[0].lower() + sentence[1:] if _lower_ok(sentence) else sentence
            )
        return sentence + self.rng.choice(closers)


def _lower_ok(sentence: str) -> bool:
    """Whether a sentence's first word may lose its capital after an opener (not "I", "GP")."""

    first = sentence.split(" ", 1)[0]
    return first != "I" and not first.startswith("I'") and not any(c.isupper() for c in first[1:])


def _with_context(sentence: str, context: str) -> str:
    end = sentence[-1] if sentence[-1] in ".?!" else ""
    body = sentence[:-1] if end else sentence
    return f"{body}, {context}{end or '.'}"


# -- scoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quality:
    """How the matcher's suggestions on one set compare with what was planted."""

    name: str
    suggestions: tuple[Match, ...]
    planted: dict[frozenset[int], str]
    top: int
    same_silo: int
    decoys_suggested: int

    @property
    def shown(self) -> tuple[Match, ...]:
        return self.suggestions[: self.top]

    @property
    def planted_in_top(self) -> int:
        return sum(1 for m in self.shown if m.members in self.planted)

    @property
    def planted_suggested(self) -> int:
        return sum(1 for m in self.suggestions if m.members in self.planted)

    @property
    def precision(self) -> float:
        """Planted pairs among the top ``top``, over ``top`` (a shorter list counts as misses)."""

        return self.planted_in_top / self.top

    @property
    def recall(self) -> float:
        """Planted pairs among every suggestion made (above the threshold), over all planted."""

        return self.planted_suggested / len(self.planted)

    def missed(self) -> list[str]:
        found = {m.members for m in self.suggestions}
        return sorted(topic for pair, topic in self.planted.items() if pair not in found)

    def wrong(self) -> list[Match]:
        return [m for m in self.shown if m.members not in self.planted]


def evaluate(
    evaluation: EvaluationSet,
    *,
    threshold: float = THRESHOLD,
    per_member: int = PER_MEMBER,
    top: int = TOP,
) -> Quality:
    """The matcher's suggestions on the set, as the product makes them, scored."""

    rules = evaluation.rules()
    suggestions = match(
        evaluation.passages(), allowed=rules.allowed, threshold=threshold, per_member=per_member
    )
    return Quality(
        name=evaluation.name,
        suggestions=tuple(suggestions),
        planted=evaluation.planted,
        top=top,
        same_silo=sum(
            1
            for m in suggestions
            if evaluation.silos[m.need.member_id] & evaluation.silos[m.offer.member_id]
        ),
        decoys_suggested=sum(1 for m in suggestions if m.members in evaluation.decoys),
    )


def tuning_set(seed: int = 17) -> EvaluationSet:
    from bench.opportunity_bank_tuning import BANK

    return build(BANK, seed)


def held_out_set(seed: int = 1717) -> EvaluationSet:
    from bench.opportunity_bank_heldout import BANK

    return build(BANK, seed)
