"""Input and output dataclasses of the solver.

Attendees are referred to by their position in ``Instance.attendees`` everywhere inside the
solver; e-mails only appear at the edges (files, messages). Rounds are 1-based, as printed on
agendas; tables are 1-based too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("partner", "vendor", "distributor")
GOALS = ("find_partners", "meet_vendors", "meet_distributors", "recruit_partners", "expand_regions")
TIERS = ("platinum", "gold", "silver")


@dataclass(frozen=True)
class Attendee:
    """One person at the event, as the solver sees them."""

    email: str  # lower-cased unique key
    name: str
    company: str
    kind: str  # one of KINDS
    region: str
    offers: frozenset[str] = frozenset()
    seeks: frozenset[str] = frozenset()
    target_regions: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    available_rounds: frozenset[int] | None = None  # None: every round
    must_meet: frozenset[str] = frozenset()  # e-mails
    avoid: frozenset[str] = frozenset()  # e-mails
    tier: str | None = None  # one of TIERS, for sponsors

    def rounds(self, total: int) -> frozenset[int]:
        """The 1-based rounds this attendee attends, clipped to the event."""
        if self.available_rounds is None:
            return frozenset(range(1, total + 1))
        return frozenset(r for r in self.available_rounds if 1 <= r <= total)


@dataclass(frozen=True)
class ScoreWeights:
    """Knobs of the built-in complementarity score (see solver/score.py)."""

    offer_seek: float = 3.0  # per tag one side offers and the other seeks
    region_reach: float = 2.0  # the other sells in a region I target
    p2p_region_diversity: float = 1.0  # two partners from different regions can team up
    competitor_penalty: float = 2.0  # per offer shared by two partners in one region
    goal_match: float = 2.0  # the other's kind is what my goals ask for
    goal_mismatch_factor: float = 0.4  # I stated goals and this meeting serves none of them
    p2p_weight: float = 1.0  # multiplier for partner-to-partner meetings
    p2v_weight: float = 1.0  # multiplier for partner-to-vendor/distributor meetings
    v2v_weight: float = 0.3  # multiplier for vendor/distributor-to-vendor/distributor meetings


@dataclass(frozen=True)
class Rules:
    """Event-wide hard rules."""

    rounds: int
    tables: int
    min_meetings: int = 0
    tier_minimums: dict[str, int] = field(default_factory=dict)  # tier -> meetings guaranteed
    # Booths: table -> its owner, an attendee's e-mail or a company name (see
    # ``solver.rules.table_owners``); the owner's meetings take place at its tables.
    table_owners: dict[int, str] = field(default_factory=dict)
    table_names: tuple[str, ...] = ()  # optional, index = table - 1: how messages name tables

    def table_label(self, table: int) -> str:
        """The table's name when it has one, else ``table N``, for messages."""
        names = self.table_names
        if 1 <= table <= len(names) and names[table - 1].strip():
            return names[table - 1].strip()
        return f"table {table}"

    def minimum_for(self, attendee: Attendee) -> int:
        """Meetings this attendee must get: the event minimum or their tier's, capped by rounds."""
        wanted = max(self.min_meetings, self.tier_minimums.get(attendee.tier or "", 0))
        return min(wanted, len(attendee.rounds(self.rounds)))


@dataclass(frozen=True)
class Meeting:
    """One 1:1 meeting. ``a < b`` are attendee indices."""

    round: int
    table: int
    a: int
    b: int

    @property
    def pair(self) -> tuple[int, int]:
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)


@dataclass(frozen=True)
class Agreed:
    """A meeting both sides agreed to (FORMATS.md section 6): ``place`` must place it."""

    a: int
    b: int
    rounds: frozenset[int] | None = None  # the rounds it may take; None: any
    round: int | None = None  # the one round it is fixed to
    row: int = 0  # its row in the agreed-meetings file (header = 1), for messages

    def allowed(self, a_rounds: frozenset[int], b_rounds: frozenset[int]) -> frozenset[int]:
        """The rounds it may take, given both people's rounds."""
        both = a_rounds & b_rounds
        if self.rounds is not None:
            both &= self.rounds
        if self.round is not None:
            both &= {self.round}
        return both


@dataclass(frozen=True)
class Instance:
    """Everything the solver needs: attendees, rules, scoring and fixed meetings.

    Frozen: a changed event is a new instance (``dataclasses.replace``), so a Scorer or a
    search built on one never sees it change underneath.
    """

    attendees: list[Attendee]
    rules: Rules
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    # When given, replaces the built-in score: (i, j) with i < j -> score; absent pairs score 0.
    pair_scores: dict[tuple[int, int], float] | None = None
    # Extra score (cents-rounded) for pairs someone asked to meet without making it a hard rule.
    pair_bonus: dict[tuple[int, int], float] = field(default_factory=dict)
    # Meetings that must stay exactly where they are (pinned by the organiser, or past rounds).
    pinned: list[Meeting] = field(default_factory=list)

    index: dict[str, int] = field(init=False, repr=False, compare=False)  # e-mail -> position

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {a.email: i for i, a in enumerate(self.attendees)})


@dataclass
class Violation:
    """One broken hard rule, with the attendees involved."""

    rule: str  # short machine name, e.g. "same_company"
    message: str  # human sentence naming attendees by e-mail
    attendees: tuple[int, ...] = ()


@dataclass
class SolveResult:
    """What a solve returns.

    ``status``: optimal (proved), feasible (a valid schedule, gap known), infeasible (proved:
    ``reasons`` say which rules conflict) or unknown (no valid schedule found in time).
    """

    status: str
    meetings: list[Meeting] = field(default_factory=list)
    objective: float = 0.0
    bound: float = 0.0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)  # why infeasible, in plain words
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative optimality gap (bound - objective) / bound; 0 when the bound is 0."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)

    def summary(self) -> dict[str, float | int | str]:
        """The JSON object printed on the CLI's last line."""
        return {
            "status": self.status,
            "objective": round(self.objective, 4),
            "bound": round(self.bound, 4),
            "gap": round(self.gap, 6),
            "meetings": len(self.meetings),
            "seconds": round(self.seconds, 3),
            **{k: v for k, v in self.stats.items()},
        }


@dataclass(frozen=True)
class Progress:
    """A progress report while solving, for progress bars."""

    seconds: float
    time_limit: float
    objective: float
    bound: float
    phase: str

    @property
    def gap(self) -> float:
        return max(0.0, (self.bound - self.objective) / self.bound) if self.bound > 0 else 0.0
