"""The resource-linking recommender: which services to propose to an enterprise, and why.

Four signals, each scaled to [0, 1] and blended with fixed weights (``WEIGHTS``, tuned on
bench/recommend.py's histories; the bench reports hit-rate@10 and MRR against popularity, both for
enterprises with a history and for newcomers):

- ``also``: item-to-item co-occurrence. Two services are similar by the cosine of the sets of
  enterprises that ordered them; a candidate scores the summed similarity to what the enterprise
  ordered, the most recent orders counting more (bundles are ordered in sequence). Half of the
  signal pools the variants of a service (same name but the bracketed tier or provider) into one
  family, since item pairs are sparse. ``implicit``'s ALS, measured on the same split by the bench,
  did worse at this size (about a thousand enterprises, 600 items, ~15 orders each); co-occurrence
  is also exact, deterministic and fits in a few seconds.
- ``peers``: what enterprises of the same industry and stage ordered, shrunk towards the industry,
  then towards the whole park, so a small segment does not propose its one odd order.
- ``need``: the enterprise's stated needs and profile, segmented like the search index
  (``parkos.search.text``), against each service's name, tags and description, idf-weighted.
- ``popular``: the park-wide share of enterprises that ordered it (a weak prior).

The reason shown for a proposal is the signal that contributed most to its score.

Whatever the blend says, a service made for another industry is not proposed (a medical-device
registration test to a solar start-up): its name or tags name an industry's own terms
(``INDUSTRY_TERMS``), or enough enterprises ordered it and none of them was of this industry while
chance would have given several (``OFF_INDUSTRY_EXPECTED``). Both give way when the enterprise's
stated needs name the service's field.

The fitted model is cached per process for ``CACHE_SECONDS``; ``fit`` is pure (arrays in, arrays
out) so the bench and the tests run it on histories that never touch the database.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from scipy import sparse

CACHE_SECONDS = 600.0
RECENT_DAYS = 180  # a service ordered this recently (or still open) is not proposed again
SHRINK = 8.0  # pseudo-enterprises pulling a segment's rates towards its parent's
RECENT_BOOST = (3.0, 2.0, 1.5)
FAMILY_SHARE = 0.5  # of the ``also`` signal that comes from co-occurrence of service families  # weight of the last, second-last, third-last orders in ``also``
# Words every request and service description has: never a match on their own, never a reason.
GENERIC_WORDS = frozenset({"我们", "需要", "申请", "服务", "企业", "公司", "办理", "协助", "希望", "相关", "方面", "支持",
                           "进行", "提供", "园区", "帮助", "一个", "目前", "正在", "计划", "寻找", "近期"})
# With a history, co-occurrence carries the ranking; without one, peers lead and stated needs lift
# what matches them. Tuned on both the generated park and the bench's synthetic histories.
WEIGHTS = {"also": 1.0, "peers": 0.5, "need": 0.15, "popular": 0.02}
# Words that make a service one industry's own (top-level industry codes of enterprises/data/industries.json).
# Only fields whose services make no sense elsewhere: a robot test field still serves an AI start-up.
INDUSTRY_TERMS: dict[str, tuple[str, ...]] = {
    "medtech": ("医疗器械", "生物医药", "医药", "药品", "临床", "体外诊断", "13485", "GMP", "洁净车间"),
    "energy": ("光伏", "储能", "新能源", "充电桩", "氢能"),
}
# Ordered by enterprises of other industries only, while this industry's share of the park would have given at
# least this many of its orderers: the service is another industry's (chance of a false alarm under 1%).
OFF_INDUSTRY_EXPECTED = 5.0


@dataclass(frozen=True)
class ServiceDoc:
    """What the recommender knows of a service: its text and who may order it."""

    id: int
    name: str
    text: str  # name, tags and description
    eligibility: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    park_id: int | None = None  # a park-only service: proposed to that park's enterprises only

    @property
    def industries(self) -> frozenset[str]:
        """The industries whose own terms the name or tags carry (empty: a service for everyone)."""
        text = f"{self.name} {' '.join(self.tags)}"
        return frozenset(code for code, terms in INDUSTRY_TERMS.items() if any(t in text for t in terms))


@dataclass(frozen=True)
class Profile:
    """What the recommender knows of an enterprise."""

    industry: str  # top-level industry code
    stage: str
    needs: str = ""
    industries: frozenset[str] = frozenset()  # its industry and the top-level parent (eligibility)
    in_park: bool = True


@dataclass(frozen=True)
class Candidate:
    service_id: int
    score: float
    reason: str  # "also" | "peers" | "industry" | "need" | "popular"
    detail: str = ""  # the service it goes with (also) or the matched word (need)


@dataclass
class Model:
    service_ids: np.ndarray
    column: dict[int, int]
    docs: list[ServiceDoc]
    similarity: np.ndarray  # items x items cosine, zero diagonal
    family_similarity: np.ndarray  # items x items: their families' cosine, times the item's share of its family
    popularity: np.ndarray  # share of enterprises that ordered each item
    segment_rates: dict[tuple[str, str], np.ndarray]
    industry_rates: dict[str, np.ndarray]
    segment_sizes: dict[tuple[str, str], int]
    industry_sizes: dict[str, int]
    tokens: list[dict[str, float]]  # per item: token -> weight (idf x field weight)
    idf: dict[str, float]
    names: dict[int, str]
    enterprises: int
    industry_orderers: dict[str, np.ndarray] = field(default_factory=dict)  # per top industry: its orderers of each item
    industry_share: dict[str, float] = field(default_factory=dict)  # per top industry: its share of the enterprises
    fitted_at: float = field(default_factory=time.monotonic)


def family_of(name: str) -> str:
    """A service's family: its name without the variant in brackets (代理记账（季度）→ 代理记账). Variants
    of one service by several providers or tiers share their family's co-occurrences."""
    for mark in ("（", "("):
        name = name.split(mark, 1)[0]
    return name.strip()


