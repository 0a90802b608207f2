"""Matching (资本对接): which of the parks' enterprises fit an investor's thesis, and which investors fit an
enterprise — each proposal with a score and one line of reasons in the viewer's language
("关注机器人 · 种子期到A轮 · 单笔500–2000万 · 投过同领域的3家").

Signals, blended with fixed weights (``WEIGHTS``, tuned on the generated park by bench/network.py, which
measures hit-rate@10 and MRR of the last investment of every investor against popularity):

- ``industry``: the thesis's industries against the enterprise's (its own industry 1, the same top-level
  industry 0.7);
- ``stage``: the thesis's stages against the enterprise's (the stage 1, a neighbouring one 0.4);
- ``ticket``: the investor's ticket against the enterprise's last *disclosed* round (a confidential amount
  never shapes a proposal, so no ranking can be read back into one), else the typical round of its stage;
- ``region``: the thesis's regions against the enterprise's park ("全国" and an empty list fit all);
- ``text``: the TF-IDF cosine of the thesis with the enterprise's description, tags, needs and industry
  (segmented like the search index, so Chinese words match);
- ``history``: the industries and stages of what the investor and their fund invested in;
- ``peers``: collaborative — the enterprises that the investor's portfolio shares investors with
  (item-to-item co-occurrence over investors) and those their co-investors backed.
- ``popular``: a weak prior, the number of parties that invested in the enterprise.

Everything is read set-based, a fixed number of queries whatever the number of candidates (the tests
count them); the segmented texts of enterprises are cached per process by (id, updated_at). The pure part
(``Snapshot``, ``rank_enterprises``, ``rank_investors``) takes plain data, so the benchmark runs it on the
generated park with one investment hidden per investor."""

from __future__ import annotations

import functools
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parkos.core import policy
from parkos.core.content import localized
from parkos.core.errors import ErrorCode, Forbidden, Invalid

LIMIT_MAX = 50
# The ladder of an enterprise's stages (enterprises.Stage), in order.
STAGES = ("seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "listed")
STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}
# A financing round -> the stage the enterprise was at when it raised it.
ROUND_STAGE = {"angel": "angel", "seed": "seed", "pre_a": "series_a", "a": "series_a", "a_plus": "series_a",
               "b": "series_b", "c": "series_c", "d": "series_c", "pre_ipo": "pre_ipo", "ipo": "listed",
               "strategic": "series_b"}
# A typical round of each stage, in ten thousand yuan (when no disclosed round is known).
TYPICAL_ROUND_WAN = {"seed": 100, "angel": 300, "series_a": 1200, "series_b": 3500, "series_c": 7000,
                     "pre_ipo": 10000, "listed": 15000}
# Regions that mean "anywhere".
ANYWHERE = frozenset({"全国", "全國", "不限", "中国", "China", "Nationwide", "Global", "全球"})
# Tuned on the generated park (bench/network.py): the thesis carries the ranking; the history and the
# co-investors add a little (more weight on them made the hidden last investments rank lower).
WEIGHTS = {"industry": 3.0, "stage": 3.0, "ticket": 1.0, "region": 0.5, "text": 5.0, "history": 1.0,
           "peers": 0.5, "popular": 1.2}
PEERS_SCALE = 1.0  # the collaborative score saturates: 1 - exp(-x)
GENERIC_WORDS = frozenset({"我们", "需要", "企业", "公司", "关注", "投资", "领域", "项目", "阶段", "团队", "一家", "专注",
                           "来自", "国内外", "知名", "高校", "希望", "寻找", "提供", "园区", "方向", "重点", "以及"})


# --- the pure part: plain data in, ranked proposals out ------------------------------------------------

@dataclass(frozen=True)
class EnterpriseDoc:
    id: int
    name: str
    name_en: str
    industry_id: int
    top_industry_id: int
    industry_name_zh: str
    industry_name_en: str
    stage: str
    region: str  # the park's address and name: what a thesis's region is compared with
    round_wan: int | None  # the last disclosed round, in ten thousand yuan

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def industry_name(self) -> str:
        return localized(self.industry_name_zh, self.industry_name_en)


@dataclass(frozen=True)
class InvestorDoc:
    id: int
    user_id: int
    name: str
    fund_id: int | None
    fund_name: str
    title: str
    industries: frozenset[int]
    top_industries: frozenset[int]
    industry_names: tuple[str, ...]
    stages: tuple[str, ...]
    regions: tuple[str, ...]
    ticket_min_wan: int | None
    ticket_max_wan: int | None
    thesis: str

    @property
    def has_thesis(self) -> bool:
        return bool(self.industries or self.stages or self.thesis.strip())


