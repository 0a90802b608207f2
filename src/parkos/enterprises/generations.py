"""The enterprises' data sets of cached fragments (core/generations.py).

``enterprises``: the public directory (enterprises.views.directory) — the enterprises, their industries,
buildings and parks. And accounts' ``members``: the member list of a park shows the staff of its
enterprises, so a membership or an enterprise changing park draws it anew."""

from __future__ import annotations

from parkos.core.generations import generation_follow, person_follow
from parkos.core.models import Park
from parkos.enterprises.models import Building, Enterprise, Industry, Membership

generation_follow("members", Membership, Enterprise)
generation_follow("enterprises", Enterprise, Building, Industry, Park)
person_follow(Membership)  # the member's parks (core.parks.park_reasons_of): their employer's
