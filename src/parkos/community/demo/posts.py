"""The demo parks' posts and interest groups (Chinese), written straight to the tables through the
same renderer and scores the services use, so that seeding is not rate-limited and sends no
notifications. Idempotent: groups are keyed by name, posts by (author, text), comments by
(post, author, text).

Parks: most groups are for every park; the running and badminton clubs meet in the default park, and
the second park "yizhuang" has two groups of its own. Posts outside groups are in the default park's
feed, a few in yizhuang's, and the operator's sports-day call is for every park."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from parkos.community.demo.parks import SECOND_PARK, demo_parks
from parkos.community.models import (
    Comment,
    ContentStatus,
    Follow,
    Group,
    GroupMembership,
    Post,
    Reaction,
    Topic,
)
from parkos.community.services.posts import hot_score, mentions_find, render

ALL = None  # a group or post for every park of the portfolio
GROUPS = [
    # (name, about, visibility, park code or ALL)
    ("跑步社", "每周二、四晚上 7 点中央花园集合夜跑，5 公里起，新手友好。", "public", "main"),
    ("咖啡品鉴", "手冲、意式、冷萃都聊，每月一次园区咖啡店杯测。", "public", ALL),
    ("具身智能读书会", "每两周读一篇具身智能论文，轮流主讲，欢迎研究者和工程师。", "private", ALL),
    ("羽毛球俱乐部", "周末体育馆 3 号场，自带球拍。", "public", "main"),
    ("园区摄影爱好者", "记录园区四季，定期办影展。", "public", ALL),
    ("创始人闭门会", "园区企业创始人之间的交流，仅限创始人加入。", "private", ALL),
    ("亦庄骑行队", "周六早上 7 点 Y1 栋门口集合，环南海子公园骑行 30 公里。", "public", SECOND_PARK),
    ("中试工程师交流群", "Y2 中试基地工程师的技术交流：工艺、设备、良率。仅限中试基地同事。", "private", SECOND_PARK),
]
# Posts outside groups: in the default park's feed unless listed here (text → park code or ALL).
POST_PARKS: dict[str, str | None] = {}
POSTS = [
    # (author key, group name or None, topic, text, tags, as enterprise)
    ("member", None, Topic.LIFE, "今天园区的银杏叶全黄了，午休去**中央花园**走了一圈，太美了。", ["园区生活", "摄影"], False),
    ("admin", None, Topic.PRODUCT, "思灵机器人新一代巡检机器人今天发布！\n\n- 续航 8 小时\n- 支持夜间巡检\n\n欢迎园区企业来 A1 栋试用。",
     ["机器人"], True),
    ("admin", None, Topic.HIRING, "我们在招**多模态算法工程师** 2 名，base 园区 A1 栋，欢迎内推，简历请私信。", ["招聘"], True),
    ("investor", None, Topic.WORK, "最近看了不少具身智能项目，数据采集和仿真是大家共同的难点，欢迎来聊。", ["具身智能", "投资"], False),
    ("merchant", None, Topic.LIFE, "园区咖啡本周上新**桂花拿铁**，凭工牌第二杯半价～", ["咖啡", "美食"], False),
    ("member", "跑步社", Topic.EVENTS, "本周四夜跑改到 7 点半，路线：中央花园 → 北门 → 湖边，全程 6 公里。@王雨桐 记得带头灯！", ["跑步"], False),
    ("member", "咖啡品鉴", Topic.LIFE, "分享一下手冲参数：15g 粉，1:15 粉水比，92°C，总时长 2 分 30 秒。", ["咖啡"], False),
    ("admin", "具身智能读书会", Topic.WORK, "下期读 RT-2，我来主讲，周三晚 8 点 B2 会议室。", ["读书"], False),
    ("operator", None, Topic.EVENTS, "园区秋季运动会报名开始啦：跑步、羽毛球、拔河，企业组队参加有奖品。", ["活动"], False),
    ("member", None, Topic.QUESTION, "请问园区哪里可以打印彩色海报？明天路演要用。", ["求助"], False),
    ("operator-yz", None, Topic.EVENTS, "亦庄创新港 Y2 中试基地下周三开放参观，欢迎园区企业预约。", ["中试", "活动"], False),
    ("operator-yz", "亦庄骑行队", Topic.EVENTS, "本周六骑行照常，天气预报晴，记得带水。", ["骑行"], False),
    ("member", None, Topic.LIFE, "亦庄这边新开了一家面馆，就在 Y1 栋对面，味道不错。", ["美食"], False),
]
POST_PARKS.update({
    "园区秋季运动会报名开始啦：跑步、羽毛球、拔河，企业组队参加有奖品。": ALL,
    "亦庄创新港 Y2 中试基地下周三开放参观，欢迎园区企业预约。": SECOND_PARK,
    "亦庄这边新开了一家面馆，就在 Y1 栋对面，味道不错。": SECOND_PARK,
})
COMMENTS = [
    (0, "investor", "真的很美，周末带孩子来看看。"),
    (0, "merchant", "拍得好！"),
    (1, "member", "我们公司想试用，怎么联系？"),
    (4, "member", "已经喝到了，推荐！"),
    (9, "operator", "A2 栋一楼服务中心可以打印，彩色 1 元一张。"),
    (8, "admin", "思灵机器人报名拔河！"),
]


def seed(ctx: Any) -> None:
    people = ctx.people
    members = list(ctx.members)
    rng = ctx.rng("community-posts")
    added = ctx.added
    now = timezone.now()
    main, second = demo_parks(ctx)
    park_of = {"main": main, SECOND_PARK: second}
    groups: dict[str, Group] = {}
    for i, (name, about, vis, park_code) in enumerate(GROUPS):
        group = Group.objects.filter(name=name).first()
        creator = people["admin"] if vis == "private" else people["member"]
        if park_code == SECOND_PARK:
            creator = people.get("operator-yz") or people["member"]
        if group is None:
            group = Group.objects.create(name=name, description=about, visibility=vis, created_by=creator,
                                         park=park_of.get(park_code or ""))
            added["groups"] = added.get("groups", 0) + 1
        crowd = [creator, people["member"], people["admin"], *rng.sample(members, min(len(members), 8 + 3 * i))]
        for j, user in enumerate(crowd):
            GroupMembership.objects.get_or_create(group=group, user=user, defaults={
                "role": GroupMembership.Role.ADMIN if j == 0 else GroupMembership.Role.MEMBER,
                "status": GroupMembership.Status.ACTIVE})
        group.member_count = GroupMembership.objects.filter(group=group, status="active").count()
        group.save(update_fields=["member_count", "updated_at"])
        groups[name] = group
    posts: list[Post] = []
    for k, (who, group_name, topic, text, tags, as_ent) in enumerate(POSTS):
        author = people.get(who) or people["member"]
        group = groups.get(group_name) if group_name else None
        park = group.park if group is not None else park_of.get(POST_PARKS.get(text, "main") or "")
        post = Post.objects.filter(author=author, body=text).first()
        if post is None:
            created = now - timedelta(hours=3 + 7 * k)
            html, _used = render(text, mentions_find(text))
            post = Post.objects.create(
                author=author, group=group, park=park, topic=topic, body=text, body_html=html, tags=tags,
                enterprise=ctx.enterprises[0] if as_ent else None, in_park_feed=group is None or not group.is_private,
                status=ContentStatus.VISIBLE)
            Post.objects.filter(pk=post.pk).update(created_at=created)
            post.created_at = created
            added["posts"] = added.get("posts", 0) + 1
        posts.append(post)
    for idx, who, text in COMMENTS:
        post = posts[idx]
        if not Comment.objects.filter(post=post, author=people[who], body=text).exists():
            Comment.objects.create(post=post, author=people[who], body=text, body_html=render(text)[0])
            added["comments"] = added.get("comments", 0) + 1
    for post in posts:
        for user in rng.sample(members, 6):
            if post.group_id and post.group is not None and post.group.is_private:
                break
            Reaction.objects.get_or_create(post=post, user=user, kind=rng.choice(["like", "like", "thanks", "support"]))
        reactions = Reaction.objects.filter(post=post).count()
        comments = Comment.objects.filter(post=post, status=ContentStatus.VISIBLE).count()
        Post.objects.filter(pk=post.pk).update(
            reaction_count=reactions, comment_count=comments,
            hot_score=hot_score(reactions=reactions, comments=comments, created_at=post.created_at))
    for group in groups.values():
        group.post_count = Post.objects.filter(group=group, status=ContentStatus.VISIBLE).count()
        group.save(update_fields=["post_count", "updated_at"])
    Follow.objects.get_or_create(follower=people["member"], enterprise=ctx.enterprises[0])
    Follow.objects.get_or_create(follower=people["member"], user=people["investor"])
    _index(posts, list(groups.values()))


def _index(posts: list[Post], groups: list[Group]) -> None:
    from parkos.search.services import index_on_commit

    for post in posts:
        if post.in_park_feed:
            index_on_commit("post", post.pk)
            for cid in Comment.objects.filter(post=post).values_list("id", flat=True):
                index_on_commit("comment", cid)
    for group in groups:
        if not group.is_private:
            index_on_commit("group", group.pk)
