"""Factories for suggestions and moderation. Suggestions are made through the service (so their
index entry and checks are what production writes); operators and sensitive words directly."""

from __future__ import annotations

from typing import Any

from parkos.accounts.models import Role, User
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import SensitiveWord, Suggestion, SuggestionSettings, WordAction
from parkos.community.services import suggestions as services


def operator() -> User:
    user: User = UserFactory(roles=[Role.OPERATOR])
    return user


def make_suggestion(author: User | None = None, *, title: str = "食堂晚餐延长到八点", body: str = "加班的同事经常吃不上饭。",
                    category: str = "canteen", **kwargs: Any) -> Suggestion:
    return services.suggestion_create(actor=author or UserFactory(), title=title, body=body, category=category,
                                      **kwargs)


def supporters(suggestion: Suggestion, n: int) -> list[User]:
    people = [UserFactory() for _ in range(n)]
    for p in people:
        services.suggestion_support(actor=p, suggestion=suggestion)
    return people


def set_threshold(support_threshold: int = 3, reply_workdays: int = 3) -> SuggestionSettings:
    conf = SuggestionSettings.load()
    conf.support_threshold, conf.reply_workdays = support_threshold, reply_workdays
    conf.save()
    return conf


def word(text: str, action: str = WordAction.BLOCK) -> SensitiveWord:
    obj, _created = SensitiveWord.objects.update_or_create(word=text, defaults={"action": action, "is_active": True})
    return obj
