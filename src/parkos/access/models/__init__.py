"""Gates, devices and their keys, credentials, passages, daily presence and occupancy, visitors, and the
apps tenants plug into the gates (scopes, webhook deliveries, readings), with the audit log of every
read of sensitive personal data (body temperature)."""

from parkos.access.models.gates import AccessSettings, Area, Credential, DeviceKey, Direction, Gate
from parkos.access.models.integrations import App, AppScope, Delivery, Feedback, Reading, SensitiveRead
from parkos.access.models.passages import (
    AccessPreference,
    DailyPresence,
    OccupancyHour,
    Passage,
    Refusal,
    RollupMark,
)
from parkos.access.models.visitors import BlockedVisitor, VisitorPass

__all__ = [
    "AccessPreference", "AccessSettings", "App", "AppScope", "Area", "BlockedVisitor", "Credential", "DailyPresence",
    "Delivery", "DeviceKey", "Direction", "Feedback", "Gate", "OccupancyHour", "Passage", "Reading", "Refusal", "RollupMark",
    "SensitiveRead", "VisitorPass",
]
