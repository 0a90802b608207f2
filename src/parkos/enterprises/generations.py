"""The enterprises' part of cached fragments' data sets (core/generations.py): the member list of a park
(accounts' ``members``) shows the staff of its enterprises, so a membership or an enterprise changing park
draws it anew."""

from __future__ import annotations

from parkos.core.generations import generation_follow
from parkos.enterprises.models import Enterprise, Membership

generation_follow("members", Membership, Enterprise)
