"""Conformance: the open flags for each shared vector bundle equal its expected_flags."""

from __future__ import annotations

import pytest

from claims.checks.engine import sweep_all
from tests.checks.conftest import expected_flags, load_bundle, open_flags, read_vector, vector_files

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", vector_files(), ids=lambda p: p.stem)
def test_it_raises_exactly_the_vector_flags(path):
    data = read_vector(path)
    load_bundle(data)
    sweep_all()
    assert open_flags() == expected_flags(data)


def test_it_changes_nothing_when_run_twice():
    files = vector_files()
    if not files:
        pytest.skip("no shared vectors beside the project")
    load_bundle(read_vector(files[0]))
    first = sweep_all()
    assert first, "the vector raises flags"
    assert sweep_all() == {}
