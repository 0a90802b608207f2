from typing import Any

from django.core.management.base import BaseCommand

from parkos.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, demo_email


class Command(BaseCommand):
    help = "Print the demo park's log-ins (parkos serve --show-demo-logins calls it)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo log-ins (password {DEMO_PASSWORD}): "
                          + ", ".join(demo_email(local) for local, _name, _roles in DEMO_LOGINS))
