"""Who may do what in the partner and capital network (added to the one policy table; imported once at
start-up by CoreConfig).

Partners, funds and investors span the portfolio: portfolio operators keep them (object: ``PORTFOLIO``),
members browse them. A landing application is its applicant's, its park's operators' and the referring
organisation's contacts'. A financing record's confidential amount is its enterprise's admins' and the
park's operators'. An investor's pipeline is theirs alone — no operator sees it. A data room is its
enterprise's admins'; an investor reads it only while they hold a current grant (and after accepting its
terms, which the service checks)."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import (
    ASSIGNED_BUTLER,
    ENTERPRISE_ADMIN,
    ENTERPRISE_STAFF,
    INVESTOR,
    OPERATOR,
    SELF,
    rule,
)
from parkos.network.models import ASKED_SIDE, GRANTEE, PARTNER_CONTACT

policy.register({
    # --- partners (object: nothing, or PORTFOLIO for changes) --------------------------------------------
    "network.partner.view": rule(authenticated=True),
    "network.partner.manage": rule(roles=(OPERATOR,)),
    # --- landing (object: the programme's park for apply/manage lists, the application otherwise) -------
    "network.landing.apply": rule(authenticated=True),
    "network.landing.view": rule(roles=(OPERATOR,), relations=(SELF, PARTNER_CONTACT, ASSIGNED_BUTLER)),
    "network.landing.withdraw": rule(relations=(SELF,)),
    "network.landing.manage": rule(roles=(OPERATOR,)),
    # --- capital ---------------------------------------------------------------------------------------
    # Funds and the investor directory (object: nothing; changes to funds: PORTFOLIO).
    "network.fund.view": rule(authenticated=True),
    "network.fund.manage": rule(roles=(OPERATOR,)),
    # An investor's own profile and thesis (object: the Investor).
    "network.investor.edit": rule(roles=(OPERATOR,), relations=(SELF,)),
    # Recording and correcting an enterprise's financing (object: the enterprise or the record).
    "network.financing.record": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
    # Seeing a confidential amount (object: the record or its enterprise).
    "network.financing.confidential": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
    # The park's financing figures and exports (object: the park); totals never show a single confidential
    # amount, so members may read them.
    "network.financing.figures": rule(authenticated=True),
    "network.financing.export": rule(roles=(OPERATOR,)),
    # Matching: an investor's list of enterprises (object: nothing), an enterprise's list of investors
    # (object: the enterprise).
    "network.match.as_investor": rule(roles=(INVESTOR,)),
    "network.match.as_enterprise": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF,
                                                                     ASSIGNED_BUTLER)),
    # --- introductions (object: the enterprise to ask for, or the introduction) -------------------------
    "network.intro.ask_as_enterprise": rule(relations=(ENTERPRISE_ADMIN,)),
    "network.intro.ask_as_investor": rule(roles=(INVESTOR,)),
    "network.intro.view": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, SELF, ASSIGNED_BUTLER)),
    "network.intro.broker": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "network.intro.answer": rule(relations=(ASKED_SIDE,)),
    # --- the investor's private pipeline (object: the Investor or the entry): theirs alone ---------------
    "network.pipeline.own": rule(relations=(SELF,)),
    # --- data rooms -------------------------------------------------------------------------------------
    # Creating and keeping a room, granting and revoking, reading its log (object: the enterprise / room).
    "network.dataroom.manage": rule(relations=(ENTERPRISE_ADMIN,)),
    # Reading a room's documents (object: the room): a current grant.
    "network.dataroom.read": rule(relations=(GRANTEE,)),
    # Accepting the terms of a grant (object: the grant): the investor it was made to.
    "network.dataroom.consent": rule(relations=(SELF,)),
}, relations=(PARTNER_CONTACT, ASKED_SIDE, GRANTEE))