class Investment(NamedTuple):
    record_id: int
    enterprise_id: int
    investor_id: int | None
    fund_id: int | None


@dataclass
class Snapshot:
    """What the matcher knows: the active enterprises (with their segmented texts) and the investments."""

    enterprises: dict[int, EnterpriseDoc]
    vectors: dict[int, dict[str, float]]  # enterprise id -> unit TF-IDF vector
    idf: dict[str, float]
    investments: list[Investment]
    top_of: dict[int, int] = field(default_factory=dict)  # industry id -> top-level industry id
    # The maps below as an earlier snapshot of the same investments computed them (read-only, shared).
    derived: tuple[Any, ...] | None = None
    by_investor: dict[int, list[int]] = field(init=False)
    by_fund: dict[int, list[int]] = field(init=False)
    backers: dict[int, set[int]] = field(init=False)  # enterprise -> investor ids
    co_investors: dict[int, set[int]] = field(init=False)  # investor -> investors met in a round
    popularity: Counter[int] = field(init=False)

    def __post_init__(self) -> None:
        if self.derived is not None:
            self.by_investor, self.by_fund, self.backers, self.co_investors, self.popularity = self.derived
            return
        self.by_investor = defaultdict(list)
        self.by_fund = defaultdict(list)
        self.backers = defaultdict(set)
        self.co_investors = defaultdict(set)
        parties: dict[int, set[tuple[str, int]]] = defaultdict(set)
        rounds: dict[int, set[int]] = defaultdict(set)
        for inv in self.investments:
            if inv.investor_id is not None:
                self.by_investor[inv.investor_id].append(inv.enterprise_id)
                self.backers[inv.enterprise_id].add(inv.investor_id)
                rounds[inv.record_id].add(inv.investor_id)
            if inv.fund_id is not None:
                self.by_fund[inv.fund_id].append(inv.enterprise_id)
            party = ("i", inv.investor_id) if inv.investor_id is not None else ("f", inv.fund_id or 0)
            parties[inv.enterprise_id].add(party)
        for members in rounds.values():
            for a in members:
                self.co_investors[a].update(members - {a})
        self.popularity = Counter({e: len(p) for e, p in parties.items()})


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple[str, ...]
    enterprise: EnterpriseDoc | None = None
    investor: InvestorDoc | None = None

    @property
    def reason_line(self) -> str:
        return " · ".join(self.reasons)


def tokens_of(text: str) -> list[str]:
    from parkos.search.text import segment

    return [t for t in segment(text).split() if len(t) >= 2 and t not in GENERIC_WORDS]


