"""pytest plugin loaded before Django: the test suite's environment defaults.

The suite runs against real PostgreSQL and Redis on localhost (the machine's defaults); any of
these can be overridden from the environment. Loaded with `-p factcheck.testenv` so that it acts
before pytest-django reads the settings.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
