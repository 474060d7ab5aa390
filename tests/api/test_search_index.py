"""The API's full-text search can use the GIN index that migration 0005 creates."""

import pytest
from django.db import connection

from claims.api.filters import claim_text_search
from claims.models import Claim

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text search is PostgreSQL's")
def test_the_text_search_reads_the_gin_index():
    Claim.objects.create(key="kim-speech", text="Kim praised the troops in a speech that KCNA quoted")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned otherwise
    plan = claim_text_search(Claim.objects.all(), "troops speech").explain()
    assert "claim_text_search" in plan
    assert list(claim_text_search(Claim.objects.all(), "troops speech").values_list("key", flat=True)) == [
        "kim-speech"
    ]
