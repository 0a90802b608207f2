"""Rewards' periodic jobs: the issuing rules (each knows its own next run), the expiry sweep just after
midnight Beijing time, and the reminders before coupons expire."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily, every

every("rewards.rules", "parkos.rewards.tasks.rules_run_due", minutes=15,
      description=_("Run the coupon issuing rules that are due"))
daily("rewards.expire", "parkos.rewards.tasks.coupons_expire", at="00:01",
      description=_("Expire coupons past their validity"))
daily("rewards.remind", "parkos.rewards.tasks.coupons_remind", at="10:00",
      description=_("Remind members of coupons about to expire"))
