"""Test settings: the environment decides the database (SQLite or PostgreSQL via DATABASE_URL)."""

import os

from oms.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"

# Parallel test workers each have their own database; give each its own cache keys too, so
# one worker's cached configuration version or heartbeat never leaks into another's.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
