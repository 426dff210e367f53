"""The matching engine for introductions across silos: who meets whom this round.

``match_round`` is a pure function: it reads nothing but its argument (no
database, no clock, no platform), and the same input with the same seed gives
the same groups. The chat-facing part of introductions gathers the input from
storage and turns the result into messages; ``convene simulate`` and
``bench/matching.py`` call it directly.

Why the score is what it is
---------------------------
A convener judges a round by the parts of the landscape it connects, so most
of a candidate pair's score is about the silos the two would bridge:

* a **bridge bonus** for each bridge the meeting would span. A bridge is
  a pair of silos of the same kind among those the programme mixes (two
  teams, two organisations), or of two kinds the programme crosses on
  purpose (``--mix team+profession``); silos that share a member (a team
  inside its own organisation, two teams with a common member) are never a
  bridge, since someone already stands in both, and neither is a team and
  an organisation the programme does not cross. The bonus is 600 points
  while the two silos have no connection through Convene yet, then falls
  with the square of the connections they have (150 after one, 67 after
  two, 38 after three). A meeting counts 1 and an introduction nobody
  reported meeting 0.5 (``Connection.weight``): a bridge is built when
  people meet, so an unmet pair is tried again, but less eagerly than a
  blank one (267 points). The steep fall spends each round's meetings
  where the map is still blank rather than where it is already dense. A
  bridge is worth more than the 400 points colleagues lose by meeting each
  other (below) plus the crossing bonus, so a silo holding most members
  pairs among itself to free the small silos to meet each other, which is
  how the small ones get connected at all;
* a **crossing bonus** of 100 for each bridge, and a **shared-silo
  penalty** of 400 for each silo of a mixed kind the two share, so
  colleagues meet only when nothing better is left;
* **working hours**: up to 200 points in proportion to how much of the
  shorter working day the two share (given their UTC offsets), and -300 when
  their days do not overlap at all, so London and Tokyo meet only when
  nothing better exists: an introduction that cannot find a time rarely
  happens;
* **recency**: people who met within ``ban_rounds`` rounds are a *hard ban*,
  used only when no grouping without them exists (below); after the ban a
  past meeting costs ``recency_penalty`` points (800 by default), halving
  with every further round (800, 400, 200, ...), summed over all their past
  meetings;
* **topic affinity**, only on a programme that weighs it (``--affinity on``;
  ``RoundRules.affinity_weight``, 0 by default, so off changes nothing):
  ``affinity_weight`` times how well one member's needs and the other's
  offers read alike (``RoundInput.affinity``, the suggestions' score from 0
  to 1, ``handlers.shared.topics.match``; pairs below the suggestion
  threshold are not given). On, the weight is ``AFFINITY``, 500. A perfect
  match earns 500, less than the 700 a bridge nobody has built yet earns,
  so affinity never takes a round's meetings away from blank parts of the
  map; a good one (0.3 to 0.5) earns 150 to 250, about what a bridge that
  met once is still worth (250), so among bridges already built it decides;
  a pair just at the threshold (0.1 to 0.2) earns 50 to 100, up to a
  crossing bonus, twice the 25 points the candidate graph counts as a tie,
  so it decides between meetings that are otherwise alike. Two members who
  share a silo of a mixed kind get no affinity at all (colleagues can ask
  each other anyway), and the hard rules below do not look at scores, so no
  affinity can group people who avoid each other or lift a hard ban;
* **hard exclusions** ("avoid") are never an edge at all.

Everything is offset by a base of 1,000 and floored at 1, so weights stay
positive. The silo part is a sum over the silo pairs the two would connect,
so scoring a block of members against another is a product of
member-by-silo and silo-by-silo matrices: ten thousand members score fast.

How groups are found
--------------------
1. **Pairs** come from an exact maximum-weight matching (rustworkx's blossom
   algorithm) that ranks matchings lexicographically: first as many people
   paired as possible (maximum cardinality), then as few hard-ban pairs as
   possible (every other pair carries a bonus larger than any total of
   scores), then the highest total score. Ties go to the seed (see
   ``max_matching``).
2. **The candidate graph** is complete up to ``full_graph_limit`` members.
   Above that each member keeps their ``candidates`` best partners by score,
   at most ``per_silo`` of them from any one silo (or combination of silos):
   the partners across the silo pairs that most need a bridge, spread over
   many silos instead of piling onto the few small ones that everyone wants,
   so the big silos stay within reach. Scores within 25 points count as
   ties, broken by the seed: this is a ranking, not a random sample. Each
   member also keeps ``same_silo_fallbacks`` best partners among people who
   share a silo with them (without them a silo holding most members leaves
   about a fifth of people unpaired), and the graph takes the edges of a
   greedy matching (members with the best options first take their best free
   partner), so it always holds a perfect matching of reasonable pairs.
   Above ``block_size`` members are dealt, silo by silo and time zone by time
   zone, into blocks of the same make-up, each solved exactly (the blossom
   algorithm's cost grows with the square of the nodes). Anyone the sparse
   graph or the blocks leave unmatched is matched again among the unmatched,
   so nobody is dropped because a candidate list missed their partner.
3. **Diversity.** A pair's score counts a new bridge for every meeting across
   it, but only the first meeting of a round connects the map; the others
   repeat it. So the weakest repeats (and as many meetings that bridge nothing
   new but could) are matched again, with this round's bridges counted as
   built (as if they met), at most ``diversity_passes`` times and half a
   block per pass.
4. **Larger groups** come from the pairs. Size 2: a leftover single (odd
   count) joins the pair where they add most. Size 3: the strongest pairs are
   the cores; the other pairs are split into singles, which are seated in the
   cores by maximum-weight bipartite matchings on the marginal gain, every
   core's first seat before any second seat. Size 4: pairs are matched into
   quartets by a second maximum-weight matching whose edge weight is the sum
   of the four new member pairs; a single left over joins the quartet where
   it adds most; a pair left over joins a quartet and the six split into the
   best two trios; a pair and a single left over make a trio.
5. **Group sizes** (``expected_sizes``): size 2 gives pairs and one trio when
   the count is odd; size 3 gives trios, plus one group of four when the
   count leaves 1 over or one pair when it leaves 2; size 4 gives quartets,
   plus one group of five (1 over), two trios (2 over; a lone pair when only
   two take part) or one trio (3 over). Fewer than two members: no groups.
6. **Repairs.** Trios and larger groups are built from pairs, so a last local
   step looks at every group holding a hard-ban pair and applies the swap of
   two members between groups (or the move of one member from a larger group
   into a smaller one) that removes most hard-ban pairs, until none helps.
   Hard exclusions can leave someone without a group they could join; they
   are seated by a short move where one exists (into a group with room, or
   into someone's seat while that person moves to a group with room), and
   otherwise named in ``RoundResult.unplaced``, never silently dropped. No
   step ever groups people who avoid each other.

Where each part lives
---------------------
``inputs`` (``RoundMember``, ``RoundRules`` with the bridge rule,
``Connection``, ``RoundInput``), ``scoring``
(``bridge_bonus``, ``recency_penalty``, ``PairScorer``), ``candidates`` (the
candidate graph and its blocks), ``solver`` (the exact and greedy
matchings), ``pairs`` (steps 1 to 3), ``groups`` (steps 4 and 5),
``repairs`` (step 6), ``results`` (``Group``, ``RoundResult``) and
``engine`` (``match_round``, the steps in order); ``arrays`` holds the numpy
index helpers they share. The package imports nothing of ``bot``,
``storage`` or any adapter: it is computation only.
"""

from handlers.introductions.matching.engine import match_round
from handlers.introductions.matching.groups import expected_sizes
from handlers.introductions.matching.inputs import (
    UNMET_WEIGHT,
    Connection,
    MemberGroup,
    RoundInput,
    RoundMember,
    RoundRules,
    SiloPair,
    WorkingHours,
)
from handlers.introductions.matching.results import Group, KnownBridge, PastMeeting, RoundResult
from handlers.introductions.matching.scoring import (
    AFFINITY,
    PairScorer,
    bridge_bonus,
    recency_penalty,
    shared_minutes,
)

__all__ = [
    "AFFINITY",
    "UNMET_WEIGHT",
    "Connection",
    "Group",
    "KnownBridge",
    "MemberGroup",
    "PairScorer",
    "PastMeeting",
    "RoundInput",
    "RoundMember",
    "RoundResult",
    "RoundRules",
    "SiloPair",
    "WorkingHours",
    "bridge_bonus",
    "expected_sizes",
    "match_round",
    "recency_penalty",
    "shared_minutes",
]
