"""The network's section of a member's data export: the investor's profile and private pipeline, the
introductions they asked or were asked — without the other side's message — and nothing of anyone else."""

from __future__ import annotations

import pytest

from parkos.core.personal_data import export_sections
from parkos.network.models import PipelineEntry
from parkos.network.services.introductions import introduction_ask
from parkos.network.tests.test_intros_fixtures import world

pytestmark = pytest.mark.django_db


def test_the_investor_exports_their_pipeline_and_not_the_enterprise_message() -> None:
    w = world()
    investor = w["investor"]
    PipelineEntry.objects.create(investor=investor, enterprise=w["enterprise"], note="团队很强，待看财务")
    PipelineEntry.objects.create(investor=w["investor2"], enterprise=w["other"], note="别人的备注")
    introduction_ask(actor=w["admin"], enterprise=w["enterprise"], investor=investor, message="想请您看看我们的BP",
                     idempotency_key="export-test-1")
    mine = export_sections(investor.user)["network"]
    assert mine["investor_profile"]["title"] == "合伙人"
    assert [e["note"] for e in mine["pipeline"]] == ["团队很强，待看财务"]
    assert len(mine["introductions"]) == 1 and mine["introductions"][0]["message"] == ""
    theirs = export_sections(w["admin"])["network"]
    assert theirs["investor_profile"] is None and theirs["pipeline"] == []
    assert theirs["introductions"][0]["message"] == "想请您看看我们的BP"
    assert "别人的备注" not in str(export_sections(w["outsider"])["network"])
