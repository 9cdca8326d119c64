"""Realistic synthetic partner events, for benchmarks, demos and tests.

An event is built company by company, the way registrations arrive:

* kinds: about 70% of people are partners, 20% vendors, 10% distributors. Vendors often send
  two to four reps, distributors one to three, partners mostly one (some two);
* regions: EMEA, NA, APAC and LATAM with skewed weights; names fit the region and use the
  full range of Unicode (accents, Polish, Vietnamese, Turkish, Nordic ...);
* offers and seeks: tags from a vocabulary of about 40 technology topics whose popularity
  follows a Zipf law, so a few topics (cloud migration, security ...) are sought by many.
  Partners seek what they do not offer; a few "hot" vendors offer the most popular topics and
  end up wanted by everybody;
* target regions and goals by kind (vendors recruit partners, partners meet vendors and find
  partners to team with), sponsor tiers for about half of the vendor companies;
* about 10% of people arrive late or leave early;
* about 2% of people ask to meet someone (always another company, with a shared round, and
  never more requests than anyone can attend), and about 2% ask to avoid someone.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same event.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from solver.io import LIST_COLUMNS, SOLVER_COLUMNS, format_rounds
from solver.schema import Attendee

REGIONS = ("EMEA", "NA", "APAC", "LATAM")
REGION_WEIGHTS = (0.38, 0.32, 0.20, 0.10)

# Most popular first: popularity falls off as 1 / rank (Zipf).
TAGS = (
    "cloud migration",
    "security",
    "data analytics",
    "ai/ml",
    "erp",
    "managed services",
    "microsoft 365",
    "networking",
    "crm",
    "devops",
    "backup & recovery",
    "kubernetes",
    "identity & access",
    "endpoint management",
    "sd-wan",
    "hybrid cloud",
    "data centre",
    "collaboration",
    "iot",
    "observability",
    "zero trust",
    "storage",
    "low-code",
    "contact centre",
    "edge computing",
    "hpc",
    "compliance",
    "cybersecurity training",
    "supply chain",
    "fintech",
    "e-commerce",
    "healthcare it",
    "public sector",
    "licensing",
    "financing",
    "logistics",
    "print & imaging",
    "5g",
    "quantum",
    "sustainability reporting",
)
ZIPF = tuple(1.0 / (rank + 1) for rank in range(len(TAGS)))
DISTRIBUTOR_TAGS = ("licensing", "financing", "logistics", "managed services")

COMPANY_KINDS = ("partner", "vendor", "distributor")
# Per company, so that people come out near 70/20/10 given the reps per company below.
COMPANY_KIND_WEIGHTS = (0.61, 0.083, 0.056)
REPS = {
    "partner": ((1, 2), (0.85, 0.15)),
    "vendor": ((1, 2, 3, 4), (0.2, 0.35, 0.3, 0.15)),
    "distributor": ((1, 2, 3), (0.4, 0.4, 0.2)),
}
TIERS = (("platinum", 0.15), ("gold", 0.35), ("silver", 0.5))
GOALS_BY_KIND = {
    "partner": (
        ("find_partners", 0.6),
        ("meet_vendors", 0.7),
        ("meet_distributors", 0.2),
        ("expand_regions", 0.3),
    ),
    "vendor": (("recruit_partners", 0.9), ("meet_distributors", 0.2), ("expand_regions", 0.4)),
    "distributor": (("recruit_partners", 0.7), ("meet_vendors", 0.8)),
}

# (given names, family names, family name first) per culture, cultures per region.
CULTURES: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...], bool], ...]] = {
    "EMEA": (
        (
            ("Łukasz", "Małgorzata", "Wojciech", "Agnieszka", "Paweł", "Zofia", "Bartłomiej"),
            ("Kowalski", "Wiśniewska", "Brzęczyszczykiewicz", "Żuk", "Szymański", "Nowak"),
            False,
        ),
        (
            ("François", "Anaïs", "Chloé", "Inès", "Jérôme", "Zoë", "Gaëlle"),
            ("Lefèvre", "Dubois", "Rousseau", "Bérenger", "Fournier", "De Smet"),
            False,
        ),
        (
            ("Jürgen", "Søren", "Åsa", "Björn", "Håkon", "Käthe", "Jörg"),
            ("Müller", "Schröder", "Østergaard", "Öberg", "Lindqvist", "van der Berg"),
            False,
        ),
        (
            ("Çağla", "Ömer", "Mehmet", "Fatima", "Yusuf", "Leïla"),
            ("Şahin", "Yılmaz", "Haddad", "Al-Farsi", "Öztürk"),
            False,
        ),
        (
            ("Jiří", "Tomáš", "Eliška", "Kateřina", "Dávid", "Lucía", "Giulia", "Niamh"),
            ("Dvořák", "Novák", "Horváth", "Kovačević", "Rossi", "García", "O'Brien"),
            False,
        ),
        (
            ("Thabo", "Ngozi", "Chidi", "Amara", "Sipho"),
            ("Okafor", "Mbeki", "Adébáyọ̀", "Nkosi"),
            False,
        ),
    ),
    "NA": (
        (
            ("Emily", "Michael", "Zoë", "Darnell", "Aaliyah", "Connor", "Madison", "Ethan"),
            ("Johnson", "Brown", "Thompson", "Washington", "O'Connor", "Nguyen", "Patel"),
            False,
        ),
        (
            ("Marie-Ève", "Jean-Philippe", "Geneviève", "Benoît", "Frédérique"),
            ("Tremblay", "Gagnon", "Côté", "Bélanger", "Lévesque"),
            False,
        ),
        (
            ("Sofía", "José", "Mónica", "Héctor", "Ramón"),
            ("Hernández", "Peña", "Gutiérrez", "Ibáñez"),
            False,
        ),
    ),
    "APAC": (
        (
            ("Minh Anh", "Quốc Bảo", "Thu Hà", "Văn Đức", "Ngọc Ánh", "Thị Hương", "Hữu Phước"),
            ("Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Huỳnh", "Võ", "Bùi", "Đỗ"),
            True,
        ),
        (
            ("Yūki", "Haruto", "Sakura", "Ren", "Shōta", "Aoi"),
            ("Satō", "Tanaka", "Itō", "Watanabe", "Kōno"),
            True,
        ),
        (
            ("Priya", "Arjun", "Ananya", "Rohan", "Lakshmi"),
            ("Raghunathan", "Mehta", "Iyer", "Chatterjee", "Reddy"),
            False,
        ),
        (
            ("Wei", "Na", "Jing", "Hao", "Xiùyīng"),
            ("Zhang", "Li", "Wang", "Chen", "Lǚ"),
            True,
        ),
        (
            ("Olivia", "Jack", "Aroha", "Mia", "Dewi", "Somchai"),
            ("Smith", "Ngata", "Lestari", "Chaiyaporn", "Wilson"),
            False,
        ),
    ),
    "LATAM": (
        (
            ("João", "Thiago", "Luís", "Beatriz", "Gonçalo", "Iolanda"),
            ("Gonçalves", "Araújo", "Magalhães", "Simões", "Conceição"),
            False,
        ),
        (
            ("María José", "Sebastián", "Ximena", "Camila", "Andrés", "Valentina"),
            ("Muñoz", "Castañeda", "Rodríguez", "Peña", "Núñez", "Zúñiga"),
            False,
        ),
    ),
}

STEMS = (
    "Nordlicht", "Andes", "Baltic", "Lotus", "Maple", "Kiwi", "Sakura", "Sahara", "Atlas",
    "Polar", "Zenith", "Vistula", "Mekong", "Danube", "Fjord", "Pampas", "Sierra", "Tundra",
    "Coral", "Cedar", "Aurora", "Orion", "Helix", "Quantum", "Nimbus", "Vertex", "Kestrel",
    "Lumen", "Meridian", "Obsidian", "Pioneer", "Rivet", "Saffron", "Talon", "Umbra", "Velvet",
)  # fmt: skip
SYLLABLES = ("ka", "ro", "vel", "tor", "mi", "na", "lex", "dra", "sen", "qu", "ix", "bo", "zu")
SUFFIXES = {
    "partner": ("IT Services", "Consulting", "Solutions", "Integrators", "Digital", "Systems"),
    "vendor": ("Software", "Cloud", "Networks", "Data", "Security", "Technologies"),
    "distributor": ("Distribution", "Trading", "Supply", "Channel"),
}
LEGAL = {
    "EMEA": ("GmbH", "Sp. z o.o.", "S.A.S.", "Ltd", "AB", "B.V.", ""),
    "NA": (", Inc.", " LLC", ", Corp.", ""),
    "APAC": ("Pty Ltd", "K.K.", "JSC", "Pte. Ltd.", ""),
    "LATAM": ("Ltda.", "S.A. de C.V.", "S.A.", ""),
}
TLD = {
    "EMEA": (".eu", ".de", ".pl", ".fr", ".com"),
    "NA": (".com", ".io"),
    "APAC": (".vn", ".jp", ".com.au", ".asia"),
    "LATAM": (".com.br", ".mx", ".com"),
}
ASCII = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "ı": "i"}
)


@dataclass
class _Company:
    name: str
    domain: str
    kind: str
    region: str
    reps: int
    hot: bool = False
    tier: str | None = None
    offers: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    """ASCII letters and digits of ``text`` for e-mail addresses (accents dropped)."""
    plain = unicodedata.normalize("NFKD", text.translate(ASCII))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9-]", "", plain.lower().replace(" ", ""))


def _tags(rng: random.Random, k: int, exclude: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """``k`` distinct tags drawn by Zipf popularity, none of ``exclude``."""
    out: set[str] = set()
    while len(out) < k:
        tag = rng.choices(TAGS, ZIPF)[0]
        if tag not in exclude:
            out.add(tag)
    return out


def _companies(n: int, rng: random.Random) -> list[_Company]:
    """Companies with rep counts adding up to exactly ``n`` people."""
    companies: list[_Company] = []
    names: set[str] = set()
    domains: set[str] = set()
    total = 0
    while total < n:
        kind = rng.choices(COMPANY_KINDS, COMPANY_KIND_WEIGHTS)[0]
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        sizes, weights = REPS[kind]
        reps = min(rng.choices(sizes, weights)[0], n - total)
        for attempt in range(1000):
            if rng.random() < 0.5:
                stem = rng.choice(STEMS)
            else:
                stem = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize()
            if attempt >= 20:  # a crowded name space: number the stem
                stem += f" {rng.randint(2, 99)}"
            suffix = rng.choice(SUFFIXES[kind])
            legal = rng.choice(LEGAL[region])
            name = f"{stem} {suffix}" + (legal if legal[:1] in ("", ",", " ") else f" {legal}")
            domain = f"{_slug(stem)}-{_slug(suffix.split()[0])}{rng.choice(TLD[region])}"
            if name not in names and domain not in domains:
                break
        names.add(name)
        domains.add(domain)
        companies.append(_Company(name, domain, kind, region, reps))
        total += reps
    vendors = [c for c in companies if c.kind == "vendor"]
    for c in rng.sample(vendors, max(1, len(vendors) // 12)) if vendors else []:
        c.hot = True
    for c in companies:
        if c.kind == "vendor":
            if c.hot:
                c.offers = sorted(set(TAGS[:3]) | _tags(rng, 1))
                c.tier = rng.choice(("platinum", "gold"))
            else:
                c.offers = sorted(_tags(rng, rng.randint(2, 4)))
                if rng.random() < 0.5:
                    c.tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        elif c.kind == "distributor":
            c.offers = sorted({rng.choice(DISTRIBUTOR_TAGS)} | _tags(rng, rng.randint(1, 3)))
        else:
            c.offers = sorted(_tags(rng, rng.randint(2, 4)))
    return companies


def _person(rng: random.Random, region: str) -> tuple[str, str, str]:
    """A name fitting the region: (badge name, given name, family name)."""
    given, family, family_first = rng.choice(CULTURES[region])
    g, f = rng.choice(given), rng.choice(family)
    return (f"{f} {g}" if family_first else f"{g} {f}"), g, f


def _availability(rng: random.Random, rounds: int) -> frozenset[int] | None:
    """Every round for most people; about 10% arrive late or leave early."""
    if rounds < 2 or rng.random() >= 0.1:
        return None
    if rng.random() < 0.5:  # leaves early
        last = rng.randint(max(1, rounds // 2), rounds - 1)
        return frozenset(range(1, last + 1))
    first = rng.randint(2, rounds - rounds // 2 + 1)  # arrives late
    return frozenset(range(first, rounds + 1))


def generate_event(n: int, rounds: int, seed: int = 0) -> list[Attendee]:
    """``n`` realistic attendees of an event with ``rounds`` rounds, the same for the same seed."""
    rng = random.Random(seed)
    people: list[Attendee] = []
    emails: set[str] = set()
    for c in _companies(n, rng):
        for _ in range(c.reps):
            name, given, family = _person(rng, c.region)
            local = f"{_slug(given)}.{_slug(family)}".strip(".") or "contact"
            email, k = f"{local}@{c.domain}", 1
            while email in emails:
                k += 1
                email = f"{local}{k}@{c.domain}"
            emails.add(email)
            offers = set(c.offers)
            if c.kind == "partner":
                seeks = _tags(rng, rng.randint(2, 4), exclude=offers)
            else:  # vendors and distributors seek partners with skills next to their products
                seeks = _tags(rng, rng.randint(1, 3), exclude=offers)
            if c.reps > 1 and rng.random() < 0.3:  # reps of one company vary a little
                offers |= _tags(rng, 1, exclude=seeks)
            others = [r for r in REGIONS if r != c.region]
            if c.kind == "partner":
                targets = set(rng.sample(others, rng.choice((0, 0, 1, 1, 2))))
            elif c.kind == "vendor":
                targets = set(rng.sample(REGIONS, rng.randint(1, 3)))
            else:
                targets = {c.region} | set(rng.sample(others, rng.randint(0, 1)))
            goals = (
                set()
                if rng.random() < 0.15
                else {g for g, p in GOALS_BY_KIND[c.kind] if rng.random() < p}
            )
            people.append(
                Attendee(
                    email=email,
                    name=name,
                    company=c.name,
                    kind=c.kind,
                    region=c.region,
                    offers=frozenset(offers),
                    seeks=frozenset(seeks),
                    target_regions=frozenset(targets),
                    goals=frozenset(goals),
                    available_rounds=_availability(rng, rounds),
                    tier=c.tier,
                )
            )
    return _requests(people, rounds, rng)


def _requests(people: list[Attendee], rounds: int, rng: random.Random) -> list[Attendee]:
    """Add must-meet (about 2% of people) and avoid (about 2%) requests that can all hold.

    Every must-meet pair is from two companies and shares enough rounds that the requests can
    always be scheduled: a pair (u, v) shares at least deg(u) + deg(v) - 1 rounds, so greedy
    round assignment never gets stuck, and nobody has more requests than rounds.
    """
    n = len(people)
    if n < 2:
        return people
    avail = [a.rounds(rounds) for a in people]
    company = [a.company for a in people]
    vendors = [i for i, a in enumerate(people) if a.kind != "partner"]
    partners = [i for i, a in enumerate(people) if a.kind == "partner"]
    must: dict[int, set[int]] = {i: set() for i in range(n)}
    avoid: dict[int, set[int]] = {i: set() for i in range(n)}

    def fits(i: int, j: int) -> bool:
        if i == j or company[i] == company[j] or j in must[i]:
            return False
        deg = {i: len(must[i]) + 1, j: len(must[j]) + 1}
        if max(deg.values()) > min(3, len(avail[i]), len(avail[j])):
            return False
        edges = [(i, j)] + [(x, y) for x in (i, j) for y in must[x]]
        degree = {x: deg.get(x, len(must[x])) for e in edges for x in e}
        return all(len(avail[x] & avail[y]) >= degree[x] + degree[y] - 1 for x, y in edges)

    def wanted(i: int) -> list[int]:
        """Whom ``i`` would ask for: someone offering what ``i`` seeks, across kinds."""
        pool = vendors if people[i].kind == "partner" and vendors else partners or vendors
        seeks = people[i].seeks
        fit = [j for j in rng.sample(pool, min(len(pool), 60)) if people[j].offers & seeks]
        return fit or rng.sample(range(n), min(n, 20))

    for i in rng.sample(range(n), max(1, round(0.02 * n))):
        for j in wanted(i):
            if fits(i, j):
                must[i].add(j)
                must[j].add(i)
                people[i] = replace(people[i], must_meet=people[i].must_meet | {people[j].email})
                break
    for i in rng.sample(range(n), max(1, round(0.02 * n))):
        same_region = [
            j
            for j in rng.sample(range(n), min(n, 40))
            if people[j].region == people[i].region and people[j].offers & people[i].offers
        ]
        for j in same_region + rng.sample(range(n), min(n, 5)):  # a competitor, or anybody
            if j != i and company[j] != company[i] and j not in must[i] and j not in avoid[i]:
                avoid[i].add(j)
                avoid[j].add(i)
                people[i] = replace(people[i], avoid=people[i].avoid | {people[j].email})
                break
    return people


def attendee_row(a: Attendee) -> list[str]:
    """One attendee as the cells of an attendees file (FORMATS.md section 1), column by column."""
    cells = {
        "email": a.email,
        "name": a.name,
        "company": a.company,
        "kind": a.kind,
        "region": a.region,
        "available_rounds": format_rounds(a.available_rounds),
        "tier": a.tier or "",
    }
    for column in LIST_COLUMNS:
        cells[column] = ";".join(sorted(getattr(a, column)))
    return [cells[column] for column in SOLVER_COLUMNS]


def write_attendees_csv(attendees: list[Attendee], path: str | Path) -> None:
    """Write an attendees file (FORMATS.md section 1): UTF-8 CSV, comma-delimited, header first."""
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(SOLVER_COLUMNS)
        writer.writerows(attendee_row(a) for a in attendees)
