import pytest
from django.core.exceptions import ImproperlyConfigured

from factcheck.env import env_bool, env_int, env_list


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("YES", True), ("on", True),
                                          ("0", False), ("false", False), ("No", False), ("", False)])
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("FC_FLAG", raw)
    assert env_bool("FC_FLAG") is expected


def test_it_uses_the_default_when_a_boolean_is_unset(monkeypatch):
    monkeypatch.delenv("FC_FLAG", raising=False)
    assert env_bool("FC_FLAG", True) is True


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FC_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FC_FLAG='maybe' is not a boolean"):
        env_bool("FC_FLAG")


def test_it_reads_whole_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv("FC_NUM", " 42 ")
    assert env_int("FC_NUM", 7) == 42
    monkeypatch.delenv("FC_NUM")
    assert env_int("FC_NUM", 7) == 7


def test_it_refuses_a_number_that_is_not_whole(monkeypatch):
    monkeypatch.setenv("FC_NUM", "4.5")
    with pytest.raises(ImproperlyConfigured, match=r"FC_NUM=.4\.5. is not a whole number"):
        env_int("FC_NUM", 1)


def test_it_refuses_numbers_out_of_bounds(monkeypatch):
    monkeypatch.setenv("FC_NUM", "-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 0"):
        env_int("FC_NUM", 1, minimum=0)
    monkeypatch.setenv("FC_NUM", "11")
    with pytest.raises(ImproperlyConfigured, match="above the maximum 10"):
        env_int("FC_NUM", 1, maximum=10)


def test_it_splits_lists_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("FC_LIST", "a.example, b.example,,")
    assert env_list("FC_LIST") == ["a.example", "b.example"]
