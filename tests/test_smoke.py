import pytest

from claims.models import Claim


@pytest.mark.django_db
def test_it_talks_to_postgres(settings):
    assert settings.IS_POSTGRES
    assert Claim.objects.count() == 0