def tokens_of(text: str) -> list[str]:
    """The search index's tokens for ``text`` (jieba words, CJK bigrams, stemmed Latin words)."""
    from parkos.search.text import segment

    return [t for t in segment(text).split() if len(t) >= 2 and t not in GENERIC_WORDS]


def words_of(text: str) -> list[str]:
    """Whole words only (no bigrams), for the reason a proposal is shown with."""
    from parkos.search.text import normalise, tokenizer

    return [w for w in tokenizer().cut_for_search(normalise(text)) if len(w.strip()) >= 2 and w not in GENERIC_WORDS]


def fit(*, interactions: Iterable[tuple[int, int]], profiles: dict[int, Profile], services: Sequence[ServiceDoc]) -> Model:
    """Fit on (enterprise id, service id) pairs; repeated pairs count once."""
    docs = list(services)
    ids = np.array([d.id for d in docs], dtype=np.int64)
    column = {int(sid): i for i, sid in enumerate(ids)}
    pairs = {(e, column[s]) for e, s in interactions if s in column}
    enterprise_ids = sorted({e for e, _ in pairs} | set(profiles))
    row = {e: i for i, e in enumerate(enterprise_ids)}
    n_items, n_ents = len(docs), max(len(enterprise_ids), 1)
    if pairs:
        r, c = zip(*((row[e], i) for e, i in pairs), strict=True)
        matrix = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(enterprise_ids), n_items))
    else:
        matrix = sparse.csr_matrix((len(enterprise_ids), n_items), dtype=np.float32)
    co = (matrix.T @ matrix).toarray().astype(np.float32)
    counts = np.diag(co).copy()
    norm = np.sqrt(np.maximum(counts, 1.0))
    similarity = co / norm[:, None] / norm[None, :]
    np.fill_diagonal(similarity, 0.0)
    popularity = counts / n_ents
    # The same at family level (sparse item pairs pooled over variants), spread back over each family's
    # items in proportion to how often each was chosen.
    families = sorted({family_of(d.name) for d in docs})
    fam_index = {f: i for i, f in enumerate(families)}
    fam_of = np.array([fam_index[family_of(d.name)] for d in docs], dtype=np.int64)
    member = sparse.csr_matrix((np.ones(n_items, dtype=np.float32), (np.arange(n_items), fam_of)),
                               shape=(n_items, len(families)))
    fam_matrix = (matrix @ member).minimum(1.0)
    fam_co = (fam_matrix.T @ fam_matrix).toarray().astype(np.float32)
    fam_counts = np.diag(fam_co).copy()
    fam_norm = np.sqrt(np.maximum(fam_counts, 1.0))
    fam_sim = fam_co / fam_norm[:, None] / fam_norm[None, :]
    np.fill_diagonal(fam_sim, 0.0)
    share = (counts + 1.0) / (fam_counts[fam_of] + np.bincount(fam_of, minlength=len(families))[fam_of])
    family_similarity = fam_sim[np.ix_(fam_of, fam_of)] * share[None, :]

    by_industry: dict[str, list[int]] = defaultdict(list)
    by_segment: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e, p in profiles.items():
        if e in row:
            by_industry[p.industry].append(row[e])
            by_segment[(p.industry, p.stage)].append(row[e])
    industry_rates: dict[str, np.ndarray] = {}
    industry_sizes: dict[str, int] = {}
    industry_orderers: dict[str, np.ndarray] = {}
    for key, rows in by_industry.items():
        summed = np.asarray(matrix[rows].sum(axis=0)).ravel()
        industry_orderers[key] = summed.astype(np.float32)
        industry_rates[key] = (summed + SHRINK * popularity) / (len(rows) + SHRINK)
        industry_sizes[key] = len(rows)
    profiled = max(sum(industry_sizes.values()), 1)
    industry_share = {key: size / profiled for key, size in industry_sizes.items()}
    segment_rates: dict[tuple[str, str], np.ndarray] = {}
    segment_sizes: dict[tuple[str, str], int] = {}
    for seg, rows in by_segment.items():
        summed = np.asarray(matrix[rows].sum(axis=0)).ravel()
        segment_rates[seg] = (summed + SHRINK * industry_rates[seg[0]]) / (len(rows) + SHRINK)
        segment_sizes[seg] = len(rows)

    # Text: tokens of name and tags weigh double those of the description.
    item_tokens: list[dict[str, float]] = []
    df: Counter[str] = Counter()
    for d in docs:
        weights: dict[str, float] = defaultdict(float)
        for t in tokens_of(f"{d.name} {' '.join(d.tags)}"):
            weights[t] = 2.0
        for t in tokens_of(d.text):
            weights[t] = max(weights[t], 1.0)
        item_tokens.append(weights)
        df.update(weights.keys())
    idf = {t: math.log((n_items + 1) / (n + 0.5)) for t, n in df.items()}
    tokens = [{t: w * idf[t] for t, w in weights.items()} for weights in item_tokens]
    return Model(ids, column, docs, similarity, family_similarity.astype(np.float32), popularity.astype(np.float32), segment_rates, industry_rates,
                 segment_sizes, industry_sizes, tokens, idf, {d.id: d.name for d in docs}, len(enterprise_ids),
                 industry_orderers, industry_share)


