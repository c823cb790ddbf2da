"""A paragraph naming several papers gives each the part that speaks of it."""

from __future__ import annotations

from pathlib import Path

from store.ingest import parse_file
from store.ingest.readings.fields.mentions import sentence_start, split_mentions

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def _spans(text: str, *titles: str) -> list[tuple[int, int]]:
    return [(text.index(t), text.index(t) + len(t)) for t in titles]


def test_the_seed_paragraph_with_multi_scale_video_prediction() -> None:
    records = {r.title: r for r in parse_file(SEEDS / "000_a4433662030a3141.txt", "000.txt").records}
    video = records["Multi-Scale Video Prediction Beyond Mean Squared Error"]
    energy = records["Deep Directed Generative Models with Energy-Based Probability Estimation"]
    assert video.summary == ("It was also applied and shown to work quite well with “next frame” video prediction: "
                             "Multi-Scale Video Prediction Beyond Mean Squared Error by Michael Mathieu, Camile "
                             "Couprie and Yann LeCun.")
    assert energy.summary == ("Deep Directed Generative Models with Energy-Based Probability Estimation by Taesup "
                              "Kim and Yoshua Bengio used this concept with energy based models (think probabilistic "
                              "models without any normalization) to solve their otherwise intractable sampling.")


def test_two_mentions_in_one_sentence_split_at_the_second() -> None:
    text = "We liked Alpha Nets by A. B. Smith and Beta Nets by C. Jones. Both are fast."
    assert split_mentions(text, _spans(text, "Alpha Nets", "Beta Nets")) == [
        "We liked Alpha Nets by A. B. Smith and", "Beta Nets by C. Jones. Both are fast."]


def test_initials_and_abbreviations_do_not_end_a_sentence() -> None:
    text = "First, Gamma by Yann A. LeCun, e.g. for images. Later, Delta by J. Doe et al. was better."
    assert split_mentions(text, _spans(text, "Gamma", "Delta")) == [
        "First, Gamma by Yann A. LeCun, e.g. for images.", "Later, Delta by J. Doe et al. was better."]
    assert sentence_start(text, text.index("LeCun")) == 0


def test_three_mentions_over_three_sentences() -> None:
    text = "Intro sentence. One by A. It works! Two by B. Then? Three by C, finally."
    assert split_mentions(text, _spans(text, "One", "Two", "Three")) == [
        "One by A. It works!", "Two by B. Then?", "Three by C, finally."]


def test_one_mention_keeps_the_whole_paragraph() -> None:
    text = "Context first. Then Omega by Z. Z. Top."
    assert split_mentions(text, _spans(text, "Omega")) == [text]
    assert split_mentions(text, []) == []
