"""Reading across what members wrote: whose offer answers whose need.

Pure computation (no storage, no platform): the opportunities job, topic
affinity in rounds and ``convene opportunities --answers`` all call it, so a
suggestion made in chat and one tried offline on a file are the same.

Texts are compared by TF-IDF over English word stems (scikit-learn's
vectoriser, Snowball's English stemmer from PyStemmer, scikit-learn's English
stop words and the words every check-in answer is full of: "stuck",
"learned", "week"), words and pairs of words, each vector of unit length, so
a score is a cosine between 0 and 1. Nothing is downloaded: both libraries
ship what they need. scikit-learn is imported on first use (it takes most of
a second), never at start-up.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from handlers.shared.intents import NEED, OFFER, Intent

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

THRESHOLD: Final = 0.2
"""The least score a pair of texts needs to be suggested (a cosine, 0 to 1)."""
FIND_THRESHOLD: Final = 0.1
"""The least score a text needs to answer a search (a topic is a few words, so lower)."""
PER_MEMBER: Final = 2
"""How many suggestions one member may appear in, in one list (the best ones)."""

CHECKIN_WORDS: Final = frozenset(
    [
        "stuck",
        "stuckon",
        "block",
        "blocked",
        "blocking",
        "blocker",
        "help",
        "helped",
        "helping",
        "helpful",
        "need",
        "needed",
        "needing",
        "learn",
        "learned",
        "learnt",
        "learning",
        "week",
        "weeks",
        "today",
        "yesterday",
        "month",
        "working",
        "work",
        "worked",
        "trying",
        "tried",
        "try",
        "still",
        "really",
        "anyone",
        "someone",
        "somebody",
        "else",
        "could",
        "would",
        "get",
        "got",
        "getting",
        "thing",
        "things",
        "lot",
        "lots",
        "bit",
        "good",
        "great",
        "new",
        "way",
        "ways",
        "use",
        "using",
        "used",
        "like",
        "just",
        "also",
        "make",
        "made",
        "know",
        "find",
        "found",
        "going",
        "want",
        "wanted",
        "sure",
        "think",
        "thought",
        "month",
        "months",
        "day",
        "days",
        "time",
        "team",
        "teams",
        "people",
        "colleague",
        "colleagues",
    ]
)
"""Words nearly every need or offer holds: they say it is one, not what it is about."""

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True, slots=True)
class Passage:
    """One thing a member wrote that says what they need or what they offer."""

    member_id: int
    intent: Intent
    text: str
    source: str = "answer"
    """Where it was written: ``answer`` (a check-in), ``about`` (``/pairing about``),
    ``story`` (an introduction's take-away)."""
    at: datetime | None = None
    quotable: bool = True
    """Whether the two members may be shown it (their consent); conveners always may."""
    ref: str = ""
    """Where to find it again (a run, a question), for the caller's bookkeeping."""


@dataclass(frozen=True, slots=True)
class Match:
    """A need and an offer of two members that read alike, with how alike (0 to 1)."""

    need: Passage
    offer: Passage
    score: float

    @property
    def members(self) -> frozenset[int]:
        return frozenset((self.need.member_id, self.offer.member_id))


PairAllowed = Callable[[int, int], bool]
"""Whether two members (need's, offer's) may be suggested to each other."""


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | CHECKIN_WORDS


def words(text: str) -> list[str]:
    """A text's stems, without stop words, in order: what the vectoriser counts."""

    stop = _stop_words()
    found = [w.replace("'", "") for w in _WORD.findall(text.casefold())]
    kept = [w for w in found if w not in stop and len(w) > 1 and not w.isdigit()]
    stems: list[str] = _stemmer().stemWords(kept)
    return [s for s in stems if s not in stop]


def _analyse(text: str) -> list[str]:
    stems = words(text)
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


@dataclass
class TopicIndex:
    """The offers of one workspace, ready to be searched by a need or a topic.

    Built once from every passage (needs too, so that how rare a word is is
    read from all that was written) and kept while nothing new is written.
    """

    passages: Sequence[Passage]
    _vectoriser: Any = field(init=False, repr=False)
    _matrix: csr_matrix | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectoriser = TfidfVectorizer(
            analyzer=_analyse, sublinear_tf=True, norm="l2", dtype=np.float32
        )
        texts = [p.text for p in self.passages]
        if any(_analyse(t) for t in texts):
            self._matrix = self._vectoriser.fit_transform(texts).tocsr()

    def vectors(self, texts: Sequence[str]) -> csr_matrix | None:
        if self._matrix is None:
            return None
        vectors: csr_matrix = self._vectoriser.transform(list(texts)).tocsr()
        return vectors

    def rows(self, intent: Intent) -> list[int]:
        return [i for i, p in enumerate(self.passages) if p.intent == intent]

    def search(
        self,
        topic: str,
        *,
        limit: int = 5,
        allowed: Callable[[Passage], bool] = lambda _p: True,
        threshold: float = FIND_THRESHOLD,
    ) -> list[tuple[Passage, float]]:
        """The offers that best answer ``topic``: one per member, best first."""

        query = self.vectors([topic])
        if query is None or self._matrix is None:
            return []
        offers = self.rows(OFFER)
        if not offers:
            return []
        scores = (self._matrix[offers] @ query.T).toarray().ravel()
        order = np.argsort(-scores, kind="stable")
        found: list[tuple[Passage, float]] = []
        seen: set[int] = set()
        for i in order:
            score = float(scores[i])
            if score < threshold or len(found) >= limit:
                break
            passage = self.passages[offers[i]]
            if passage.member_id in seen or not allowed(passage):
                continue
            seen.add(passage.member_id)
            found.append((passage, score))
        return found


def match(
    passages: Sequence[Passage],
    *,
    allowed: PairAllowed,
    threshold: float = THRESHOLD,
    per_member: int = PER_MEMBER,
    limit: int | None = None,
    fresh: Callable[[Match], bool] = lambda _m: True,
    index: TopicIndex | None = None,
) -> list[Match]:
    """The best need-to-offer matches between members, best first.

    One match per pair of members (the better way round when each offers
    what the other needs); never a pair ``allowed`` refuses; each member in
    at most ``per_member`` of them, so one prolific writer does not fill the
    list; ``fresh`` keeps only matches that concern something new (a run's
    own answers), read after the best per pair is chosen.
    """

    index = index or TopicIndex(passages)
    if index._matrix is None:
        return []
    needs = index.rows(NEED)
    offers = index.rows(OFFER)
    if not needs or not offers:
        return []
    matrix = index._matrix
    scores = (matrix[needs] @ matrix[offers].T).tocoo()
    best: dict[frozenset[int], Match] = {}
    keep = scores.data >= threshold
    for row, column, score in zip(
        scores.row[keep].tolist(),
        scores.col[keep].tolist(),
        scores.data[keep].tolist(),
        strict=True,
    ):
        need = index.passages[needs[row]]
        offer = index.passages[offers[column]]
        if need.member_id == offer.member_id:
            continue
        pair = frozenset((need.member_id, offer.member_id))
        held = best.get(pair)
        if held is not None and held.score >= score:
            continue
        if held is None and not allowed(need.member_id, offer.member_id):
            best[pair] = Match(need, offer, -1.0)
            continue
        if held is not None and held.score < 0:
            continue
        best[pair] = Match(need, offer, float(score))
    ranked = sorted(
        (m for m in best.values() if m.score >= 0 and fresh(m)),
        key=lambda m: (-m.score, m.need.member_id, m.offer.member_id),
    )
    return _spread(ranked, per_member, limit)


def _spread(ranked: Iterable[Match], per_member: int, limit: int | None) -> list[Match]:
    taken: dict[int, int] = {}
    chosen: list[Match] = []
    for found in ranked:
        if limit is not None and len(chosen) >= limit:
            break
        a, b = found.need.member_id, found.offer.member_id
        if taken.get(a, 0) >= per_member or taken.get(b, 0) >= per_member:
            continue
        taken[a] = taken.get(a, 0) + 1
        taken[b] = taken.get(b, 0) + 1
        chosen.append(found)
    return chosen


def affinity(
    passages: Sequence[Passage], members: Iterable[int], *, threshold: float = THRESHOLD
) -> dict[frozenset[int], float]:
    """How strongly each pair of ``members`` answer each other's needs (0 to 1), for
    pairs at or above ``threshold``: the better of the two ways round."""

    wanted = set(members)
    kept = [p for p in passages if p.member_id in wanted]
    found = match(kept, allowed=lambda _a, _b: True, threshold=threshold, per_member=len(kept))
    return {m.members: m.score for m in found}


def snippet(text: str, limit: int = 200) -> str:
    """A text cut to ``limit`` characters at a word, with an ellipsis when cut."""

    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
