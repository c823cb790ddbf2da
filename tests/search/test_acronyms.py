"""Acronym definitions (Schwartz-Hearst), what a corpus is taken to define, glossaries, and the tokens
that make an acronym's plural and a British spelling meet their other forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.search.acronyms import (
    GLOSSARY_NAME,
    acronym_term,
    best_long_form,
    definitions,
    initials_agree,
    learn,
    load_glossary,
    long_terms,
    parse_glossary,
)
from store.text.tokenize import american, singular_acronym, tokenize

# --- Schwartz-Hearst: definitions found, with the exact pair ---


@pytest.mark.parametrize(("text", "expected"), [
    # "long form (SF)", from the seeds
    ("Reinforcement learning (RL) continued to be a hot topic at ICML 2018.",
     [("RL", "Reinforcement learning")]),
    ("inspired by generative adversarial networks (GANs) (Goodfellow et al., 2014).",
     [("GANs", "generative adversarial networks")]),
    ("the new architecture, generative adversarial imputation network (GAIN), uses a generator",
     [("GAIN", "generative adversarial imputation network")]),
    ("Then a new algorithm, called Smoothed Bellman Error Embedding (SBEED), is proposed.",
     [("SBEED", "Smoothed Bellman Error Embedding")]),
    ("## Bayes by Backprop (BBB): Where q is our approximation", [("BBB", "Bayes by Backprop")]),
    ("Both interval bound propagation (IBP) and CROWN allow to bound a network's output.",
     [("IBP", "interval bound propagation")]),
    ("The invention of Wasserstein GANs (WGANs) (Arjovsky et al., 2017) was a breakthrough.",
     [("WGANs", "Wasserstein GANs")]),
    ("Generative Moment Matching Networks (GMMN) are generative models that use maximum mean "
     "discrepancy (MMD) for their objective function.",
     [("GMMN", "Generative Moment Matching Networks"), ("MMD", "maximum mean discrepancy")]),
    # the first letter must begin a word: "approach" is cut to the word that begins with it
    ("we use the trust region policy optimization (TRPO) approach", [("TRPO", "trust region policy optimization")]),
    # hyphenated words: each part is a word
    ("on out-of-distribution (OOD) inputs", [("OOD", "out-of-distribution")]),
    ("a long short-term memory (LSTM) network", [("LSTM", "long short-term memory")]),
    # "SF (long form)": the word before the parenthesis is the short form
    ("We train an LSTM (long short-term memory network) on text.", [("LSTM", "long short-term memory network")]),
    # digits count as characters of the short form
    ("features of a ResNet-50 (R50) backbone", [("R50", "ResNet-50")]),
    # "(A, B)": only the part before the comma is the short form
    ("a conditional random field (CRF, a graphical model) on top", [("CRF", "conditional random field")]),
])
def test_definitions_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert definitions(text) == expected


@pytest.mark.parametrize("text", [
    "trained with SGD (Robbins, 1951) on images",  # a citation: no long form holds the letters in order
    "the model (see Figure 2) is small",  # more than two words, and "model" has no capital
    "deep networks (DNN) do well",  # right to left: "n" of "networks", then no other "n" before it
    "a two-dimensional (2D) grid",  # the long form has no "2"
    "a value (x) of one",  # one character: not a short form
    "the best (2019) results",  # no letter in the parenthesis
    "a (VeryLongAcronymX) here",  # longer than ten characters, and longer than its long form
    "we propose a method (NA) for it",  # "A" is the word "a", and no word before it begins with "n"
    "unbalanced (unclosed parenthesis",
    "",
])
def test_definitions_rejected(text: str) -> None:
    assert definitions(text) == []


def test_word_limit_is_min_of_length_plus_five_and_twice_the_length() -> None:
    # |A| = 2: at most min(7, 4) = 4 words. "Pose Adaptive ... Regression" is five words away.
    far = "Pose estimation with many adaptive layers and also more careful attention regression (PR) works"
    assert definitions(far) == []
    near = "we use pose regression (PR) here"
    assert definitions(near) == [("PR", "pose regression")]


def test_right_to_left_match_takes_the_shortest_long_form() -> None:
    assert best_long_form("HMM", "we fit a hidden Markov model") == "hidden Markov model"
    assert best_long_form("HMM", "we fit a model") is None
    assert best_long_form("A2C", "the advantage actor 2 critic") == "actor 2 critic"
    assert best_long_form("A2C", "advantage actor critic") is None


def test_what_schwartz_hearst_accepts_but_the_corpus_filter_does_not() -> None:
    """The algorithm itself accepts these; `learn` asks half the letters to begin words."""
    note = "the approach of RNNs (of keeping a running compressed representation of everything seen up to this point)"
    mnist = "The model learns smooth interpolations between digits (MNIST) and faces (TFD)."
    assert definitions(note) == [("RNNs", "representation of everything seen up to this point")]
    assert definitions(mnist) == [("MNIST", "model learns smooth interpolations between digits")]
    assert not initials_agree("RNNs", "representation of everything seen up to this point")
    assert not initials_agree("MNIST", "model learns smooth interpolations between digits")
    assert initials_agree("GAIN", "generative adversarial imputation network")
    assert initials_agree("WGANs", "Wasserstein GANs")
    assert learn([note, mnist]) == {}


# --- what a corpus defines ---


def test_learn_keeps_the_majority_long_form_and_both_on_a_tie() -> None:
    texts = [
        "Generative Adversarial Networks (GANs) are popular.",
        "A generative adversarial network (GAN) has two players.",  # the same long form, singular
        "We use a gated attention network (GAN) here.",  # a conflicting definition, seen once
        "Policy gradient (PG) methods.", "Proximal gradient (PG) methods.",  # a tie: both kept
    ]
    learned = learn(texts)
    assert [lf.terms for lf in learned["gan"].longs] == [("generat", "adversari", "network")]
    assert learned["gan"].short == "GAN" and learned["gan"].longs[0].text in {
        "generative adversarial networks", "generative adversarial network"}
    assert sorted(lf.text for lf in learned["pg"].longs) == ["policy gradient", "proximal gradient"]


def test_acronym_terms_and_long_form_terms() -> None:
    assert acronym_term("GANs") == acronym_term("GAN") == "gan"
    assert acronym_term("CNNs") == "cnn" and acronym_term("ViTs") == "vit"
    assert acronym_term("two words") is None and acronym_term("IT") is None  # "it" is a stop word
    assert long_terms("long short-term memory") == ("long", "short", "term", "memori")
    assert long_terms("Long Short Term Memory") == ("long", "short", "term", "memori")
    assert long_terms("out-of-distribution") == ("outofdistribut",)


# --- glossaries ---


def test_the_bundled_glossary_loads_cleanly() -> None:
    glossary = load_glossary()
    assert not glossary.problems
    assert 40 <= len(glossary.entries) <= 80
    assert [lf.text for lf in glossary.entries["rl"].longs] == ["reinforcement learning"]
    assert glossary.entries["vit"].short == "ViT"
    assert {lf.text for lf in glossary.entries["cnn"].longs} == {"convolutional neural network",
                                                                  "convolutional network"}


def test_a_corpus_glossary_adds_overrides_and_drops(tmp_path: Path) -> None:
    (tmp_path / GLOSSARY_NAME).write_text(
        "# our group's shorthand\n"
        "\n"
        "RL\trobot learning\n"  # replaces the bundled long form
        "LTH\tlottery ticket hypothesis\n"  # a new one
        "GAN\t-\n"  # dropped
        "no tab on this line\n"
        "TOOLONGACRONYM\tsomething\n"
        "X Y Z\tthree words\n"
        "OK\t\n"
        "NN\tnn\n",  # a long form that is the acronym itself
        encoding="utf-8")
    glossary = load_glossary(tmp_path)
    assert [lf.text for lf in glossary.entries["rl"].longs] == ["robot learning"]
    assert [lf.terms for lf in glossary.entries["lth"].longs] == [("lotteri", "ticket", "hypothesi")]
    assert "gan" not in glossary.entries and "vae" in glossary.entries
    assert [(p.source, p.line) for p in glossary.problems] == [(GLOSSARY_NAME, n) for n in (6, 7, 8, 9, 10)]
    assert all(str(p).startswith(f"{GLOSSARY_NAME}:") for p in glossary.problems)
    assert glossary.fingerprint != load_glossary().fingerprint


def test_glossary_lines_repeat_and_take_several_long_forms() -> None:
    entries, problems = parse_glossary("SF\tshort form\tsmall font\nSF\tscience fiction\nSF\tsmall font\n", "g.tsv")
    assert not problems and entries["sf"] == ("SF", ["short form", "small font", "science fiction"])


def test_an_unreadable_corpus_glossary_is_reported(tmp_path: Path) -> None:
    (tmp_path / GLOSSARY_NAME).write_bytes(b"RL\t\xff\xfe not utf-8\n")
    glossary = load_glossary(tmp_path)
    assert glossary.problems and glossary.problems[0].source == GLOSSARY_NAME
    assert "rl" in glossary.entries  # the bundled entries still load


# --- tokens: plurals of acronyms, spelling variants, joined words ---


@pytest.mark.parametrize(("plural", "acronym"), [("RNNs", "RNN"), ("GANs", "GAN"), ("CNNs'", "CNN"),
                                                 ("CNN's", "CNN"), ("LSTMs", "LSTM"), ("ViTs", "ViT"),
                                                 ("NeRFs", "NeRF"), ("MLPs", "MLP"), ("GPUs", "GPU")])
def test_an_acronyms_plural_folds_to_it(plural: str, acronym: str) -> None:
    assert tokenize(plural) == tokenize(acronym) and len(tokenize(acronym)) == 1


@pytest.mark.parametrize("word", ["Its", "Ps", "bias", "lens", "tasks", "News", "Gas"])
def test_ordinary_words_ending_in_s_are_not_acronyms(word: str) -> None:
    assert singular_acronym(word) == word


@pytest.mark.parametrize(("british", "american_"), [
    ("regularisation", "regularization"), ("normalised", "normalized"), ("optimiser", "optimizer"),
    ("amortised", "amortized"), ("summarise", "summarize"), ("colour", "color"), ("behaviours", "behaviors"),
    ("analyse", "analyze"), ("analysed", "analyzed"), ("centre", "center"), ("catalogue", "catalog"),
    ("modelling", "modeling"), ("labelled", "labeled"), ("factorisation", "factorization"),
])
def test_british_and_american_spellings_meet(british: str, american_: str) -> None:
    assert tokenize(british) == tokenize(american_)


@pytest.mark.parametrize("word", ["noise", "denoising", "exercise", "promise", "surprise", "advertise", "pairwise",
                                  "otherwise", "precise", "raise", "hour", "four", "arise", "crisis"])
def test_words_spelt_only_one_way_are_left_alone(word: str) -> None:
    assert american(word) == word


def test_hyphenated_words_meet_their_joined_form() -> None:
    assert set(tokenize("pretraining")) <= set(tokenize("pre-training"))
    assert set(tokenize("pre training")) <= set(tokenize("pre-training"))