def off_industry(model: Model, i: int, profile: Profile) -> bool:
    """Whether item ``i`` is another industry's service for this enterprise (see the module's docstring)."""
    doc = model.docs[i]
    own = doc.industries
    if own:
        stated = any(term in profile.needs for code in own for term in INDUSTRY_TERMS[code])
        return profile.industry not in own and not stated
    ours = model.industry_orderers.get(profile.industry)
    if ours is None or ours[i] > 0:
        return False
    orderers = float(model.popularity[i]) * model.enterprises
    if orderers * model.industry_share.get(profile.industry, 0.0) < OFF_INDUSTRY_EXPECTED:
        return False
    # Stated needs naming the service itself open it again (a solar start-up moving into medical devices).
    return not any(word in doc.name for word in words_of(profile.needs)) if profile.needs.strip() else True


def eligible(spec: Any, profile: Profile) -> bool:
    """The catalog's eligibility rules (selectors/catalog.py ``ineligibility_reasons``), without queries."""
    if not isinstance(spec, dict):
        return True
    if spec.get("tenant_only") and not profile.in_park:
        return False
    stages = [str(s) for s in spec.get("stages") or []]
    if stages and profile.stage not in stages:
        return False
    industries = {str(i) for i in spec.get("industries") or []}
    codes = profile.industries or frozenset({profile.industry})
    return not (industries and not (codes & industries))


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def recommend(model: Model, *, profile: Profile, history: Sequence[int] = (), exclude: Iterable[int] = (),
              k: int = 10, signals: Sequence[str] | None = None) -> list[Candidate]:
    """The top ``k`` services for an enterprise. ``history`` is what it ordered, oldest first;
    ``exclude`` what must not be proposed (open or recent orders). ``signals`` limits the blend
    (the bench measures each signal alone)."""
    n = len(model.docs)
    if n == 0:
        return []
    use = set(signals or WEIGHTS)
    parts: dict[str, np.ndarray] = {}
    owned = [model.column[s] for s in history if s in model.column]
    anchor = np.full(n, -1, dtype=np.int64)
    if "also" in use and owned:
        weights: dict[int, float] = defaultdict(float)
        for age, col in enumerate(reversed(owned)):
            boost = RECENT_BOOST[age] if age < len(RECENT_BOOST) else 1.0
            weights[col] = max(weights[col], boost)
        cols = np.array(list(weights), dtype=np.int64)
        boosts = np.array(list(weights.values()), dtype=np.float32)[:, None]
        contrib = model.similarity[cols] * boosts
        pooled = model.family_similarity[cols] * boosts
        parts["also"] = (1 - FAMILY_SHARE) * _scaled(contrib.sum(axis=0)) + FAMILY_SHARE * _scaled(pooled.sum(axis=0))
        contrib = contrib + pooled
        anchor = cols[contrib.argmax(axis=0)]
    if "peers" in use:
        seg = model.segment_rates.get((profile.industry, profile.stage))
        if seg is None:
            seg = model.industry_rates.get(profile.industry, model.popularity)
        parts["peers"] = _scaled(seg.astype(np.float32))
    matched: dict[int, str] = {}
    if "need" in use and profile.needs.strip():
        need_tokens = set(tokens_of(profile.needs))
        need_words = sorted(set(words_of(profile.needs)), key=lambda w: (-len(w), w))
        scores = np.zeros(n, dtype=np.float32)
        for i, item in enumerate(model.tokens):
            common = need_tokens.intersection(item)
            if common:
                scores[i] = sum(item[t] for t in common)
                word = max((w for w in need_words if w in item), key=lambda w: model.idf.get(w, 0.0) * len(w),
                           default="")
                if word:
                    matched[i] = word
        parts["need"] = _scaled(scores)
    if "popular" in use:
        parts["popular"] = _scaled(model.popularity)
    total = np.zeros(n, dtype=np.float32)
    for name, values in parts.items():
        total += WEIGHTS[name] * values
    blocked = {model.column[s] for s in exclude if s in model.column}
    order = np.lexsort((model.service_ids, -total))  # ties broken by service id: deterministic
    out: list[Candidate] = []
    for i in order:
        i = int(i)
        if i in blocked or total[i] <= 0 or not eligible(model.docs[i].eligibility, profile) \
                or off_industry(model, i, profile):
            continue
        reason, detail = _reason(model, parts, i, profile, anchor, matched)
        out.append(Candidate(int(model.service_ids[i]), round(float(total[i]), 4), reason, detail))
        if len(out) >= k:
            break
    return out


