"""`mlmcourse bench`'s command line: each benchmark lists its options, unknown options are errors."""

from __future__ import annotations

import doctest
import importlib

import pytest

from mlmcourse.bench import available, parse_options
from mlmcourse.cli import main


def test_helpers_are_not_benchmarks():
    names = available()
    assert {"collator", "fill-mask", "tokenizer", "train"} <= set(names)
    assert "timing" not in names


def test_bench_help_lists_that_benchmarks_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "fill-mask", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "mlmcourse bench fill-mask" in out
    for option in ("--batch-size", "--n-sentences", "--latency-repeats", "--json"):
        assert option in out


def test_unknown_option_is_an_error_that_names_it(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "fill-mask", "--json", "--batch-sise", "8"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--batch-sise" in err and "mlmcourse bench fill-mask --help" in err


def test_abbreviations_are_not_guessed(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "collator", "--seq", "64"])  # --seq-len spelled short
    assert stop.value.code == 2
    assert "--seq" in capsys.readouterr().err


def test_impossible_sizes_are_a_clear_error(capsys):
    assert main(["bench", "collator", "--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err
    assert main(["bench", "fill-mask", "--n-sentences", "1"]) == 2
    assert "--n-sentences >= 2" in capsys.readouterr().err


def test_bench_all_gives_each_benchmark_the_options_it_knows(capsys):
    options = parse_options("all", ["--quick", "--json", "--n-sentences", "8", "--sequences", "64"])
    assert set(options) == set(available())
    assert all(found.quick and found.json for found in options.values())
    assert options["fill-mask"].n_sentences == 8 and options["collator"].sequences == 64
    assert not hasattr(options["collator"], "n_sentences")
    with pytest.raises(SystemExit) as stop:
        parse_options("all", ["--quick", "--no-such-option"])
    assert stop.value.code == 2
    assert "--no-such-option" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["timing", "fill_mask", "tokenizer"])
def test_docstring_examples(name):
    results = doctest.testmod(importlib.import_module(f"mlmcourse.bench.{name}"))
    assert results.attempted > 0 and results.failed == 0