def tfidf(tokens: Iterable[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(t for t in tokens if t in idf)
    vector = {t: (1 + math.log(n)) * idf[t] for t, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def snapshot_build(*, enterprises: Sequence[EnterpriseDoc], tokens: dict[int, list[str]],
                   investments: Sequence[Investment], top_of: dict[int, int] | None = None) -> Snapshot:
    """The matcher's state from plain data (``tokens``: each enterprise's segmented text)."""
    df: Counter[str] = Counter()
    for e in enterprises:
        df.update(set(tokens.get(e.id, ())))
    n = max(1, len(enterprises))
    idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items() if c < n}
    vectors = {e.id: tfidf(tokens.get(e.id, ()), idf) for e in enterprises}
    return Snapshot(enterprises={e.id: e for e in enterprises}, vectors=vectors, idf=idf,
                    investments=list(investments), top_of=top_of or {})


def _stage_fit(stages: Sequence[str], stage: str) -> float:
    if not stages:
        return 0.0
    if stage in stages:
        return 1.0
    index = STAGE_INDEX.get(stage)
    if index is not None and any(abs(STAGE_INDEX.get(s, -9) - index) == 1 for s in stages):
        return 0.4
    return 0.0


def _industry_fit(investor: InvestorDoc, e: EnterpriseDoc) -> float:
    if e.industry_id in investor.industries:
        return 1.0
    if e.top_industry_id in investor.industries or e.top_industry_id in investor.top_industries:
        return 0.7
    return 0.0


def _ticket_fit(investor: InvestorDoc, e: EnterpriseDoc) -> float:
    low, high = investor.ticket_min_wan, investor.ticket_max_wan
    if low is None and high is None:
        return 0.0
    size = e.round_wan if e.round_wan is not None else TYPICAL_ROUND_WAN.get(e.stage, 1000)
    # A ticket is a share of a round: an investor taking 500–2,000 fits rounds of 500 to about 8,000.
    lo, hi = (low or 0), (high or 10**9) * 4
    if lo <= size <= hi:
        return 1.0
    if lo / 3 <= size <= hi * 3:
        return 0.4
    return 0.0


def _region_fit(regions: Sequence[str], e: EnterpriseDoc) -> float:
    if not regions or any(r in ANYWHERE for r in regions):
        return 1.0
    return 1.0 if any(r and r in e.region for r in regions) else 0.0


@dataclass
class _History:
    """What an investor (with their fund) invested in: shares by top industry and stage, collaborative
    scores of other enterprises."""

    own: set[int]
    n: int
    by_top: Counter[int]
    by_stage: Counter[str]
    peers: dict[int, float]


def _history(snap: Snapshot, investor: InvestorDoc, *, only: int | None = None) -> _History:
    """``only``: the one candidate whose collaborative score is wanted (an enterprise's matches), instead of
    every enterprise's."""
    own = list(snap.by_investor.get(investor.id, ()))
    portfolio = own + ([e for e in snap.by_fund.get(investor.fund_id, ()) if e not in set(own)]
                       if investor.fund_id is not None else [])
    by_top: Counter[int] = Counter()
    by_stage: Counter[str] = Counter()
    for eid in portfolio:
        e = snap.enterprises.get(eid)
        if e is not None:
            by_top[e.top_industry_id] += 1
            by_stage[e.stage] += 1
    # Item-to-item: enterprises sharing backers with the portfolio (cosine of their sets of investors),
    # and what the investor's co-investors backed.
    peers: dict[int, float] = defaultdict(float)
    co = snap.co_investors.get(investor.id, set())
    if only is not None:
        theirs = snap.backers.get(only, set())
        for eid in set(portfolio):
            mine = snap.backers.get(eid, set())
            shared = len((mine - {investor.id}) & theirs)
            if shared:
                peers[only] += shared / math.sqrt(max(1, len(mine)) * max(1, len(theirs)))
        peers[only] += 0.5 * len(co & theirs)
    else:
        for eid in set(portfolio):
            mine = snap.backers.get(eid, set())
            for other in mine - {investor.id}:
                for candidate in snap.by_investor.get(other, ()):
                    peers[candidate] += 1.0 / math.sqrt(max(1, len(mine)) * max(1, len(snap.backers.get(candidate, ()))))
        for other in co:
            for candidate in set(snap.by_investor.get(other, ())):
                peers[candidate] += 0.5
    return _History(own=set(own), n=len(portfolio), by_top=by_top, by_stage=by_stage, peers=peers)


def _pair(snap: Snapshot, investor: InvestorDoc, e: EnterpriseDoc, hist: _History, thesis: dict[str, float],
          pop_max: int) -> tuple[float, dict[str, float]]:
    parts = {
        "industry": _industry_fit(investor, e),
        "stage": _stage_fit(investor.stages, e.stage),
        "ticket": _ticket_fit(investor, e),
        "region": _region_fit(investor.regions, e) if (investor.regions or investor.has_thesis) else 0.0,
        "text": sum(w * snap.vectors.get(e.id, {}).get(t, 0.0) for t, w in thesis.items()),
        "history": (hist.by_top[e.top_industry_id] + 0.5 * hist.by_stage[e.stage]) / hist.n if hist.n else 0.0,
        "peers": 1.0 - math.exp(-PEERS_SCALE * hist.peers.get(e.id, 0.0)),
        "popular": math.log1p(snap.popularity.get(e.id, 0)) / math.log1p(pop_max) if pop_max else 0.0,
    }
    return sum(WEIGHTS[k] * v for k, v in parts.items()), parts


def stage_label(stage: str) -> str:
    from parkos.enterprises.models import Stage

    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def _stages_text(stages: Sequence[str]) -> str:
    ordered = sorted({s for s in stages if s in STAGE_INDEX}, key=STAGE_INDEX.__getitem__)
    if not ordered:
        return ""
    if len(ordered) == 1:
        return stage_label(ordered[0])
    indexes = [STAGE_INDEX[s] for s in ordered]
    if indexes == list(range(indexes[0], indexes[-1] + 1)):
        return _("%(first)s to %(last)s") % {"first": stage_label(ordered[0]), "last": stage_label(ordered[-1])}
    return "、".join(stage_label(s) for s in ordered)


def _reasons(snap: Snapshot, investor: InvestorDoc, e: EnterpriseDoc, parts: dict[str, float], hist: _History,
             thesis: dict[str, float]) -> tuple[str, ...]:
    """One short phrase per signal that counted, strongest first in a fixed order; at most five."""
    out: list[str] = []
    if parts["industry"] > 0:
        out.append(_("Focus on %(industry)s") % {"industry": e.industry_name})
    if parts["stage"] >= 1 and investor.stages:
        out.append(_stages_text(investor.stages))
    if parts["ticket"] > 0:
        low, high = investor.ticket_min_wan, investor.ticket_max_wan
        if low is not None and high is not None:
            out.append(_("Ticket %(low)s–%(high)s (10,000 yuan)") % {"low": f"{low:,}", "high": f"{high:,}"})
        elif low is not None:
            out.append(_("Ticket from %(low)s (10,000 yuan)") % {"low": f"{low:,}"})
    same = hist.by_top[e.top_industry_id]
    if same:
        out.append(ngettext("Invested in %(n)d of the same field", "Invested in %(n)d of the same field",
                            same) % {"n": same})
    if parts["peers"] >= 0.2:
        out.append(_("Co-investors backed it"))
    if parts["text"] >= 0.08:
        vector = snap.vectors.get(e.id, {})
        # A whole word of the thesis, not one of the bigrams the index adds ("大模型", not "模型").
        whole = _whole_words(investor.thesis)
        word = max((t for t in thesis if t in vector and t in whole), key=lambda t: (len(t), thesis[t] * vector[t]),
                   default="")
        if word:
            out.append(_("Thesis mentions “%(word)s”") % {"word": word})
    if parts["region"] > 0 and investor.regions and not any(r in ANYWHERE for r in investor.regions):
        out.append(_("In %(region)s") % {"region": next(r for r in investor.regions if r in e.region)})
    if not out:
        out.append(_("Popular with investors of the park") if parts["popular"] > 0 else _("A park enterprise"))
    return tuple(out[:5])


_thesis_tokens: dict[str, list[str]] = {}


@functools.lru_cache(maxsize=4096)
def _whole_words(text: str) -> frozenset[str]:
    from parkos.search.text import normalise, tokenizer

    return frozenset(w for w in tokenizer().cut(normalise(text)) if len(w.strip()) >= 2)


def _thesis_vector(snap: Snapshot, investor: InvestorDoc) -> dict[str, float]:
    text = " ".join([investor.thesis, *investor.industry_names]).strip()
    if not text:
        return {}
    tokens = _thesis_tokens.get(text)
    if tokens is None:
        if len(_thesis_tokens) > 5000:  # a bound, not an LRU: theses change rarely
            _thesis_tokens.clear()
        tokens = _thesis_tokens[text] = tokens_of(text)
    return tfidf(tokens, snap.idf)


def rank_enterprises(snap: Snapshot, investor: InvestorDoc, *, exclude: Iterable[int] = (), k: int = 10,
                     reasons: bool = True) -> list[Match]:
    """The ``k`` enterprises that fit ``investor`` best, without those they invested in (and ``exclude``)."""
    hist = _history(snap, investor)
    skip = hist.own | set(exclude)
    thesis = _thesis_vector(snap, investor)
    pop_max = max(snap.popularity.values(), default=0)
    scored = []
    for e in snap.enterprises.values():
        if e.id in skip:
            continue
        score, parts = _pair(snap, investor, e, hist, thesis, pop_max)
        scored.append((score, e.id, parts))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out = []
    for score, eid, parts in scored[:k]:
        e = snap.enterprises[eid]
        out.append(Match(score=round(score, 4), reasons=_reasons(snap, investor, e, parts, hist, thesis) if reasons
                         else (), enterprise=e))
    return out


def rank_investors(snap: Snapshot, enterprise: EnterpriseDoc, investors: Sequence[InvestorDoc], *,
                   k: int = 10) -> list[Match]:
    """The ``k`` investors whose thesis and history fit ``enterprise`` best (those who already invested in
    it are left out: they know it)."""
    backers = snap.backers.get(enterprise.id, set())
    pop_max = max(snap.popularity.values(), default=0)
    scored = []
    for investor in investors:
        if investor.id in backers:
            continue
        hist = _history(snap, investor, only=enterprise.id)
        thesis = _thesis_vector(snap, investor)
        score, parts = _pair(snap, investor, enterprise, hist, thesis, pop_max)
        scored.append((score, investor, parts, hist, thesis))
    scored.sort(key=lambda x: (-x[0], x[1].id))
    return [Match(score=round(s, 4), reasons=_reasons(snap, inv, enterprise, parts, hist, thesis), investor=inv)
            for s, inv, parts, hist, thesis in scored[:k]]


def popularity_baseline(snap: Snapshot, *, exclude: Iterable[int] = (), k: int = 10) -> list[int]:
    """The most-invested enterprises (by number of parties), the benchmark's baseline."""
    skip = set(exclude)
    ranked = sorted(snap.enterprises, key=lambda e: (-snap.popularity.get(e, 0), e))
    return [e for e in ranked if e not in skip][:k]


# --- reading the database (set-based) ---------------------------------------------------------------

_token_cache: dict[int, tuple[Any, list[str]]] = {}
_token_lock = threading.Lock()
# The last corpus (idf and vectors) and the (id, updated_at) pairs it was built from.
_corpus: dict[str, Any] = {}


def _enterprise_text(row: Mapping[str, Any]) -> str:
    tags = row["tags"] if isinstance(row["tags"], list) else []
    return " ".join([row["description"] or "", " ".join(str(t) for t in tags), row["needs"] or "",
                     row["industry__name_zh"] or "", row["industry__parent__name_zh"] or ""])


def snapshot_load(*, enterprise_ids: Iterable[int] | None = None) -> Snapshot:
    """The active enterprises and every investment, in three queries (a fourth, the texts, when an
    enterprise changed since the last call: segmented texts and the TF-IDF corpus are cached per process
    by (enterprise id, updated_at))."""
    from parkos.enterprises.models import Enterprise
    from parkos.network.models import Disclosure, FinancingInvestor, FinancingRecord

    qs = Enterprise.objects.filter(is_active=True)
    if enterprise_ids is not None:
        qs = qs.filter(pk__in=list(enterprise_ids))
    rows = list(qs.values_list("id", "name", "name_en", "industry_id", "industry__parent_id", "industry__name_zh",
                               "industry__name_en", "stage", "updated_at", "park__name", "park__address"))
    last_round: dict[int, int] = {}
    for eid, fen in (FinancingRecord.objects.filter(disclosure=Disclosure.DISCLOSED)
                     .order_by("enterprise_id", "announced_on", "id").values_list("enterprise_id", "amount_cny_fen")):
        last_round[eid] = fen // 1_000_000  # fen -> ten thousand yuan
    investments = list(map(Investment._make, FinancingInvestor.objects.order_by("id").values_list(
        "record_id", "record__enterprise_id", "investor_id", "fund_id")))
    top_of = {r[3]: r[4] or r[3] for r in rows}
    docs = [EnterpriseDoc(id=r[0], name=r[1], name_en=r[2], industry_id=r[3], top_industry_id=r[4] or r[3],
                          industry_name_zh=r[5], industry_name_en=r[6], stage=r[7], region=f"{r[9]} {r[10]}",
                          round_wan=last_round.get(r[0])) for r in rows]
    key = hash(tuple((r[0], r[8]) for r in rows))
    with _token_lock:
        if _corpus.get("key") != key:
            tokens: dict[int, list[str]] = {}
            for row in qs.values("id", "updated_at", "description", "tags", "needs", "industry__name_zh",
                                 "industry__parent__name_zh"):
                cached = _token_cache.get(row["id"])
                if cached is None or cached[0] != row["updated_at"]:
                    cached = (row["updated_at"], tokens_of(_enterprise_text(row)))
                    _token_cache[row["id"]] = cached
                tokens[row["id"]] = cached[1]
            built = snapshot_build(enterprises=docs, tokens=tokens, investments=(), top_of=top_of)
            _corpus.update(key=key, idf=built.idf, vectors=built.vectors)
        idf, vectors = _corpus["idf"], _corpus["vectors"]
        investments_key = hash(tuple(investments))
        derived = _corpus.get("derived") if _corpus.get("investments_key") == investments_key else None
    snap = Snapshot(enterprises={d.id: d for d in docs}, vectors=vectors, idf=idf, investments=investments,
                    top_of=top_of, derived=derived)
    if derived is None:
        with _token_lock:
            _corpus.update(investments_key=investments_key, derived=(
                snap.by_investor, snap.by_fund, snap.backers, snap.co_investors, snap.popularity))
    return snap


def investor_docs(qs: Any) -> list[InvestorDoc]:
    """Investors of ``qs`` as the matcher reads them: two queries (the rows, their industries)."""
    from parkos.network.models import Investor

    rows = list(qs.values("id", "user_id", "user__display_name", "fund_id", "fund__name_zh", "fund__name_en",
                          "title", "thesis", "stages", "regions", "ticket_min_wan", "ticket_max_wan"))
    through = Investor.industries.through
    industries: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for inv_id, ind_id, parent_id, name_zh, name_en in through.objects.filter(
            investor_id__in=[r["id"] for r in rows]).values_list(
            "investor_id", "industry_id", "industry__parent_id", "industry__name_zh", "industry__name_en"):
        industries[inv_id].append((ind_id, parent_id or ind_id, localized(name_zh, name_en)))
    out = []
    for r in rows:
        inds = industries.get(r["id"], [])
        out.append(InvestorDoc(
            id=r["id"], user_id=r["user_id"], name=r["user__display_name"], fund_id=r["fund_id"],
            fund_name=localized(r["fund__name_zh"] or "", r["fund__name_en"] or "") if r["fund_id"] else "",
            title=r["title"], industries=frozenset(i for i, _t, _n in inds),
            top_industries=frozenset(t for _i, t, _n in inds), industry_names=tuple(n for _i, _t, n in inds),
            stages=tuple(s for s in (r["stages"] or []) if isinstance(s, str)),
            regions=tuple(s for s in (r["regions"] or []) if isinstance(s, str)),
            ticket_min_wan=r["ticket_min_wan"], ticket_max_wan=r["ticket_max_wan"], thesis=r["thesis"] or ""))
    return out


def _limit(limit: int) -> int:
    if not 1 <= limit <= LIMIT_MAX:
        raise Invalid(_("Ask for 1 to %(max)d matches.") % {"max": LIMIT_MAX}, code=ErrorCode.OUT_OF_RANGE,
                      details={"limit": [_("Ask for 1 to %(max)d matches.") % {"max": LIMIT_MAX}]})
    return limit


def enterprises_for_investor(*, viewer: Any, investor: Any, limit: int = 10) -> list[Match]:
    """The active enterprises that fit ``investor``'s thesis, best first, without those they invested in.
    Only the investor themselves (with the investor role) asks: an investor's matches read their history,
    which is theirs. No profile, or a profile without a thesis: nothing to match (an empty list)."""
    from parkos.network.models import Investor

    policy.require(viewer, "network.match.as_investor")
    limit = _limit(limit)
    if investor is None:
        return []
    if investor.user_id != getattr(viewer, "pk", None):
        raise Forbidden()
    doc = investor_docs(Investor.objects.filter(pk=investor.pk))[0]
    if not doc.has_thesis:
        return []
    return rank_enterprises(snapshot_load(), doc, k=limit)


def investor_has_thesis(investor: Any) -> bool:
    if investor is None:
        return False
    return bool(investor.thesis.strip() or investor.stages or investor.industries.exists())


def listed_investors() -> Any:
    """Investors an enterprise may be matched with: listed, accepting introductions, still investors."""
    from parkos.network.models import Investor

    return (Investor.objects.filter(is_listed=True, accepts_introductions=True, user__is_active=True,
                                    user__role_grants__role=policy.INVESTOR)
            .distinct().order_by("id"))


def investors_for_enterprise(*, viewer: Any, enterprise: Any, limit: int = 10) -> list[Match]:
    """The listed investors who accept introductions and fit ``enterprise``, best first. Its staff, its
    butler and the park's operators ask; an inactive enterprise has no matches."""
    policy.require(viewer, "network.match.as_enterprise", enterprise)
    limit = _limit(limit)
    if not enterprise.is_active:
        return []
    snap = snapshot_load()
    doc = snap.enterprises.get(enterprise.pk)
    if doc is None:
        return []
    investors = [i for i in investor_docs(listed_investors()) if i.has_thesis]
    return rank_investors(snap, doc, investors, k=limit)


def investor_of(user: Any) -> Any:
    """The viewer's investor profile, or None."""
    from parkos.network.models import Investor

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Investor.objects.filter(user=user).select_related("fund").first()


__all__ = ["EnterpriseDoc", "Investment", "InvestorDoc", "Match", "Snapshot", "enterprises_for_investor",
           "investor_docs", "investor_has_thesis", "investor_of", "investors_for_enterprise", "listed_investors", "popularity_baseline",
           "rank_enterprises", "rank_investors", "snapshot_build", "snapshot_load"]
