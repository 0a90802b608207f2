"""The demo parks' suggestions to the park (建言献策) and the starter word list, in Chinese: most to the
default park, a few to the second park "yizhuang" (answered by its own operator, operator-yz).

Written through the models with the state machine's own order of moves (received → under review
→ accepted / declined → in progress → done) so the board, the clock and the figures look like a
year of real use. Seeding sends no notifications and is not rate-limited. Idempotent: a suggestion
is keyed by (author, title), a word by its text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from parkos.community.demo.parks import demo_parks
from parkos.community.models import (
    SensitiveWord,
    Suggestion,
    SuggestionProgress,
    SuggestionReply,
    SuggestionSettings,
    SuggestionState,
    SuggestionSupport,
    WordAction,
)
from parkos.core import workdays

S = SuggestionState
WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "sensitive_words.txt"

# (author key, category, title, body, final state, replies per step, progress steps, supports, days ago)
SUGGESTIONS: list[tuple[str, str, str, str, str, list[str], list[tuple[int, str]], int, int]] = [
    ("member", "canteen", "食堂晚餐供应延长到 20:00",
     "研发同事加班多，18:30 以后食堂基本没有热菜了，建议晚餐延长到 20:00，哪怕只开一个窗口。",
     S.DONE, ["已转后勤部评估，正在统计晚间就餐人数。", "采纳。经统计晚间就餐约 260 人，下月起二楼 3 号窗口供应到 20:00。",
              "与餐饮供应商完成补充协议，人员排班已确定。", "已于 3 月 1 日上线，欢迎大家反馈菜品。"],
     [(40, "完成晚间就餐人数统计"), (80, "签订补充协议、确定排班"), (100, "3 号窗口延长供应上线")], 86, 120),
    ("admin", "traffic", "地铁站到园区增加高峰接驳车",
     "早高峰从地铁 B 口走到 A1 栋要 20 分钟，建议 8:00–9:30 每 10 分钟一班接驳车。",
     S.IN_PROGRESS, ["已联系公交公司，评估线路与车辆。", "采纳。园区将开通高峰接驳专线。", "车辆招标中，预计下月试运行。"],
     [(30, "完成线路勘察"), (55, "发布车辆招标公告")], 142, 60),
    ("investor", "facilities", "中央花园增加遮阳座椅",
     "夏天中午在中央花园没有遮阴的地方可以坐，建议增加带遮阳棚的座椅。",
     S.ACCEPTED, ["物业正在评估位置和预算。", "采纳，计划在喷泉周边增加 12 组遮阳座椅。"], [], 47, 30),
    ("merchant", "services", "园区快递柜增加冷藏格口", "生鲜快递经常放在前台一下午，建议快递柜增加冷藏格口。",
     S.UNDER_REVIEW, ["已转物业与快递柜运营方评估。"], [], 31, 12),
    ("member", "safety", "B 栋到地铁口的小路夜间加装路灯", "晚上九点以后那段路很暗，女同事下班不太安全。",
     S.RECEIVED, [], [], 34, 9),
    ("butler", "events", "每月举办一次园区企业开放日", "让园区企业之间多了解彼此的产品，也方便找合作伙伴。",
     S.DECLINED, ["感谢建议。园区已有每季度一次的“产业对接会”，且月度频率对企业负担较大，暂不采纳；欢迎在对接会中提出具体需求。"],
     [], 12, 45),
    ("member", "other", "园区 App 增加深色模式", "晚上加班看手机太亮了。", S.RECEIVED, [], [], 6, 2),
]
# The second park's board (same shape; answered by its operator).
SECOND_PARK_SUGGESTIONS: list[tuple[str, str, str, str, str, list[str], list[tuple[int, str]], int, int]] = [
    ("admin", "traffic", "Y1 栋门口增设共享单车停放点",
     "从亦庄线地铁站骑车过来，Y1 栋门口没有停车点，车都堆在消防通道上。",
     S.ACCEPTED, ["已与物业勘察位置。", "采纳，将在 Y1 栋东侧划设停放区并安装电子围栏。"], [], 38, 20),
    ("member", "canteen", "中试基地增加夜宵档口", "Y2 中试线两班倒，夜班同事晚上十点后没有地方吃饭。",
     S.UNDER_REVIEW, ["已转后勤评估夜班就餐人数。"], [], 17, 8),
    ("investor", "facilities", "Y2 栋增设母婴室", "园区年轻父母越来越多，Y2 栋目前没有母婴室。", S.RECEIVED, [], [], 9, 3),
]


def _words() -> int:
    added = 0
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _tab, action = line.partition("\t")
        action = action.strip() if action.strip() in WordAction.values else WordAction.HOLD
        _obj, created = SensitiveWord.objects.get_or_create(word=word.strip(), defaults={"action": action})
        added += created
    return added


def seed(ctx: Any) -> None:
    rng = ctx.rng("community.suggestions")
    added = _words()
    SuggestionSettings.load()
    main, second = demo_parks(ctx)
    conf = SuggestionSettings.load()
    now = timezone.now()
    rows = [(main, ctx.people.get("operator"), row) for row in SUGGESTIONS]
    rows += [(second, ctx.people.get("operator-yz") or ctx.people.get("operator"), row)
             for row in SECOND_PARK_SUGGESTIONS]
    for park, operator, (key, category, title, body, final, replies, progress, supports, days_ago) in rows:
        author = ctx.people.get(key) or ctx.members[0]
        if Suggestion.objects.filter(author=author, title=title).exists():
            continue
        created = now - timedelta(days=days_ago)
        s = Suggestion.objects.create(author=author, park=park, title=title, body=body, category=category,
                                      created_at=created, state_changed_at=created)
        added += 1
        fans = [m for m in rng.sample(ctx.members, min(supports, len(ctx.members))) if m.pk != author.pk]
        SuggestionSupport.objects.bulk_create([SuggestionSupport(suggestion=s, user=m) for m in fans],
                                              ignore_conflicts=True)
        s.support_count = SuggestionSupport.objects.filter(suggestion=s).count()
        if s.support_count >= conf.support_threshold:
            s.threshold_reached_at = created + timedelta(days=1)
            s.reply_due = workdays.add_workdays(s.threshold_reached_at, conf.reply_workdays)
        paths: dict[str, list[str]] = {S.RECEIVED: [], S.UNDER_REVIEW: [S.UNDER_REVIEW], S.ACCEPTED: [S.UNDER_REVIEW, S.ACCEPTED],
                S.DECLINED: [S.DECLINED], S.IN_PROGRESS: [S.UNDER_REVIEW, S.ACCEPTED, S.IN_PROGRESS],
                S.DONE: [S.UNDER_REVIEW, S.ACCEPTED, S.IN_PROGRESS, S.DONE]}
        path = paths[final]
        state: str = S.RECEIVED
        at = created
        for step, text in zip(path, replies, strict=False):
            at = at + timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 6))
            at = min(at, now)
            SuggestionReply.objects.create(suggestion=s, author=operator, from_state=state, to_state=step, body=text,
                                           created_at=at)
            s.first_reply_at = s.first_reply_at or at
            state = step
        s.state, s.state_changed_at = state, at
        for i, (pct, note) in enumerate(progress):
            day = (created + timedelta(days=10 + 12 * i)).date()
            SuggestionProgress.objects.create(suggestion=s, percent=pct, note=note, author=operator,
                                              happened_on=min(day, timezone.localdate()))
            s.progress = pct
        s.save()
    ctx.added["suggestions"] = ctx.added.get("suggestions", 0) + added
