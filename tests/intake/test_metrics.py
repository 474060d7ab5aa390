"""propose_metric and the word comparison behind metric matching (pure functions)."""

from __future__ import annotations

from claims.figures import parse_figures
from claims.intake.metrics import metric_words, propose_metric, words_similar


def metric_for(sentence: str, index: int = 0, noun: str | None = None):
    figures = parse_figures(sentence)
    figure = figures[index]
    following = figures[index + 1].start if index + 1 < len(figures) else None
    return propose_metric(sentence, figure, noun=noun or figure.noun, next_start=following)


def test_it_names_a_metric_from_the_noun_and_the_outcome():
    metric = metric_for("About 600 North Korean troops have been killed in Kursk.")
    assert (metric.name, metric.key_base, metric.cumulative) == (
        "North Korean troops killed", "north-korean-troops-killed", True)


def test_the_outcome_of_the_next_number_is_not_taken():
    sentence = "Of 300 wounded soldiers, 40 later died."
    first = metric_for(sentence, 0)
    second = metric_for(sentence, 1, noun="soldiers")
    assert (first.event, second.event) == ("wounded", "killed")


def test_an_outcome_before_the_number_counts_when_none_follows():
    metric = metric_for("The army put the total deployment at 15,000 troops.")
    assert metric.name == "troops deployed"
    assert metric.cumulative is False


def test_to_date_makes_any_count_cumulative():
    assert metric_for("The agency has registered 5,000 complaints to date.").cumulative is True
    assert metric_for("The agency registered 5,000 complaints in May.").cumulative is False


def test_a_number_with_nothing_named_gets_a_placeholder_name_for_the_editor():
    metric = metric_for("The figure was 42.")
    assert metric.name == "unnamed count"


def test_synonyms_make_the_same_words_and_outcomes_keep_metrics_apart():
    dead = metric_words("North Korean soldiers dead")
    assert dead == metric_words("North Korean troops killed")
    assert words_similar(dead, metric_words("North Korean troops killed fighting for Russia"), "killed") >= 0.6
    assert words_similar(dead, metric_words("North Korean troops deployed"), "killed") == 0
    assert words_similar(metric_words("North Korean troops"), metric_words("North Korean troops killed"), None) == 0
