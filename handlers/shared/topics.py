"""Reading across what members wrote: whose offer answers whose need.

Pure computation (no storage, no platform): the opportunities job, topic
affinity in rounds and ``convene opportunities --answers`` all call it, so a
suggestion made in chat and one tried offline on a file are the same.

Texts are compared by TF-IDF (scikit-learn's vectoriser) over English word
stems (Snowball's stemmer, from PyStemmer). Each text is a vector of unit
length, so two texts' likeness is a cosine between 0 and 1. Nothing is
downloaded: both libraries ship what they need. scikit-learn is imported on
first use (it takes most of a second), never at start-up.

What was measured to matter, on two seeded sets of 2,000 NHS-like answers
with 50 planted pairs each, one of them in other words whose wording was never
tuned on (``bench/opportunities.py``; figures in docs/benchmarks.md):

* A pair is scored by how alike its two texts are *less* how alike each is
  to the other side in general: the mean of its ``HUB_NEIGHBOURS`` best
  likenesses to other members' texts (each member counted once, the pair's
  own member left out), weighted by ``HUB_WEIGHT`` (cross-domain similarity
  local scaling). A need that reads like many members' offers shares
  everyday words with them ("winter pressures", "the new system"), not a
  subject; a need and an offer that read like each other and little else
  are the find. On the set never tuned on this took precision at 50 from
  about 0.3 (the plain cosine) to about 0.6.
* Rare words weigh more than plain TF-IDF gives them (the inverse document
  frequency raised to ``IDF_POWER``).
* Words that say a text *is* a need or an offer, not what it is about, are
  left out: scikit-learn's English stop words, the check-in's own words
  ("stuck", "learned", "week") and conversational filler ("any ideas
  welcome", "happy to share").
* A need or offer of fewer than ``MIN_WORDS`` different stems ("Annual
  leave", "Quiet week") is too thin to suggest anyone on; a search still
  finds it.
* Common NHS abbreviations are read with their meaning ("A&E" as emergency
  department, "HCA" as healthcare assistant), so one member's shorthand
  meets another's full words, and a search for "A&E" finds anything at all.
* A pair's cosine must reach ``MIN_COSINE`` too: in a small workspace no
  text is like many others, and the margin alone would be the cosine.

Tried and left out: a thesaurus of NHS synonyms ("care package" as "home
care", "lonely" as "loneliness") lifted the tuning set's precision from
0.6 to 0.8 and did nothing on the set never tuned on, so it was fitted to
the wording it was written beside; pieces of words (3 to 5 letters) rather
than stems, better on the tuning set and no better on the other, and they
made short texts meet by their letters ("booking" and "smoking"); pairs of
words (they matched texts that merely named the same thing); latent
semantic analysis (worse).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from handlers.shared.intents import NEED, OFFER, Intent

if TYPE_CHECKING:
    import numpy.typing as npt
    from scipy.sparse import csr_matrix

THRESHOLD: Final = 0.02
"""The least score a pair of texts needs to be suggested: a margin, 0 to 1, by which the
two read more alike than each reads like everyone else (see ``match``)."""
FIND_THRESHOLD: Final = 0.15
"""The least score a text needs to answer a search (a cosine: a topic is a few words)."""
PER_MEMBER: Final = 2
MIN_COSINE: Final = 0.12
"""The least cosine two texts need to be a suggestion at all: in a small workspace no text
is like many others, so the margin alone would let a chance shared word through."""
"""How many suggestions one member may appear in, in one list (the best ones)."""
MIN_WORDS: Final = 3
"""The fewest different stems a need or an offer needs to be matched (not searched)."""
IDF_POWER: Final = 1.5
"""How much more rare words weigh than common ones: the power of the IDF."""
HUB_NEIGHBOURS: Final = 3
"""How many nearest texts of the other side say how alike a text is to everything."""
HUB_WEIGHT: Final = 1.0
"""How much of that general likeness is taken off a pair's likeness."""
_CHUNK: Final = 1024
"""Needs compared with every offer at once (bounds the memory of a large window)."""


