"""The data sets of accounts whose fragments are cached (core/generations.py).

``members``: the member list (accounts.views.member_list) — public profiles here, and who is staff of
which enterprise in which park (followed by enterprises/generations.py). A log-in's save of
``last_login`` changes nothing there. And each person's grants and their own row, kept per person
(accounts.models.User, accounts.backends)."""

from __future__ import annotations

from parkos.accounts.models import User, UserRole
from parkos.core.generations import generation_follow, only_fields, person_follow

generation_follow("members", User, unless=only_fields({"last_login"}))
person_follow(UserRole)  # a grant or a revocation: the person's roles are read again at once
# The member kept for their requests (accounts/backends.py): any save (a profile, a password, a deactivation)
# or deletion of them is seen on their next request. A log-in's last_login is not kept (it stays deferred).
person_follow(User, field="pk", unless=only_fields({"last_login"}))