def _reason(model: Model, parts: dict[str, np.ndarray], i: int, profile: Profile, anchor: np.ndarray,
            matched: dict[int, str]) -> tuple[str, str]:
    best = max(parts, key=lambda name: (WEIGHTS[name] * float(parts[name][i]), name))
    if best == "need" and i in matched:
        return "need", matched[i]
    if best == "also" and anchor[i] >= 0:
        return "also", model.names.get(int(model.service_ids[anchor[i]]), "")
    if best in ("peers", "need", "also"):
        if (profile.industry, profile.stage) in model.segment_rates and \
                model.segment_sizes.get((profile.industry, profile.stage), 0) >= 3:
            return "peers", ""
        return "industry", ""
    return "popular", ""


def popularity_baseline(model: Model, *, exclude: Iterable[int] = (), k: int = 10) -> list[int]:
    """The most-ordered services park-wide (the bench's baseline)."""
    blocked = {model.column[s] for s in exclude if s in model.column}
    order = np.lexsort((model.service_ids, -model.popularity))
    return [int(model.service_ids[i]) for i in order if int(i) not in blocked][:k]


# --- the database side: the process-wide model and proposals for one enterprise -------------------

_lock = threading.Lock()
_cached: Model | None = None


def model_reset() -> None:
    """Forget the cached model (tests; after a bulk import of orders)."""
    global _cached
    with _lock:
        _cached = None


