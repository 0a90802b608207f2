"""Settings of the node that test_server.py starts: the test settings, with the job worker's real queue."""

from parkos.config.settings_test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
