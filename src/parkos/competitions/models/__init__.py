"""The competition's tables, one module per part: editions (tracks, form, rounds, criteria), applications
(attachments, round entries, appeals), judging (judges, conflicts, assignments, scores and their audit) and
awards (tiers, benefits, awards and their delivery)."""

from parkos.competitions.models.applications import (
    ASSIGNED_JUDGE,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Attachment,
    Entry,
    EntryStatus,
)
from parkos.competitions.models.awards import (
    Award,
    AwardTier,
    Benefit,
    BenefitKind,
    Delivery,
    DeliveryStatus,
)
from parkos.competitions.models.editions import (
    Criterion,
    Edition,
    EditionStatus,
    FieldKind,
    FormField,
    Round,
    RoundKind,
    RoundStatus,
    TieRule,
    Track,
)
from parkos.competitions.models.judging import (
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    ConflictSource,
    Judge,
    Score,
    ScoreChange,
    ScoreStatus,
)

__all__ = [
    "ASSIGNED_JUDGE", "Appeal", "AppealStatus", "Application", "ApplicationStatus", "Assignment",
    "AssignmentStatus", "Attachment", "Award", "AwardTier", "Benefit", "BenefitKind", "ConflictDeclaration",
    "ConflictSource", "Criterion", "Delivery", "DeliveryStatus", "Edition", "EditionStatus", "Entry", "EntryStatus",
    "FieldKind", "FormField", "Judge", "Round", "RoundKind", "RoundStatus", "Score", "ScoreChange", "ScoreStatus",
    "TieRule", "Track",
]