def _top_industry(industry: Any) -> tuple[str, frozenset[str]]:
    codes = {industry.code}
    top = industry.code
    if industry.parent_id:
        codes.add(industry.parent.code)
        top = industry.parent.code
    return top, frozenset(codes)


def profile_of(enterprise: Any) -> Profile:
    top, codes = _top_industry(enterprise.industry)
    needs = " ".join(x for x in (enterprise.needs, " ".join(enterprise.tags or [])) if x)
    return Profile(industry=top, stage=enterprise.stage, needs=needs, industries=codes,
                   in_park=bool(enterprise.building_id))


def model_get() -> Model:
    """The fitted model, refitted at most every ``CACHE_SECONDS`` per process."""
    global _cached
    model = _cached
    if model is not None and time.monotonic() - model.fitted_at < CACHE_SECONDS:
        return model
    with _lock:
        if _cached is None or time.monotonic() - _cached.fitted_at >= CACHE_SECONDS:
            _cached = _fit_from_database()
        return _cached


def _fit_from_database() -> Model:
    from parkos.catalog.models import Service, ServiceOrder
    from parkos.enterprises.models import Enterprise

    services = [
        ServiceDoc(id=s["pk"], name=s["name_zh"], text=f"{s['description_zh']} {' '.join(s['tags'] or [])}",
                   eligibility=s["eligibility"] if isinstance(s["eligibility"], dict) else {},
                   tags=tuple(str(t) for t in s["tags"] or []), park_id=s["park_id"])
        for s in Service.objects.filter(is_active=True, provider__is_active=True)
        .values("pk", "name_zh", "description_zh", "tags", "eligibility", "park_id")
    ]
    pairs = list(ServiceOrder.objects.exclude(status__in=("cancelled", "rejected"))
                 .values_list("enterprise_id", "service_id").distinct())
    profiles = {
        e["pk"]: Profile(industry=e["industry__parent__code"] or e["industry__code"], stage=e["stage"])
        for e in Enterprise.objects.filter(is_active=True).values("pk", "stage", "industry__code",
                                                                   "industry__parent__code")
    }
    return fit(interactions=pairs, profiles=profiles, services=services)


def proposals_for(enterprise: Any, *, k: int = 10, model: Model | None = None) -> list[Candidate]:
    """Proposals for one enterprise: its history, minus open and recent orders. Two queries."""
    from django.utils import timezone

    from parkos.catalog.models import OPEN_STATUSES, ServiceOrder

    model = model or model_get()
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    rows = list(ServiceOrder.objects.filter(enterprise=enterprise).exclude(status__in=("cancelled", "rejected"))
                .order_by("submitted_at", "id").values_list("service_id", "status", "submitted_at"))
    history = [sid for sid, _status, _at in rows]
    exclude = {sid for sid, status, at in rows if status in OPEN_STATUSES or at >= since}
    # Another park's own services are not offered to this enterprise.
    park_id = getattr(enterprise, "park_id", None)
    exclude |= {d.id for d in model.docs if d.park_id is not None and d.park_id != park_id}
    return recommend(model, profile=profile_of(enterprise), history=history, exclude=exclude, k=k)


def reason_text(candidate: Candidate, *, enterprise: Any = None) -> str:
    """The one line shown with a proposal, in the current language (at most 200 characters)."""
    from django.utils.translation import gettext as _

    if candidate.reason == "need":
        text = _("Matches your stated need: %(word)s") % {"word": candidate.detail}
    elif candidate.reason == "also":
        text = _("Enterprises that used %(service)s also used this") % {"service": candidate.detail}
    elif candidate.reason == "peers" and enterprise is not None:
        text = _("Enterprises like yours at this stage (%(industry)s, %(stage)s) used this") % {
            "industry": enterprise.industry.name, "stage": enterprise.get_stage_display()}
    elif candidate.reason == "peers":
        text = _("Enterprises like yours at this stage used this")
    elif candidate.reason == "industry":
        text = _("Popular in your industry")
    else:
        text = _("Popular across the park")
    return text