def _listed(words: str) -> list[str]:
    """Words written one after another, as a list."""

    return words.split()


CHECKIN_WORDS: Final = frozenset(
    _listed(
        """
    stuck stuckon block blocked blocking blocker help helped helping helpful need needed
    needing learn learned learnt learning week weeks today yesterday month months day days
    time working work worked trying tried try really anyone someone somebody else could would
    get got getting thing things lot lots bit good great new way ways use using used like
    just also make made know find found going want wanted sure think thought team teams
    people colleague colleagues
    """
    )
)
"""Words nearly every need or offer holds: they say it is one, not what it is about."""

FILLER_WORDS: Final = frozenset(
    _listed(
        """
    idea ideas welcome advice appreciated appreciate tip tips suggestion suggestions
    shout thanks thank cheers love happy share sharing talk ask chat worth proud win
    honestly hopefully basically actually definitely quite pretty loads cracked finally
    took small big usual busy let look looking hear heard tell told fine okay ok yes
    lovely glad keen shame sorry hi hello
    """
    )
)
"""Conversational words around a need or an offer ("any ideas welcome", "happy to share")."""

KEPT_WORDS: Final = frozenset({"fire", "front", "call", "bill", "empty", "interest", "detail"})
"""Words scikit-learn's English stop words list that say what a text is about here."""

ABBREVIATIONS: Final[Mapping[str, str]] = {
    "A&E": "emergency department",
    "AE": "emergency department",
    "ED": "emergency department",
    "ACP": "advance care planning",
    "AHP": "allied health professional",
    "AHPs": "allied health professionals",
    "AKI": "acute kidney injury",
    "BP": "blood pressure",
    "CAMHS": "child adolescent mental health services",
    "CAUTI": "catheter urinary infection",
    "CIP": "cost improvement",
    "COPD": "chronic obstructive lung disease",
    "CQC": "care quality commission inspection",
    "DNA": "did not attend missed appointment",
    "DNAs": "did not attend missed appointments",
    "DNACPR": "do not resuscitate",
    "DTOC": "delayed transfer of care discharge",
    "EOL": "end of life",
    "EoL": "end of life",
    "EPMA": "electronic prescribing",
    "EPR": "electronic patient record",
    "EHR": "electronic health record",
    "FFT": "friends and family test feedback",
    "FOI": "freedom of information",
    "GP": "general practice",
    "GPs": "general practice",
    "HCA": "healthcare assistant",
    "HCAs": "healthcare assistants",
    "HCSW": "healthcare support worker",
    "HR": "human resources",
    "ICB": "integrated care board",
    "ICU": "intensive care",
    "ITU": "intensive care",
    "IG": "information governance",
    "IPC": "infection prevention control",
    "IT": "information technology",
    "IV": "intravenous",
    "LA": "local authority council",
    "LD": "learning disability",
    "LOS": "length of stay",
    "MDT": "multidisciplinary team",
    "MDTs": "multidisciplinary teams",
    "MFFD": "medically fit for discharge",
    "MH": "mental health",
    "MSK": "musculoskeletal",
    "NCTR": "no criteria to reside discharge",
    "NQN": "newly qualified nurse",
    "NQNs": "newly qualified nurses",
    "OOH": "out of hours",
    "OPAT": "outpatient intravenous antibiotics",
    "OT": "occupational therapy",
    "OTs": "occupational therapists",
    "PALS": "patient advice liaison",
    "PIFU": "patient initiated follow up",
    "QI": "quality improvement",
    "RN": "registered nurse",
    "RNs": "registered nurses",
    "RTT": "referral to treatment waiting",
    "SALT": "speech and language therapy",
    "SLT": "speech and language therapy",
    "SDEC": "same day emergency care",
    "SI": "serious incident",
    "TTA": "take home medicines",
    "TTAs": "take home medicines",
    "TTO": "take home medicines",
    "TTOs": "take home medicines",
    "UTI": "urinary infection",
    "UTIs": "urinary infections",
    "VTE": "venous thromboembolism blood clot",
    "WTE": "whole time equivalent",
    "2WW": "two week wait cancer referral",
    "meds": "medicines",
    "obs": "observations",
    "physio": "physiotherapy",
    "physios": "physiotherapists",
    "admin": "administration",
    "jab": "vaccination",
    "jabs": "vaccinations",
    "op": "operation",
    "ops": "operations",
    "pre-op": "pre-operative",
    "post-op": "post-operative",
    "docs": "doctors",
    "paeds": "paediatrics",
    "pharm": "pharmacy",
    "anesthetic": "anaesthetic",
    "anesthetics": "anaesthetics",
    "pediatric": "paediatric",
    "pediatrics": "paediatrics",
    "hospitalization": "hospitalisation",
    "organization": "organisation",
    "center": "centre",
}
"""Common NHS abbreviations and informal or American forms, read with their meaning (the
abbreviation is kept). Written as they are spelled: ``IT`` and ``ED`` only in capitals,
lower-case ones in any case."""

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

    return (frozenset(ENGLISH_STOP_WORDS) - KEPT_WORDS) | CHECKIN_WORDS | FILLER_WORDS


