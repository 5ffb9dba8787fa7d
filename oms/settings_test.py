"""Test settings: the environment decides the database (SQLite or PostgreSQL via DATABASE_URL)."""

import os
import tempfile

from oms.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"

# Parallel test workers each have their own database; give each its own cache keys too, so
# one worker's cached configuration version or heartbeat never leaks into another's.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Browser tests serve the app from a thread. With an in-memory database that thread shares
    # the test's connection, and simultaneous queries of both (an HTMX poll while the test
    # reads the database) can fail or hang. A database file gives each thread a connection of
    # its own; in /dev/shm it costs no disk writes. Named per run: parallel runs never meet.
    _run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    _directory = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(_directory, f"oms_test_{_run}.sqlite3")
    }
