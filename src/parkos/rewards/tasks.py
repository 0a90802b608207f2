"""Background jobs of rewards (run by the task worker that `parkos serve` starts and by the scheduler;
also by the `parkos rewards-run` command). They take ids and call services."""

from __future__ import annotations

from django_tasks import task


@task()
def rules_run_due() -> int:
    """Run every active issuing rule whose next run is due, for the period that just ended."""
    from parkos.rewards.services import issuing_rules

    return issuing_rules.rules_run_due()


@task()
def rule_run(rule_id: int, period_key: str, user_id: int | None = None) -> int:
    """Run one rule for one period in the background (an operator pressed "run now"): the RuleRun's id."""
    from parkos.rewards.services import issuing_rules

    return issuing_rules.rule_run_background(rule_id=rule_id, period_key=period_key, user_id=user_id)


@task()
def coupons_expire() -> int:
    """Expire every available coupon past its validity (midnight Beijing time), posting to the ledger."""
    from parkos.rewards.services import wallet

    return wallet.coupons_expire()


@task()
def coupons_remind() -> int:
    """Remind members of coupons that expire within their park's reminder days (once per coupon)."""
    from parkos.rewards.services import wallet

    return wallet.coupons_remind()
