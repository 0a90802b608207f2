"""The network domain: the partner network (countries, cities, organisations, landing programmes) and
capital (funds, investors, financing records and exchange rates, introductions, investors' private
pipelines, data rooms)."""

from parkos.network.models.capital import (
    EXPONENT,
    Currency,
    Disclosure,
    ExchangeRate,
    FinancingInvestor,
    FinancingRecord,
    FinancingSource,
    Fund,
    FundKind,
    Investor,
    PipelineEntry,
    PipelineMove,
    PipelineStage,
    Round,
    from_minor,
    to_minor,
)
from parkos.network.models.datarooms import (
    GRANTEE,
    AccessAction,
    AccessLog,
    DataRoom,
    Document,
    DocumentKind,
    Grant,
)
from parkos.network.models.introductions import (
    ASKED_SIDE,
    OPEN_INTRODUCTION,
    Direction,
    Introduction,
    IntroductionStatus,
)
from parkos.network.models.partners import (
    PARTNER_CONTACT,
    City,
    Contact,
    Continent,
    Cooperation,
    Country,
    Landing,
    LandingEvent,
    LandingStage,
    Organisation,
    OrganisationKind,
    Programme,
)

__all__ = [
    "ASKED_SIDE", "EXPONENT", "GRANTEE", "OPEN_INTRODUCTION", "PARTNER_CONTACT", "AccessAction", "AccessLog", "City",
    "Contact", "Continent", "Cooperation", "Country", "Currency", "DataRoom", "Direction", "Disclosure", "Document",
    "DocumentKind", "ExchangeRate", "FinancingInvestor", "FinancingRecord", "FinancingSource", "Fund", "FundKind",
    "Grant", "Introduction", "IntroductionStatus", "Investor", "Landing", "LandingEvent", "LandingStage",
    "Organisation", "OrganisationKind", "PipelineEntry", "PipelineMove", "PipelineStage", "Programme", "Round",
    "from_minor", "to_minor",
]
