"""Argon2id with OWASP's recommended cost (19 MiB, 2 passes, 1 lane).

Django's default (100 MiB, 8 lanes) takes ~140 ms of CPU per log-in here: at the park's peak that
alone would eat a third of a 2-core machine. OWASP's parameters keep Argon2id's memory hardness at
~25 ms. Hashes made with other parameters are upgraded at the member's next log-in."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ParkArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
