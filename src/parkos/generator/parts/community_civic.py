"""Suggestions to the park (建言献策) over the park-year: ~600 suggestions, their supports, official
replies through the state machine's order of moves, progress of accepted ones, the settings rows
and a starter sensitive-word list. Bulk inserts only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from parkos.accounts.models import Role
from parkos.core import workdays
from parkos.generator.registry import YEAR_END, Context, part

SUGGESTIONS = 600
THRESHOLD = 30
REPLY_WORKDAYS = 5
CATEGORIES = {"facilities": 24, "services": 16, "events": 12, "safety": 10, "canteen": 18, "traffic": 14, "other": 6}
SUBJECTS = {
    "facilities": ["中央花园增加遮阳座椅", "A 区卫生间增加母婴室", "健身房延长开放时间", "会议室增加投屏设备",
                   "园区增加自行车停放棚", "楼顶花园开放午休", "增加直饮水机"],
    "services": ["快递柜增加冷藏格口", "园区 App 支持在线报修进度查询", "增加工牌补办自助机", "物业报修响应提速",
                 "人才公寓增加洗衣房"],
    "events": ["每月举办一次企业开放日", "组织园区篮球联赛", "增加亲子活动", "举办技术沙龙", "春节前办园区市集"],
    "safety": ["B 栋到地铁口夜间加装路灯", "地下车库增加反光镜", "十字路口增加减速带", "消防通道清理杂物"],
    "canteen": ["食堂晚餐延长到 20:00", "增加素食窗口", "食堂支持线上预订", "午餐高峰增开窗口", "增加清真窗口"],
    "traffic": ["地铁站到园区增加高峰接驳车", "增加充电桩", "访客车辆预约入园", "优化早高峰东门通行"],
    "other": ["园区 App 增加深色模式", "增设园区意见箱", "公共区域增加绿植"],
}
BODIES = ["加班的同事经常遇到这个问题，希望园区考虑。", "很多同事都有同样的需求，附近园区已经有类似做法。",
          "早晚高峰尤其明显，建议先试点一个月看看效果。", "可以先做个问卷，看看大家的意见。"]
REPLIES = {
    "under_review": "已转相关部门评估，预计两周内给出结论。",
    "accepted": "采纳。已列入本季度改进计划。",
    "declined": "感谢建议。经评估，受场地与预算限制暂不采纳，我们会在条件具备时重新考虑。",
    "in_progress": "已启动实施，进度会在这里持续更新。",
    "done": "已完成，欢迎大家体验并继续反馈。",
}
PATHS = {"received": [], "under_review": ["under_review"], "accepted": ["under_review", "accepted"],
         "declined": ["under_review", "declined"], "in_progress": ["under_review", "accepted", "in_progress"],
         "done": ["under_review", "accepted", "in_progress", "done"]}
WORDS = [("傻逼", "block"), ("sb", "block"), ("代开发票", "hold"), ("办证", "hold"), ("刷单", "hold"),
         ("赌博", "hold"), ("网贷", "hold")]


def member_parks(ctx: Context) -> dict[int, int]:
    """Each employed member's park (their enterprise's, from the enterprises part); others are in park 1
    (the default), where a member without an enterprise lands too."""
    cached: dict[int, int] | None = ctx.shared.get("member_park")
    if cached is not None:
        return cached
    enterprise_park: dict[int, int] = ctx.shared.get("enterprise_park", {})
    out: dict[int, int] = {}
    for index, users in enumerate(ctx.shared.get("staff", [])):
        park = enterprise_park.get(index + 1, 1)
        for user in users:
            out[user] = park
    ctx.shared["member_park"] = out
    return out


def _rows(f: float) -> int:
    n = max(1, round(SUGGESTIONS * f))
    return n * 20


@part("community_civic", after=("members", "roles", "enterprises"),
      models=("community.Suggestion", "community.SuggestionSupport", "community.SuggestionReply",
              "community.SuggestionProgress", "community.SuggestionSettings", "community.ModerationSettings",
              "community.SensitiveWord"), rows=_rows)
def community_civic(ctx: Context) -> int:
    rng = ctx.rng
    members = list(ctx.ids["members"])
    operators = list(ctx.shared.get("role_holders", {}).get(Role.OPERATOR, [])) or members[:1]
    # A suggestion goes to its author's park and is answered by that park's operators (or the portfolio's).
    by_park: dict[int | None, list[int]] = ctx.shared.get("operators_by_park", {})
    park_of = member_parks(ctx)

    def answerers(park: int) -> list[int]:
        return [*by_park.get(park, []), *by_park.get(None, [])] or operators
    n = ctx.count(SUGGESTIONS)
    written = ctx.insert("community.SuggestionSettings", ["id", "support_threshold", "reply_workdays", "updated_at"],
                         [(1, THRESHOLD, REPLY_WORKDAYS, YEAR_END)])
    written += ctx.insert("community.ModerationSettings", ["id", "report_hold_threshold", "updated_at"],
                          [(1, 3, YEAR_END)])
    written += ctx.insert("community.SensitiveWord",
                          ["id", "word", "action", "is_active", "note", "created_at", "updated_at"],
                          [(i, w, a, True, "", YEAR_END, YEAR_END) for i, (w, a) in enumerate(WORDS, start=1)])
    cats, cat_weights = list(CATEGORIES), list(CATEGORIES.values())
    suggestions: list[tuple[Any, ...]] = []
    supports: list[tuple[Any, ...]] = []
    replies: list[tuple[Any, ...]] = []
    progress: list[tuple[Any, ...]] = []
    for sid in range(1, n + 1):
        author = rng.choice(members)
        park = park_of.get(author, 1)
        park_operators = answerers(park)
        category = rng.choices(cats, weights=cat_weights)[0]
        title = f"{rng.choice(SUBJECTS[category])}（{sid}）"
        created: datetime = ctx.moment()
        age_days = (YEAR_END - created).days
        # A Pareto tail: most suggestions get a handful of supports, a few get hundreds.
        count = min(len(members) - 1, 400, int(rng.paretovariate(1.1) * 3) - 3 + rng.randint(0, 4))
        fans = [m for m in rng.sample(members, max(0, count) + 1) if m != author][:max(0, count)]
        for m in fans:
            supports.append((len(supports) + 1, sid, m, created + timedelta(hours=rng.uniform(1, 24 * 20))))
        threshold_at = due = None
        if len(fans) >= THRESHOLD:
            threshold_at = created + timedelta(days=rng.uniform(1, 10))
            due = workdays.add_workdays(threshold_at, REPLY_WORKDAYS)
        # Older suggestions have moved further; a few recent ones wait (some past their deadline).
        if age_days < 7 or rng.random() < 0.12:
            final = "received"
        else:
            final = rng.choices(list(PATHS)[1:], weights=[15, 10, 18, 12, 25])[0]
        state, at, first_reply = "received", created, None
        for step in PATHS[final]:
            at = min(at + timedelta(days=rng.uniform(0.5, 9)), YEAR_END)
            replies.append((len(replies) + 1, sid, rng.choice(park_operators), state, step, REPLIES[step], at))
            first_reply = first_reply or at
            state = step
        pct = 0
        if final in ("in_progress", "done"):
            day = at
            for pct_step, note in ((30, "完成方案与预算"), (70, "主体施工/实施完成")):
                day = min(day + timedelta(days=rng.uniform(3, 15)), YEAR_END)
                progress.append((len(progress) + 1, sid, pct_step, note, day.date(), rng.choice(park_operators), day))
                pct = pct_step
            if final == "done":
                pct = 100
        suggestions.append((sid, author, park, title, f"{rng.choice(BODIES)}{rng.choice(BODIES)}", category, state,
                            len(fans), pct, threshold_at, due, first_reply, None, False, "", created, at, at))
    written += ctx.insert("community.Suggestion",
                          ["id", "author_id", "park_id", "title", "body", "category", "state", "support_count",
                           "progress",
                           "threshold_reached_at", "reply_due", "first_reply_at", "overdue_flagged_at", "is_hidden",
                           "hidden_reason", "created_at", "updated_at", "state_changed_at"], suggestions)
    written += ctx.insert("community.SuggestionSupport", ["id", "suggestion_id", "user_id", "created_at"], supports)
    written += ctx.insert("community.SuggestionReply",
                          ["id", "suggestion_id", "author_id", "from_state", "to_state", "body", "created_at"], replies)
    written += ctx.insert("community.SuggestionProgress",
                          ["id", "suggestion_id", "percent", "note", "happened_on", "author_id", "created_at"],
                          progress)
    ctx.ids["suggestions"] = range(1, n + 1)
    return written