def load_library() -> None:
    """Import the text libraries now (most of a second the first time in a process).

    A caller holding a database transaction loads them first, with none open
    (``handlers/opportunities/suggestions.py``): importing inside one would keep
    SQLite's write lock from every other writer for as long.
    """

    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401
    from sklearn.preprocessing import normalize  # noqa: F401

    _stemmer()
    _stop_words()


def library_loaded() -> bool:
    """Whether ``load_library`` has run in this process (or the index was built before)."""

    return _stop_words.cache_info().currsize > 0 and "sklearn.preprocessing" in sys.modules


@cache
def _abbreviations() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every abbreviation, and what each means."""

    exact = {k: v for k, v in ABBREVIATIONS.items() if not k.islower()}
    folded = {k: v for k, v in ABBREVIATIONS.items() if k.islower()}
    keys = sorted([*exact, *folded], key=len, reverse=True)
    alternatives = "|".join(re.escape(k) if k in exact else f"(?i:{re.escape(k)})" for k in keys)
    pattern = re.compile(rf"(?<![\w&-])(?:{alternatives})(?![\w&-])")
    return pattern, exact | folded


def _expanded(text: str) -> str:
    pattern, meanings = _abbreviations()

    def meaning(found: re.Match[str]) -> str:
        word = found.group(0)
        said = meanings.get(word) or meanings.get(word.casefold(), "")
        return f"{word} {said}"

    return pattern.sub(meaning, text)


def content_words(text: str) -> list[str]:
    """A text's words that say what it is about, in order, as written (lower case): not
    stop words, the check-in's own words or filler, nor words whose stem is one."""

    stop = _stop_words()
    found = [w.replace("'", "") for w in _WORD.findall(_expanded(text).casefold())]
    kept = [w for w in found if w not in stop and len(w) > 1 and not w.isdigit()]
    stems: list[str] = _stemmer().stemWords(kept)
    return [w for w, stem in zip(kept, stems, strict=True) if stem not in stop]


def words(text: str) -> list[str]:
    """A text's stems, without stop words, in order."""

    stems: list[str] = _stemmer().stemWords(content_words(text))
    return stems


def _as_read(stems: list[str]) -> list[str]:
    """What the vectoriser counts of a text: its stems, read once by ``words``."""

    return stems


