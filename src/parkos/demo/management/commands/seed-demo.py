from typing import Any

from django.core.management.base import BaseCommand

from parkos.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, demo_email, seed_demo


class Command(BaseCommand):
    help = "Load the demo park (Chinese, deterministic, idempotent) and print the demo log-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        added = seed_demo()
        from parkos.core.generations import forget_all

        forget_all()  # the seed's bulk inserts send no signals: cached facts and fragments start again
        if any(added.values()):
            self.stdout.write("Demo park loaded: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
        else:
            self.stdout.write("Demo park already loaded; nothing changed.")
        self.stdout.write(f"Demo log-ins (password: {DEMO_PASSWORD}):")
        for local, name, _roles in DEMO_LOGINS:
            self.stdout.write(f"  {demo_email(local):28} {name}")
