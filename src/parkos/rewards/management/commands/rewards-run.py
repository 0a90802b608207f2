"""`parkos rewards-run`: run once what the scheduler runs for rewards — the issuing rules that are due, the
expiry of coupons past their validity (midnight Beijing time) and the reminders of coupons about to expire.
For cron until the scheduler runs them, and for operators who want them now. Each step is idempotent (a
rule's period issues once per member; an expired coupon is expired once; a reminder is sent once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

STEPS = ("rules", "expire", "remind")


class Command(BaseCommand):
    help = "Run the due issuing rules, expire coupons past their validity and send expiry reminders, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", choices=STEPS, action="append",
                            help="run only this step (repeatable); default: every step")

    def handle(self, *args: Any, only: list[str] | None = None, **options: Any) -> None:
        from parkos.rewards.services import issuing_rules, wallet

        steps = only or list(STEPS)
        if "rules" in steps:
            self.stdout.write(f"rule runs: {issuing_rules.rules_run_due()}")
        if "expire" in steps:
            self.stdout.write(f"coupons expired: {wallet.coupons_expire()}")
        if "remind" in steps:
            self.stdout.write(f"reminders sent: {wallet.coupons_remind()}")