@dataclass
class TopicIndex:
    """The passages of one workspace, ready to be searched by a need or a topic.

    Built once from every passage (needs too, so that how rare a word is is
    read from all that was written) and kept while nothing new is written.
    """

    passages: Sequence[Passage]
    _vectoriser: Any = field(init=False, repr=False)
    _weights: npt.NDArray[np.float32] | None = field(init=False, repr=False, default=None)
    _matrix: csr_matrix | None = field(init=False, repr=False, default=None)
    _sizes: npt.NDArray[np.int64] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectoriser = TfidfVectorizer(
            analyzer=_as_read, sublinear_tf=True, norm=None, dtype=np.float32
        )
        stems = [words(p.text) for p in self.passages]
        if not any(stems):
            return
        self._sizes = np.array([len(set(s)) for s in stems], np.int64)
        raw = self._vectoriser.fit_transform(stems)
        idf = np.asarray(self._vectoriser.idf_, dtype=np.float32)
        self._weights = idf ** (IDF_POWER - 1.0)
        self._matrix = self._unit(raw)

    def _unit(self, raw: Any) -> csr_matrix:
        from sklearn.preprocessing import normalize

        assert self._weights is not None
        weighted = raw.multiply(self._weights).tocsr()
        unit: csr_matrix = normalize(weighted, norm="l2", copy=False).astype(np.float32)
        return unit

    def vectors(self, texts: Sequence[str]) -> csr_matrix | None:
        """Texts as unit vectors over this index's words (words it never saw left out)."""

        if self._matrix is None:
            return None
        return self._unit(self._vectoriser.transform([words(text) for text in texts]))

    def rows(self, intent: Intent) -> list[int]:
        return [i for i, p in enumerate(self.passages) if p.intent == intent]

    def substantial(self, intent: Intent) -> list[int]:
        """The rows of ``intent`` with at least ``MIN_WORDS`` different stems."""

        if self._sizes is None:
            return []
        sizes = self._sizes
        return [i for i in self.rows(intent) if sizes[i] >= MIN_WORDS]

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

    A match's score is the cosine of its two texts less the mean of the two
    texts' general likeness to the other side (each text's mean of its
    ``HUB_NEIGHBOURS`` best likenesses to other members, the pair's own
    member left out), weighted by ``HUB_WEIGHT``: what the two share with
    each other and not with everyone. A match needs a score of at least
    ``threshold`` and a cosine of at least ``MIN_COSINE``; needs and offers
    of fewer than ``MIN_WORDS`` stems are not matched. One match per pair of
    members (the better way round when each offers what the other needs);
    never a pair ``allowed`` refuses; each member in at most ``per_member``
    of them, so one prolific writer does not fill the list; ``fresh`` keeps
    only matches that concern something new (a run's own answers), read
    before the best per pair is chosen: an older, closer match between two
    members does not hide what is new between them.
    """

    index = index or TopicIndex(passages)
    matrix = index._matrix
    if matrix is None:
        return []
    passages = index.passages
    needs = sorted(index.substantial(NEED), key=lambda i: passages[i].member_id)
    offers = sorted(index.substantial(OFFER), key=lambda i: passages[i].member_id)
    if not needs or not offers:
        return []
    rows, columns, scores = _scores(
        matrix[needs],
        matrix[offers],
        [passages[i].member_id for i in needs],
        [passages[i].member_id for i in offers],
        threshold,
    )
    best: dict[frozenset[int], Match] = {}
    for row, column, score in zip(rows.tolist(), columns.tolist(), scores.tolist(), strict=True):
        need = index.passages[needs[row]]
        offer = index.passages[offers[column]]
        if need.member_id == offer.member_id:
            continue
        if not fresh(Match(need, offer, float(score))):
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
        (m for m in best.values() if m.score >= 0),
        key=lambda m: (-m.score, m.need.member_id, m.offer.member_id),
    )
    return _spread(ranked, per_member, limit)


def _scores(
    needs: csr_matrix,
    offers: csr_matrix,
    need_members: Sequence[int],
    offer_members: Sequence[int],
    threshold: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Each (need, offer) whose score reaches ``threshold``: rows, columns, scores.

    Rows and columns come grouped by member. A text's general likeness is
    read over *members*: the mean of its ``HUB_NEIGHBOURS`` best likenesses to
    other members (each member's best text), the pair's own member left out,
    so that a member who wrote the same offer twice does not count as two
    rivals. Needs are compared with every offer a chunk of whole members at a
    time, each chunk dense for as long as it takes to keep its candidates (a
    cosine at least ``threshold``: the score is never more).
    """

    k = HUB_NEIGHBOURS
    offer_starts = _group_starts(offer_members)
    offer_group = np.repeat(
        np.arange(len(offer_starts)), np.diff([*offer_starts, len(offer_members)])
    )
    offers_t = offers.T.tocsc()
    need_near: list[npt.NDArray[np.float32]] = []
    offer_near = np.zeros((0, offers.shape[0]), dtype=np.float32)
    found: list[tuple[npt.NDArray[np.int64], ...]] = []
    found_floats: list[tuple[npt.NDArray[np.float32], ...]] = []
    for start, stop in _chunks(need_members):
        block = np.asarray((needs[start:stop] @ offers_t).toarray(), np.float32)
        row_starts = _group_starts(need_members[start:stop])
        row_group = np.repeat(np.arange(len(row_starts)), np.diff([*row_starts, stop - start]))
        by_offer_member = np.maximum.reduceat(block, offer_starts, axis=1)
        by_need_member = np.maximum.reduceat(block, row_starts, axis=0)
        need_near.append(_nearest(by_offer_member, k + 1))
        offer_near = _nearest(np.vstack([offer_near, by_need_member]).T, k + 1).T
        rows, columns = np.nonzero(block >= max(threshold, MIN_COSINE, 1e-6))
        found.append((rows + start, columns))
        found_floats.append(
            (
                block[rows, columns],
                by_offer_member[rows, offer_group[columns]],
                by_need_member[row_group[rows], columns],
            )
        )
    rows = np.concatenate([f[0] for f in found])
    columns = np.concatenate([f[1] for f in found])
    cosines = np.concatenate([f[0] for f in found_floats])
    offer_member_best = np.concatenate([f[1] for f in found_floats])
    need_member_best = np.concatenate([f[2] for f in found_floats])
    need_hub = _hub(np.vstack(need_near)[rows], offer_member_best, k)
    offer_hub = _hub(offer_near.T[columns], need_member_best, k)
    scores = np.maximum(cosines - HUB_WEIGHT * (need_hub + offer_hub) / 2, 0).astype(np.float32)
    keep = scores >= threshold
    return rows[keep], columns[keep], scores[keep]


def _group_starts(members: Sequence[int]) -> npt.NDArray[np.intp]:
    """Where each run of one member begins in ``members`` (grouped by member)."""

    values = np.asarray(members)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def _chunks(members: Sequence[int]) -> Iterable[tuple[int, int]]:
    """Runs of about ``_CHUNK`` rows that never split a member's rows."""

    start = 0
    while start < len(members):
        stop = min(start + _CHUNK, len(members))
        while stop < len(members) and members[stop] == members[stop - 1]:
            stop += 1
        yield start, stop
        start = stop


def _nearest(block: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float32]:
    """Each row's ``k`` largest values, largest first (zeros when the row is shorter)."""

    if block.shape[1] < k:
        block = np.hstack([block, np.zeros((block.shape[0], k - block.shape[1]), np.float32)])
    part = -np.partition(-block, k - 1, axis=1)[:, :k]
    return -np.sort(-part, axis=1)


def _hub(
    near: npt.NDArray[np.float32], own: npt.NDArray[np.float32], k: int
) -> npt.NDArray[np.float32]:
    """The mean of a text's ``k`` best likenesses to members, the pair's member (whose best
    likeness is ``own``) left out."""

    among = own >= near[:, k - 1]
    total = near[:, :k].sum(axis=1)
    mean: npt.NDArray[np.float32] = np.where(among, total + near[:, k] - own, total) / k
    return mean


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
