"""The community's park-year: interest groups and their members, posts (some as enterprises, some
in groups), comments with one level of replies, reactions and follows.

Volumes at seed scale follow seed/brief.md: about 10,000 posts a year, six comments a post,
~120 groups. Text is drawn from the Chinese phrase bank below and rendered with the same renderer
the services use, so generated posts look exactly like posted ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from parkos.community.models import ContentStatus, Group, GroupMembership, Reaction, Topic
from parkos.community.services.posts import hot_score, render
from parkos.generator.parts.community_civic import member_parks
from parkos.generator.registry import YEAR_END, Context, part

GROUPS = 120
POSTS = 10_000
COMMENTS = 60_000
REACTIONS = 45_000
FOLLOWS = 8_000
PRIVATE_SHARE = 0.15
IN_GROUP_SHARE = 0.25
ENTERPRISE_SHARE = 0.08
REPLY_SHARE = 0.3
HIDDEN_SHARE, DELETED_SHARE = 0.01, 0.01
# Parks: interest groups are mostly for every park; a few members' posts are for every park's feed.
PORTFOLIO_GROUP_SHARE = 0.6
PORTFOLIO_POST_SHARE = 0.05

GROUP_THEMES = ["跑步社", "咖啡品鉴", "具身智能读书会", "羽毛球俱乐部", "摄影爱好者", "飞盘小队", "桌游之夜", "徒步登山",
                "大模型技术沙龙", "创业者茶话会", "亲子家庭", "宠物友好", "读书会", "篮球联盟", "瑜伽晨练", "新能源车主",
                "开源社区", "产品经理交流", "英语角", "美食探店", "骑行团", "围棋社", "吉他弹唱", "投资人早餐会",
                "机器人竞赛队", "医疗科技沙龙", "单身交友", "二手闲置", "健身打卡", "电影放映会"]
GROUP_SUFFIX = ["", "·A座", "·B区", "二群", "·周末", "·新人", "·夜跑", "·进阶", "·园区站", "·午休"]
GROUP_ABOUT = ["{name}欢迎园区里所有对此感兴趣的朋友加入，每周都有活动。", "我们是{name}，一起交流、一起成长。",
               "{name}：线上分享，线下相聚，新人请先看置顶帖。"]
OPENERS = {
    Topic.LIFE: ["今天园区的银杏叶全黄了，午休去中央花园走了一圈，太美了。", "食堂三楼新开的麻辣香锅窗口排了好长的队，味道确实不错。",
                 "下班路过 B2 广场，看到有人在弹吉他，整个园区都安静下来听。", "园区班车今早晚了十分钟，有同样情况的吗？",
                 "周末带孩子来园区的科普展，孩子玩得不想走。", "楼下咖啡店出了桂花拿铁，推荐大家试试。"],
    Topic.WORK: ["分享一下我们团队做大模型推理加速的一点经验：先把 KV cache 管好。", "有没有同行在做具身智能的数据采集？想交流一下方案。",
                 "园区的 GPU 算力平台这周开放申请了，流程比想象中快。", "刚参加完园区的知识产权讲座，整理了几条笔记。"],
    Topic.EVENTS: ["周五晚上园区草坪有露天电影，放的是《流浪地球》。", "下周三的创业路演还有 5 个名额，感兴趣的抓紧报名。",
                   "园区马拉松报名开始了，跑步社的朋友组队吗？"],
    Topic.HIRING: ["我们在招算法工程师（多模态方向），base 园区 C3 栋，欢迎内推。", "招聘前端开发 2 名，熟悉 React，双休，园区食堂包午餐。",
                   "产品实习生招募中，每周到岗 4 天，可转正。"],
    Topic.PRODUCT: ["我们的新一代巡检机器人今天正式发布，欢迎园区企业试用。", "产品更新：智能工单系统支持语音录入了。",
                    "新品发布会下周二在园区会议中心举行，欢迎大家来现场体验。"],
    Topic.QUESTION: ["请问园区哪里可以打印彩色海报？", "有人知道园区停车月卡怎么续费吗？", "想找一家靠谱的财税代理，大家有推荐吗？",
                     "周末园区健身房开门吗？"],
    Topic.MARKET: ["出一台九成新的显示器，27 寸 4K，园区自提。", "转让两张周六的音乐节门票，原价出。", "求一个二手的人体工学椅。"],
    Topic.OTHER: ["建议园区多装几个自行车停车架。", "今天看到园区里有只橘猫，好像是新来的。"],
}
FOLLOW_UPS = ["大家怎么看？", "欢迎留言交流。", "附上几张照片。", "有同感的点个赞。", "", "", "下次一起！"]
TAGS = ["园区生活", "美食", "跑步", "咖啡", "招聘", "大模型", "机器人", "活动", "求助", "二手", "摄影", "读书", "创业", "亲子"]
TOPIC_WEIGHTS = {Topic.LIFE: 34, Topic.WORK: 18, Topic.EVENTS: 12, Topic.HIRING: 8, Topic.PRODUCT: 6,
                 Topic.QUESTION: 12, Topic.MARKET: 6, Topic.OTHER: 4}
COMMENT_TEXTS = ["赞！", "同意楼上。", "我也遇到过，后来问了物业就解决了。", "哪里报名？", "求带！", "太棒了，收藏了。",
                 "这个好，周末去试试。", "感谢分享，很有用。", "+1", "私信你了。", "哈哈哈哈", "学到了。", "支持！",
                 "请问具体在哪栋楼？", "下次叫上我。", "确实如此。", "好看！", "已报名。"]


def _total(f: float) -> int:
    return sum(max(1, round(n * f)) for n in (GROUPS, GROUPS * 40, POSTS, COMMENTS, REACTIONS, FOLLOWS))


@part("community", after=("enterprises", "memberships"),
      models=("community.Group", "community.GroupMembership", "community.Post", "community.Comment",
              "community.Reaction", "community.Follow"), rows=_total)
def community(ctx: Context) -> int:
    rng = ctx.rng
    members = list(ctx.ids["members"])
    joined: list[datetime] = ctx.shared["joined"]
    weights = [min(a, 200.0) for a in ctx.shared["activity"]]
    staff: list[list[int]] = ctx.shared.get("staff", [])
    enterprise_park: dict[int, int] = ctx.shared.get("enterprise_park", {})
    park_of = member_parks(ctx)  # a member's park: their enterprise's (else the default, 1)
    written = 0

    # --- groups and their members -------------------------------------------------------------
    n_groups = ctx.count(GROUPS)
    groups: list[list[Any]] = []
    memberships: list[tuple[Any, ...]] = []
    group_members: dict[int, list[int]] = {}
    private: set[int] = set()
    names: set[str] = set()
    for gid in range(1, n_groups + 1):
        while True:
            name = rng.choice(GROUP_THEMES) + rng.choice(GROUP_SUFFIX)
            if name not in names:
                names.add(name)
                break
            if len(names) >= len(GROUP_THEMES) * len(GROUP_SUFFIX):
                name = f"{name}{gid}"
                names.add(name)
                break
        size = max(3, min(len(members), int(rng.paretovariate(1.1) * 12)))
        size = min(size, 600)
        people = rng.sample(members, min(size, len(members)))
        creator = people[0]
        created = max(joined[creator - 1], ctx.moment())
        vis = Group.Visibility.PRIVATE if rng.random() < PRIVATE_SHARE else Group.Visibility.PUBLIC
        if vis == Group.Visibility.PRIVATE:
            private.add(gid)
        active = []
        for j, uid in enumerate(people):
            pending = vis == Group.Visibility.PRIVATE and j > 2 and rng.random() < 0.05
            role = GroupMembership.Role.ADMIN if j == 0 or (j < 3 and rng.random() < 0.3) else GroupMembership.Role.MEMBER
            m_status: str = GroupMembership.Status.PENDING if pending and role != "admin" else GroupMembership.Status.ACTIVE
            when = created + timedelta(hours=j * rng.uniform(0.5, 40))
            memberships.append((len(memberships) + 1, gid, uid, role, m_status, when, when))
            if m_status == GroupMembership.Status.ACTIVE:
                active.append(uid)
        group_members[gid] = active
        # Most groups are for every park; the others belong to their creator's park.
        group_park = None if rng.random() < PORTFOLIO_GROUP_SHARE else park_of.get(creator, 1)
        groups.append([gid, name, rng.choice(GROUP_ABOUT).format(name=name), vis, creator, len(active), 0, True,
                       created, created, group_park])

    # --- posts ---------------------------------------------------------------------------------
    n_posts = ctx.count(POSTS)
    topics, topic_w = list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values())
    posts: list[list[Any]] = []
    group_ids = list(group_members)
    group_w = [len(group_members[g]) + 1 for g in group_ids]
    authors = rng.choices(members, weights=weights, k=n_posts)
    html_cache: dict[str, str] = {}
    post_meta: list[tuple[int, int | None, datetime, int]] = []  # (author, group, created, status_index)
    for pid in range(1, n_posts + 1):
        author = authors[pid - 1]
        enterprise: int | None = None
        group: int | None = None
        topic = rng.choices(topics, weights=topic_w)[0]
        roll = rng.random()
        if roll < IN_GROUP_SHARE and group_ids:
            group = rng.choices(group_ids, weights=group_w)[0]
            if group_members[group]:
                author = rng.choice(group_members[group])
        elif roll < IN_GROUP_SHARE + ENTERPRISE_SHARE and staff:
            e = rng.randrange(len(staff))
            if staff[e]:
                enterprise, author = e + 1, rng.choice(staff[e])
                topic = rng.choice([Topic.HIRING, Topic.PRODUCT, Topic.EVENTS])
        body = rng.choice(OPENERS[topic]) + rng.choice(FOLLOW_UPS)
        if body not in html_cache:
            html_cache[body] = render(body)[0]
        # A group's post is in its group's park; an enterprise's in the enterprise's; a member's in their
        # own park's feed, a few for every park.
        post_park: int | None
        if group is not None:
            post_park = groups[group - 1][10]
        elif enterprise is not None:
            post_park = enterprise_park.get(enterprise, 1)
        else:
            post_park = None if rng.random() < PORTFOLIO_POST_SHARE else park_of.get(author, 1)
        created = max(ctx.moment(), joined[author - 1])
        r = rng.random()
        status: str = (ContentStatus.HIDDEN if r < HIDDEN_SHARE else ContentStatus.DELETED
                  if r < HIDDEN_SHARE + DELETED_SHARE else ContentStatus.VISIBLE)
        tags = rng.sample(TAGS, rng.randint(0, 2))
        posts.append([pid, author, enterprise, group, topic, body, html_cache[body], tags, status, "",
                      group not in private, False, 0, 0, 0.0, created, created, None, post_park])
        post_meta.append((author, group, created, 0))
        if group is not None and status == ContentStatus.VISIBLE:
            groups[group - 1][6] = int(groups[group - 1][6]) + 1

    # --- comments (one level of replies) -------------------------------------------------------
    n_comments = ctx.count(COMMENTS)
    post_w = [rng.paretovariate(1.3) for _ in range(n_posts)]
    targets = rng.choices(range(n_posts), weights=post_w, k=n_comments)
    targets.sort(key=lambda i: i)
    comments: list[tuple[Any, ...]] = []
    tops: dict[int, list[int]] = {}
    comment_authors = rng.choices(members, weights=weights, k=n_comments)
    for cid, idx in enumerate(targets, start=1):
        p = posts[idx]
        group = p[3]
        author = comment_authors[cid - 1]
        if group is not None and group_members.get(int(group)):
            author = rng.choice(group_members[int(group)])
        created = min(p[15] + timedelta(minutes=rng.expovariate(1 / 300)), YEAR_END)
        parent = None
        if tops.get(idx) and rng.random() < REPLY_SHARE:
            parent = rng.choice(tops[idx])
        else:
            tops.setdefault(idx, []).append(cid)
        body = rng.choice(COMMENT_TEXTS)
        if body not in html_cache:
            html_cache[body] = render(body)[0]
        c_status: str = ContentStatus.HIDDEN if rng.random() < 0.005 else ContentStatus.VISIBLE
        comments.append((cid, p[0], parent, author, body, html_cache[body], c_status, "", created, None))
        if c_status == ContentStatus.VISIBLE:
            p[13] = int(p[13]) + 1

    # --- reactions (one per kind per member per post) ------------------------------------------
    n_reactions = ctx.count(REACTIONS)
    kinds = list(Reaction.Kind.values)
    kind_w = [60, 12, 10, 6, 12]
    seen: set[tuple[int, int, str]] = set()
    reactions: list[tuple[Any, ...]] = []
    picks = rng.choices(range(n_posts), weights=post_w, k=n_reactions)
    users = rng.choices(members, weights=weights, k=n_reactions)
    for idx, uid in zip(picks, users, strict=True):
        p = posts[idx]
        kind = rng.choices(kinds, weights=kind_w)[0]
        if (idx, uid, kind) in seen:
            continue
        seen.add((idx, uid, kind))
        when = min(p[15] + timedelta(minutes=rng.expovariate(1 / 600)), YEAR_END)
        reactions.append((len(reactions) + 1, p[0], uid, kind, when))
        p[12] = int(p[12]) + 1
    for p in posts:
        p[14] = hot_score(reactions=int(p[12]), comments=int(p[13]), created_at=p[15])

    # --- follows -------------------------------------------------------------------------------
    n_follows = ctx.count(FOLLOWS)
    follows: list[tuple[Any, ...]] = []
    fseen: set[tuple[int, tuple[str, int]]] = set()
    n_ent = len(staff)
    for _ in range(n_follows):
        follower = rng.choice(members)
        if n_ent and rng.random() < 0.3:
            target = ("e", rng.randrange(n_ent) + 1)
        else:
            target = ("u", rng.choices(members, weights=weights)[0])
        if (follower, target) in fseen or target == ("u", follower):
            continue
        fseen.add((follower, target))
        user_id, ent_id = (target[1], None) if target[0] == "u" else (None, target[1])
        follows.append((len(follows) + 1, follower, user_id, ent_id, max(joined[follower - 1], ctx.moment())))

    written += ctx.insert("community.Group", ["id", "name", "description", "visibility", "created_by_id",
                                              "member_count", "post_count", "is_active", "created_at", "updated_at",
                                              "park_id"], groups)
    written += ctx.insert("community.GroupMembership", ["id", "group_id", "user_id", "role", "status", "created_at",
                                                        "updated_at"], memberships)
    written += ctx.insert("community.Post", ["id", "author_id", "enterprise_id", "group_id", "topic", "body",
                                             "body_html", "tags", "status", "status_reason", "in_park_feed",
                                             "pinned", "reaction_count", "comment_count", "hot_score", "created_at",
                                             "updated_at", "edited_at", "park_id"], posts)
    written += ctx.insert("community.Comment", ["id", "post_id", "parent_id", "author_id", "body", "body_html",
                                                "status", "status_reason", "created_at", "edited_at"], comments)
    written += ctx.insert("community.Reaction", ["id", "post_id", "user_id", "kind", "created_at"], reactions)
    written += ctx.insert("community.Follow", ["id", "follower_id", "user_id", "enterprise_id", "created_at"], follows)
    ctx.ids["groups"] = range(1, n_groups + 1)
    ctx.ids["posts"] = range(1, n_posts + 1)
    ctx.shared["group_members"] = group_members
    ctx.shared["private_groups"] = private
    return written
