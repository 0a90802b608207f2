"""One shape for every state machine in ParkOS (service orders, suggestions, scenes, responses, deals,
milestones and their payments …): a table of transitions, each an action that moves an object from
one of its source states to a target state, taken by the sides it names.

The table is data: services ask ``machine.take(state, action)`` (which refuses an illegal step with a
translated ``Conflict``), pages list ``machine.actions_from(state)`` to show buttons, and tests walk
``machine.transitions``. Who a side is (the order's enterprise, the deal's payer …) stays the domain's
business: the machine only carries the names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from parkos.core.errors import Conflict, ErrorCode


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    by: tuple[str, ...] = ()
    label: Any = None
    reason_required: bool = False
    reason_label: Any = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def transition(action: str, sources: Iterable[str] | str, target: str, *, by: Iterable[str] | str = (),
               label: Any = None, reason_required: bool = False, reason_label: Any = None,
               **extra: Any) -> Transition:
    """Build a row: ``sources`` and ``by`` take one name or several."""
    return Transition(action=action, sources=frozenset([sources] if isinstance(sources, str) else sources),
                      target=target, by=(by,) if isinstance(by, str) else tuple(by), label=label,
                      reason_required=reason_required, reason_label=reason_label, extra=extra)


class Machine:
    """A state machine as a table. ``illegal`` is the message for an action the current state does not
    allow; it may use ``%(state)s`` (the state's label, from ``state_label``)."""

    def __init__(self, *transitions: Transition, illegal: Any = None) -> None:
        self.transitions: tuple[Transition, ...] = transitions
        self.illegal = illegal or _("This is %(state)s now: you cannot do that.")
        self._by_step: dict[tuple[str, str], Transition] = {}
        for t in transitions:
            for source in t.sources:
                if (source, t.action) in self._by_step:
                    raise ValueError(f"two transitions for {t.action!r} from {source!r}")
                self._by_step[(source, t.action)] = t

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.action for t in self.transitions))

    @property
    def states(self) -> frozenset[str]:
        return frozenset({s for t in self.transitions for s in t.sources} | {t.target for t in self.transitions})

    def find(self, state: str, action: str) -> Transition | None:
        return self._by_step.get((str(state), action))

    def actions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if str(state) in t.sources]

    def targets_from(self, state: str) -> list[str]:
        return list(dict.fromkeys(t.target for t in self.actions_from(state)))

    def take(self, state: str, action: str, *, state_label: Any = None) -> Transition:
        """The transition for ``action`` from ``state``, or a translated Conflict that says why not."""
        if action not in self.actions:
            raise Conflict(_("Unknown action."), code=ErrorCode.UNKNOWN_ACTION)
        found = self.find(state, action)
        if found is None:
            raise Conflict(self.illegal % {"state": state_label if state_label is not None else state},
                           code=ErrorCode.ILLEGAL_TRANSITION)
        return found
