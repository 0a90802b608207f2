"""Who is physically in the park today, for the marker by their avatar on the map — with consent.

The map does not know who came through the gates; the domain that runs the gates does. It tells the
map through one provider, registered at start-up from its ``AppConfig.ready()``::

    class GatesConfig(AppConfig):
        def ready(self) -> None:
            from parkos.space.presence import presence_provider_register
            from parkos.gates.selectors import entered_today  # (user_ids) -> set of those who came in today

            presence_provider_register(entered_today)

No setting names the provider, so a park without gates simply has none, and then nobody is marked.

Consent comes first: ``in_park_today`` asks the provider only about members whose
``SpacePreference.show_in_park`` is set, and marks only those among them the provider names. A member
who withdraws consent is neither asked about nor marked from the next ticket on (tickets live minutes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from parkos.space.providers import ProviderSlot

log = logging.getLogger("parkos.space")

# (user ids) -> the ids among them who are in the park today. It gets only consenting members' ids.
PresenceProvider = Callable[[frozenset[int]], Iterable[int]]

presence_providers: ProviderSlot[PresenceProvider] = ProviderSlot("presence")
# Make a function the park's source of "in the park today" (the last registration wins; usable as a
# decorator); clear it and nobody is marked (the default; tests restore it).
presence_provider_register = presence_providers.register
presence_provider_clear = presence_providers.clear
presence_provider_get = presence_providers.get


def in_park_today(user_ids: Iterable[int]) -> set[int]:
    """The members among ``user_ids`` who consented to the marker and whom the provider reports as in
    the park today. Without a provider: nobody, and no query. A failing provider marks nobody rather
    than keep anyone off the map."""
    provider = presence_providers.get()
    if provider is None:
        return set()
    from parkos.space.models import SpacePreference

    ids = {int(i) for i in user_ids}
    if not ids:
        return set()
    consenting = frozenset(SpacePreference.objects.filter(user_id__in=ids, show_in_park=True)
                           .values_list("user_id", flat=True))
    if not consenting:
        return set()
    try:
        present = {int(i) for i in provider(consenting)}
    except Exception:
        log.exception("the presence provider failed; nobody is marked as in the park")
        return set()
    return present & consenting  # a provider can never mark someone it was not asked about
