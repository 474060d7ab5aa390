"""Run in a subprocess without DATABASE_URL (the quickstart's SQLite): import one vector bundle,
run the checks and print the open flags as JSON, for tests/checks/test_portable.py."""

import json
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from tests.checks.conftest import load_bundle, open_flags  # noqa: E402

call_command("migrate", verbosity=0)
with open(sys.argv[1]) as handle:
    load_bundle(json.load(handle))
call_command("run_checks", verbosity=0)
first = sorted(open_flags())
call_command("run_checks", verbosity=0)
print(json.dumps({"first": first, "second": sorted(open_flags())}))
