"""The gates' own endpoints, authenticated by device keys only (access/auth.py): post passages, ask
for a decision. A key speaks only for its own gate: naming another gate's id is 403 and stores nothing."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from parkos.access.auth import device_auth, device_key_of
from parkos.access.schemas_gates import GateDecisionIn, GateDecisionOut, PassagesIn, PassagesOut
from parkos.access.services import decisions, passages
from parkos.access.services.gates import gate_for_key

router = Router(tags=["access: devices"], auth=device_auth)


@router.post("/passages", response=PassagesOut)
def passages_post(request: HttpRequest, payload: PassagesIn) -> Any:
    """A batch of events (at most 500). Idempotent per (gate, event id): resend after a lost reply."""
    gate = gate_for_key(key=device_key_of(request), gate_id=payload.gate)
    results = passages.passages_ingest(gate=gate, events=[e.dict() for e in payload.events], sent_at=payload.sent_at)
    skew = next((r.clock_skew for r in results if r.clock_skew is not None), None)
    return {"results": [r.as_dict() for r in results], "clock_skew": skew}


@router.post("/decisions", response=GateDecisionOut)
def decision_post(request: HttpRequest, payload: GateDecisionIn) -> Any:
    """May this credential pass this gate now? (A QR code answered yes is used up.)"""
    gate = gate_for_key(key=device_key_of(request), gate_id=payload.gate)
    decision = decisions.decide(gate=gate, kind=payload.kind, value=payload.credential, direction=payload.direction)
    return {"allowed": decision.allowed, "reason": decision.reason, "message": decision.message}
