"""Seeded simulator of messy customer records from several channels, with the true people.

Branches, account reps, the call centre, the web shop and mail campaigns each keep their own
customer records. The same person appears in several channels (and sometimes twice in one),
typed differently each time: name case, word order and typos, phone formats (+86, dashes,
spaces), e-mail case, address abbreviations, each channel's date format, missing fields, values
that break the format rules, and addresses that went stale when the person moved. The truth —
which person each record belongs to — is returned separately from the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.validation import (
    check_date,
    check_int,
    check_probability,
    renamed_attribute,
    renamed_parameters,
)

__all__ = [
    "BUSINESS_FILL",
    "BusinessRecordsTruth",
    "CHANNELS",
    "DATE_FORMATS",
    "FIELDS",
    "MISSING",
    "PRESENCE",
    "RecordsTruth",
    "UPDATE_AGE_DAYS",
    "business_records",
    "customer_records",
]

#: The channels that keep customer records, with the prefix of their record ids.
CHANNELS = {"branch": "BR", "account_rep": "AR", "call_centre": "CC", "web": "WB", "mail": "ML"}
#: The customer fields every channel's record has (possibly empty).
FIELDS = ("name", "phone", "email", "address", "postcode", "birth_date")
#: Chance that a person has a record in each channel (everyone has at least one).
PRESENCE = {"branch": 0.45, "account_rep": 0.25, "call_centre": 0.45, "web": 0.55, "mail": 0.25}
#: Chance that a field is left empty, per channel.
MISSING = {
    "branch": {"name": 0.0, "phone": 0.05, "email": 0.30, "address": 0.05, "postcode": 0.10,
               "birth_date": 0.10},
    "account_rep": {"name": 0.0, "phone": 0.02, "email": 0.10, "address": 0.15, "postcode": 0.30,
                    "birth_date": 0.50},
    "call_centre": {"name": 0.0, "phone": 0.02, "email": 0.60, "address": 0.40, "postcode": 0.60,
                    "birth_date": 0.40},
    "web": {"name": 0.0, "phone": 0.30, "email": 0.0, "address": 0.50, "postcode": 0.50,
            "birth_date": 0.20},
    "mail": {"name": 0.0, "phone": 0.50, "email": 0.70, "address": 0.0, "postcode": 0.05,
             "birth_date": 0.60},
}  # fmt: skip
#: Mean age in days of a record's last update, per channel (exponential, capped at 6 years).
UPDATE_AGE_DAYS = {"branch": 400, "account_rep": 120, "call_centre": 250, "web": 90, "mail": 900}
#: How each channel writes dates (strftime codes; the account reps drop leading zeros).
DATE_FORMATS = {
    "branch": "%Y-%m-%d",
    "account_rep": "%Y/%m/%d",
    "call_centre": "%d/%m/%Y",
    "web": "%Y%m%d",
    "mail": "%d %b %Y",
}

_SURNAMES = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng"
).split()
_SYLLABLES = (
    "wei fang na min jing li qiang lei jun yang yong yan jie tao ming chao xiu xia ping gang "
    "hua hong ying hui bo xin yu hao yi chen lin dan kai rui ting xue zhi peng fei qing"
).split()
_STREETS = (
    "Renmin Jiefang Zhongshan Heping Jianshe Xinhua Yanan Dongfeng Wenhua Shengli Huaihai "
    "Qingnian Gongyuan Binhe Chaoyang"
).split()
_STREET_TYPES = ("Road", "Street", "Avenue")
#: District → (city, first four digits of its postcodes).
_DISTRICTS = {
    "Haidian": ("Beijing", "1000"),
    "Dongcheng": ("Beijing", "1007"),
    "Xuhui": ("Shanghai", "2000"),
    "Pudong": ("Shanghai", "2001"),
    "Tianhe": ("Guangzhou", "5106"),
    "Yuexiu": ("Guangzhou", "5100"),
    "Futian": ("Shenzhen", "5180"),
    "Nanshan": ("Shenzhen", "5180"),
    "Jiangning": ("Nanjing", "2111"),
    "Wuhou": ("Chengdu", "6100"),
}
_MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + ["150", "151", "152", "155", "158", "159"]
_MOBILE_PREFIXES += [f"18{d}" for d in range(10)]
_DOMAINS = ("example.com", "example.cn", "mail.example.net")
_ABBREVIATIONS = {
    "Road": ("Rd.", "Rd", "road"),
    "Street": ("St.", "St", "street"),
    "Avenue": ("Ave.", "Ave", "avenue"),
    "District": ("Dist.", "Dist", "district"),
    "No.": ("#", "No", "no."),
}


@dataclass(frozen=True)
class RecordsTruth:
    """What :func:`customer_records` planted: the people, who each record is, the errors."""

    people: pd.DataFrame = field(repr=False)
    person_id: pd.Series = field(repr=False)
    invalid: pd.DataFrame = field(repr=False)
    observation_end: pd.Timestamp = None
    presence: dict = field(default_factory=lambda: dict(PRESENCE))
    missing: dict = field(default_factory=lambda: {c: dict(m) for c, m in MISSING.items()})
    update_age_days: dict = field(default_factory=lambda: dict(UPDATE_AGE_DAYS))

    snapshot = renamed_attribute("observation_end")  # the old name, warns

    @property
    def n_people(self) -> int:
        """Number of true people."""
        return len(self.people)


@renamed_parameters(snapshot="observation_end")
def customer_records(
    n_people: int = 600,
    observation_end="2024-12-31",
    duplicate_rate: float = 0.06,
    typo_rate: float = 0.05,
    invalid_rate: float = 0.02,
    move_rate: float = 0.3,
    household_rate: float = 0.08,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], RecordsTruth]:
    """Simulate the customer records that five channels keep about the same people.

    Generating process (the truth):

    * ``n_people`` people with a pinyin name (common surnames are common, so different people
      can share a name), a mobile phone, an e-mail address, a home address with a six-digit
      postcode, and a birth date between 1950 and 2004; a share ``household_rate`` of people
      live at the address of another person;
    * a share ``move_rate`` moved house in the four years before ``observation_end``: records last
      updated before the move still show the old address and postcode (stale values);
    * each person has a record in each channel with the chance :data:`PRESENCE` (at least
      one channel), and with chance ``duplicate_rate`` a second record in the same channel
      under another record id; each record's last update is ``observation_end`` minus an
      exponential age with channel mean :data:`UPDATE_AGE_DAYS` (capped at six years);
    * fields are left empty with the channel's chance in :data:`MISSING`;
    * formatting varies from record to record: name case and extra spaces, given name first
      (web and mail forms), phone formats (``13812345678``, ``138-1234-5678``,
      ``+86 138 1234 5678``, ``0086 13812345678`` ...), e-mail case and spaces, address
      abbreviations (Rd., St., Dist., #) and case, and dates in the channel's
      :data:`DATE_FORMATS`;
    * with chance ``typo_rate`` per field a name, phone or e-mail has a typing error that keeps
      its format (a letter or digit changed, dropped or swapped);
    * with chance ``invalid_rate`` per field a phone, e-mail, postcode or birth date breaks the
      format rules (a digit dropped, no ``@``, a comma in the domain, a five-digit postcode,
      the placeholder date 1900-01-01 or a birth year in the future): the ``invalid`` table
      of the truth marks exactly these.

    Parameters
    ----------
    n_people : int
        Number of true people.
    observation_end : date-like
        The date the records are extracted (old name ``snapshot``, which still works).
    duplicate_rate, typo_rate, invalid_rate, move_rate, household_rate : float
        The chances described above, in [0, 1].
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same records.

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``"records"``: indexed by ``record_id`` (channel prefix and number, e.g.
        ``"WB0042"``), in random order, with ``channel``, the :data:`FIELDS` as text as typed
        (empty fields missing) and ``updated_at`` (timestamp of the record's last update).
        There is no person id.
    truth : RecordsTruth
        ``people`` (indexed by ``person_id``, the clean current values plus ``old_address``,
        ``old_postcode`` and ``moved_on`` for movers), ``person_id`` (per record id),
        ``invalid`` (per record id and field: the planted rule-breaking values), and the
        channel settings used.

    Raises
    ------
    ParameterError
        For an out-of-range argument.

    Examples
    --------
    >>> tables, truth = customer_records(200, random_state=3)
    >>> records = tables["records"]
    >>> truth.person_id.nunique(), records.index.is_unique, "person_id" in records
    (200, True, False)
    >>> sorted(records["channel"].unique())
    ['account_rep', 'branch', 'call_centre', 'mail', 'web']
    """
    n = check_int("n_people", n_people, 2, 1_000_000)
    snap = check_date("observation_end", observation_end)
    rates = {
        "duplicate_rate": duplicate_rate,
        "typo_rate": typo_rate,
        "invalid_rate": invalid_rate,
        "move_rate": move_rate,
        "household_rate": household_rate,
    }
    dup, typo, invalid, move, household = (
        check_probability(k, v, allow_one=True) for k, v in rates.items()
    )
    rng = np.random.default_rng(random_state)
    people = _people(n, snap, move, household, rng)

    channels = list(CHANNELS)
    present = rng.random((n, len(channels))) < np.array([PRESENCE[c] for c in channels])
    nobody = ~present.any(axis=1)
    weights = np.array([PRESENCE[c] for c in channels])
    present[nobody, rng.choice(len(channels), nobody.sum(), p=weights / weights.sum())] = True
    copies = present * (1 + (rng.random(present.shape) < dup))

    rows, flags = [], []
    persons = [
        dict(r, person_id=pid)
        for pid, r in zip(people.index, people.to_dict("records"), strict=True)
    ]
    for j, channel in enumerate(channels):
        for i in np.repeat(np.arange(n), copies[:, j]):
            row, bad = _record(persons[i], channel, snap, typo, invalid, rng)
            rows.append(row)
            flags.append(bad)
    order = rng.permutation(len(rows))
    records = pd.DataFrame([rows[k] for k in order])
    counters = dict.fromkeys(channels, 0)
    ids = []
    for channel in records["channel"]:
        counters[channel] += 1
        ids.append(f"{CHANNELS[channel]}{counters[channel]:04d}")
    records.index = pd.Index(ids, name="record_id")
    person_id = records.pop("person_id").rename("person_id")
    bad = pd.DataFrame([flags[k] for k in order], index=records.index)
    records = records[["channel", *FIELDS, "updated_at"]]
    truth = RecordsTruth(people=people, person_id=person_id, invalid=bad, observation_end=snap)
    return {"records": records}, truth


def _people(n: int, snap: pd.Timestamp, move: float, household: float, rng) -> pd.DataFrame:
    weights = 1 / np.arange(1, len(_SURNAMES) + 1) ** 0.8
    surname = rng.choice(_SURNAMES, n, p=weights / weights.sum())
    one = rng.random(n) < 0.3
    first = rng.choice(_SYLLABLES, n)
    second = np.where(one, "", rng.choice(_SYLLABLES, n))
    given = np.char.capitalize((first.astype(object) + second).astype(str))
    phones = _unique(lambda: rng.choice(_MOBILE_PREFIXES) + f"{rng.integers(0, 10**8):08d}", n)
    emails = []
    for s, g in zip(surname, given, strict=True):
        s, g = s.lower(), g.lower()
        pattern = rng.integers(3)
        local = (f"{g}.{s}", f"{s}{g}{rng.integers(60, 100)}", f"{g[0]}{s}{rng.integers(10, 99)}")
        emails.append(f"{local[pattern]}@{rng.choice(_DOMAINS)}")
    emails = _dedupe(emails)
    address, postcode = zip(*(_address(rng) for _ in range(n)), strict=True)
    address, postcode = list(address), list(postcode)
    # Households: some people live at another person's address.
    sharers = np.flatnonzero(rng.random(n) < household)
    for i in sharers:
        other = (i + 1 + rng.integers(n - 1)) % n
        address[i], postcode[i] = address[other], postcode[other]
    birth = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20089, n), unit="D")
    moved = rng.random(n) < move
    moved_on = snap - pd.to_timedelta(rng.integers(30, 4 * 365, n), unit="D")
    old = [_address(rng) if m else (None, None) for m in moved]
    return pd.DataFrame(
        {
            "name": [f"{s} {g}" for s, g in zip(surname, given, strict=True)],
            "surname": surname,
            "given_name": given,
            "phone": phones,
            "email": emails,
            "address": address,
            "postcode": postcode,
            "birth_date": birth,
            "old_address": [a for a, _ in old],
            "old_postcode": [p for _, p in old],
            "moved_on": pd.Series(moved_on).where(moved).to_numpy(),
        },
        index=pd.Index([f"P{i:05d}" for i in range(1, n + 1)], name="person_id"),
    )


def _unique(draw, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        value = draw()
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def _dedupe(values: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for v in values:
        if v in seen:
            seen[v] += 1
            local, domain = v.split("@")
            v = f"{local}{seen[v]}@{domain}"
        seen.setdefault(v, 0)
        out.append(v)
    return out


def _address(rng) -> tuple[str, str]:
    district = rng.choice(list(_DISTRICTS))
    city, code = _DISTRICTS[district]
    street = f"{rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
    text = f"No. {rng.integers(1, 300)} {street}, {district} District, {city}"
    return text, f"{code}{rng.integers(0, 100):02d}"


def _typo(text: str, rng, letters: str) -> str:
    """One typing error after the first character: a character changed, dropped or swapped."""
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(3))
    if kind == 1 and not text[i].isdigit():
        return text[:i] + text[i + 1 :]
    if kind == 2 and i > 1 and text[i] != text[i - 1]:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + str(rng.choice([c for c in letters if c != text[i]])) + text[i + 1 :]


def _messy_name(person, channel: str, typo: float, rng) -> str:
    surname, given = person["surname"], person["given_name"]
    if rng.random() < typo:
        given = _typo(given.lower(), rng, "abcdefghijklmnopqrstuvwxyz").capitalize()
    style = int(np.searchsorted([0.5, 0.7, 0.85], rng.random(), side="right"))
    if style == 1:
        surname = surname.upper()
    elif style == 2:
        surname, given = surname.lower(), given.lower()
    elif style == 3:
        surname, given = surname.upper(), given.upper()
    parts = (
        [given, surname]
        if channel in ("web", "mail") and rng.random() < 0.4
        else [
            surname,
            given,
        ]
    )
    sep = "  " if rng.random() < 0.1 else " "
    text = sep.join(parts)
    return f" {text} " if rng.random() < 0.05 else text


def _messy_phone(phone: str, typo: float, invalid: float, rng) -> tuple[str, bool]:
    if rng.random() < typo:
        i = int(rng.integers(3, 11))
        phone = phone[:i] + str((int(phone[i]) + 1 + rng.integers(9)) % 10) + phone[i + 1 :]
    bad = bool(rng.random() < invalid)
    if bad:
        i = int(rng.integers(3, 11))
        phone = phone[:i] + phone[i + 1 :]
    a, b, c = phone[:3], phone[3:7], phone[7:]
    formats = [
        phone,
        f"{a}-{b}-{c}",
        f"{a} {b} {c}",
        f"+86 {a} {b} {c}",
        f"+86-{phone}",
        f"0086 {phone}",
        f"(+86){phone}",
    ]
    return str(rng.choice(formats)), bad


def _messy_email(email: str, typo: float, invalid: float, rng) -> tuple[str, bool]:
    local, domain = email.split("@")
    if rng.random() < typo:
        local = _typo(local, rng, "abcdefghijklmnopqrstuvwxyz")
    bad = bool(rng.random() < invalid)
    text = f"{local}@{domain}"
    if bad:
        text = f"{local}{domain}" if rng.random() < 0.5 else f"{local}@{domain.replace('.', ',')}"
    style = rng.random()
    if style < 0.15:
        text = text[0].upper() + text[1:]
    elif style < 0.2:
        text = text.upper()
    return (f" {text}" if rng.random() < 0.05 else text), bad


def _messy_address(address: str, rng) -> str:
    for long, shorts in _ABBREVIATIONS.items():
        if long in address and rng.random() < 0.5:
            address = address.replace(long, str(rng.choice(shorts)))
    if rng.random() < 0.2:
        address = address.replace(",", "")
    style = rng.random()
    if style < 0.1:
        address = address.lower()
    elif style < 0.15:
        address = address.upper()
    return address.replace(" ", "  ", 1) if rng.random() < 0.05 else address


def _format_date(date: pd.Timestamp, channel: str) -> str:
    if channel == "account_rep":
        return f"{date.year}/{date.month}/{date.day}"
    return date.strftime(DATE_FORMATS[channel])


def _record(person, channel: str, snap, typo: float, invalid: float, rng):
    mean_age = UPDATE_AGE_DAYS[channel]
    age = min(rng.exponential(mean_age), 6 * 365.0)
    updated = (snap - pd.Timedelta(days=age)).floor("min")
    stale = pd.notna(person["moved_on"]) and updated < person["moved_on"]
    address = person["old_address"] if stale else person["address"]
    postcode = person["old_postcode"] if stale else person["postcode"]
    bad = dict.fromkeys(FIELDS, False)
    phone, bad["phone"] = _messy_phone(person["phone"], typo, invalid, rng)
    email, bad["email"] = _messy_email(person["email"], typo, invalid, rng)
    if rng.random() < invalid:
        postcode, bad["postcode"] = postcode[1:], True
    birth = person["birth_date"]
    if rng.random() < invalid:
        bad["birth_date"] = True
        # The system's placeholder date, or a birth year typed a century late.
        birth = (
            pd.Timestamp("1900-01-01") if rng.random() < 0.5 else birth + pd.DateOffset(years=100)
        )
    row = {
        "person_id": person["person_id"],
        "channel": channel,
        "name": _messy_name(person, channel, typo, rng),
        "phone": phone,
        "email": email,
        "address": _messy_address(address, rng),
        "postcode": postcode,
        "birth_date": _format_date(birth, channel),
        "updated_at": updated,
    }
    for f, p in MISSING[channel].items():
        if rng.random() < p:
            row[f] = None
            bad[f] = False
    return row, bad


# --- business customers' records (curriculum §2) ---------------------------------------------

#: What a business customer's record must hold (curriculum §2: basic profile, purchase records,
#: feedback, and for business customers also business scope, annual revenue, brand shares,
#: outlet network, logistics), with the share of records that hold each field: (key accounts,
#: other accounts). Account reps keep the key accounts' records, so those are fuller.
BUSINESS_FILL: dict[str, tuple[float, float]] = {
    "name": (1.0, 1.0),
    "industry": (0.98, 0.90),
    "contact_person": (0.95, 0.70),
    "phone": (0.97, 0.85),
    "business_scope": (0.85, 0.50),
    "annual_revenue": (0.80, 0.35),
    "brand_share": (0.60, 0.15),
    "outlets": (0.75, 0.40),
    "logistics": (0.70, 0.30),
    "last_feedback": (0.65, 0.25),
}

_INDUSTRIES = ("manufacturing", "retail chain", "wholesale", "food processing", "chemicals")
_SCOPES = (
    "distribution in East China",
    "own brand and contract manufacturing",
    "import and wholesale",
    "regional retail chain",
    "processing for export",
)
_LOGISTICS = ("own fleet", "third-party carrier", "customer pickup", "rail and road")


@dataclass(frozen=True)
class BusinessRecordsTruth:
    """What :func:`business_records` planted: the fill rates and which accounts are key."""

    fill: dict = field(default_factory=lambda: dict(BUSINESS_FILL))
    key_share: float = 0.2
    is_key: pd.Series = field(default=None, repr=False)


def business_records(
    n_accounts: int = 200,
    key_share: float = 0.2,
    observation_end="2024-12-31",
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], BusinessRecordsTruth]:
    """A CRM extract of business customers' records with planted gaps.

    Every field of :data:`BUSINESS_FILL` is filled with its planted probability: the first
    for key accounts (the largest ``key_share`` of accounts by annual revenue), the second for
    the others. The values themselves are plausible but not the point: the records exist to
    measure completeness.

    Parameters
    ----------
    n_accounts : int
    key_share : float
        Share of accounts that are key accounts, in (0, 1).
    observation_end : date-like
        Date of the extract; ``last_feedback`` dates lie in the two years before it.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``{"accounts": DataFrame}`` indexed by ``account_id``, with ``tier`` ("key" or
        "other") and the fields of :data:`BUSINESS_FILL` (missing values are NaN or None).
    truth : BusinessRecordsTruth

    Examples
    --------
    >>> tables, truth = business_records(400, random_state=1)
    >>> tables["accounts"]["tier"].value_counts().to_dict()
    {'other': 320, 'key': 80}
    """
    n = check_int("n_accounts", n_accounts, 10, 10_000_000)
    key_share = check_probability("key_share", key_share, allow_zero=False)
    end = check_date("observation_end", observation_end)
    rng = np.random.default_rng(random_state)
    revenue = np.round(rng.lognormal(np.log(50), 1.0, n), 1)  # million yuan a year
    rank = pd.Series(revenue).rank(ascending=False, method="first").to_numpy()
    key = rank <= round(key_share * n)
    ids = [f"B{i:04d}" for i in range(1, n + 1)]
    values = {
        "name": [f"Client {i:04d} Co., Ltd." for i in range(1, n + 1)],
        "industry": rng.choice(_INDUSTRIES, n),
        "contact_person": [f"contact {i}" for i in range(1, n + 1)],
        "phone": [f"13{d:09d}" for d in rng.integers(0, 10**9, n)],
        "business_scope": rng.choice(_SCOPES, n),
        "annual_revenue": revenue,
        "brand_share": np.round(rng.beta(2, 5, n), 2),
        "outlets": rng.poisson(8, n) + 1,
        "logistics": rng.choice(_LOGISTICS, n),
        "last_feedback": end - pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
    }
    df = pd.DataFrame(
        {"tier": np.where(key, "key", "other")}, index=pd.Index(ids, name="account_id")
    )
    for name, (p_key, p_other) in BUSINESS_FILL.items():
        filled = rng.random(n) < np.where(key, p_key, p_other)
        column = pd.Series(values[name], index=df.index)
        df[name] = column.where(filled)
    truth = BusinessRecordsTruth(
        key_share=key_share, is_key=pd.Series(key, index=df.index, name="is_key")
    )
    return {"accounts": df}, truth
