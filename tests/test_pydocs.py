"""The pydocs corpus: cleaning rules (each worked example), the built corpus, its cache and its split."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

import pytest

from mlmcourse.corpora import pydocs
from mlmcourse.corpora.pydocs import (
    clean_document,
    is_prose,
    load_pydocs,
    pydocs_paragraphs,
    split_blocks,
    split_of,
    strip_markup,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the corpus once, from scratch, into a private cache folder (a few seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLMCOURSE_CACHE", str(tmp_path_factory.mktemp("cache")))
        assert not pydocs.cache_path().exists()
        paragraphs = pydocs_paragraphs(progress=False)
        yield paragraphs


# --- the worked examples in the docstrings ---------------------------------------------------------------

def test_strip_markup_examples():
    assert strip_markup("Use :func:`len` on ``items``; see *Notes* and **Warning** [1]_.") == \
        "Use len on items; see Notes and Warning."
    assert strip_markup(":class:`~collections.OrderedDict` keeps `insertion order <https://x.y>`_") == \
        "OrderedDict keeps insertion order"


def test_strip_markup_keeps_stars_that_are_code():
    assert strip_markup('The power operator "**" binds tighter: "2**-1" is 0.5.') == \
        'The power operator "**" binds tighter: "2**-1" is 0.5.'
    assert strip_markup("Call f(*args, **kwargs) with *all* of them.") == "Call f(*args, **kwargs) with all of them."
    assert strip_markup(":ref:`the tutorial <tut-intro>` and :meth:`!close`") == "the tutorial and close"


def test_split_blocks_example():
    text = "Intro::\n\n    code()\n\nSee below.\n>>> 1 + 1\n2\n\n.. note:: hidden\n   body\nTitle\n====="
    assert split_blocks(text) == ["Intro:", "See below."]


def test_split_blocks_drops_tables_and_splits_list_items():
    table = "+-----+-----+\n| a   | b   |\n+-----+-----+\n\nAfter the table."
    assert split_blocks(table) == ["After the table."]
    simple_table = "=====  =====\nname   value\n=====  =====\n"
    assert split_blocks(simple_table) == []
    assert split_blocks("Options:\n* first item here\n* second item\n  continues") == \
        ["Options:", "* first item here", "* second item continues"]


def test_is_prose_example_and_rules():
    assert is_prose("Return the number of items in a container, counting duplicates.")
    assert not is_prose("x = f(a, b)  # doctest")
    assert not is_prose("Return the number of items.")  # fewer than 8 words
    assert not is_prose("return the number of items in a container, counting duplicates.")  # no capital
    assert not is_prose("Return the number of items in a container, counting duplicates")  # no sentence end
    assert not is_prose("Compute f(x[0]) + g(y[1]) / h(z[2]) * k(w[3]) for each one.")  # mostly symbols


def test_clean_document_example():
    text = "Sort the list in place, using only < comparisons between items.\n\n    >>> xs.sort()\n"
    assert clean_document(text) == ["Sort the list in place, using only < comparisons between items."]


def test_split_of_examples():
    assert (split_of("Cows moo."), split_of("Cows moo.", seed=1), split_of("Owls hoot.", seed=1)) == \
        ("train", "validation", "test")
    counts = Counter(split_of(f"Paragraph {i}.") for i in range(10_000))
    assert sorted(counts.items()) == [("test", 524), ("train", 9002), ("validation", 474)]


# --- the built corpus -------------------------------------------------------------------------------------

def test_corpus_is_large_and_real_prose(built):
    assert len(built) >= 3_000
    assert sum(len(p.split()) for p in built) >= 80_000
    assert "Return the number of items in a container." in built  # the docstring of len()
    assert all(is_prose(p) for p in built)


def test_corpus_has_no_code_or_markup(built):
    role = re.compile(r":[a-z]+:`")
    for paragraph in built:
        assert ">>>" not in paragraph, paragraph
        assert not role.search(paragraph), paragraph
        assert "``" not in paragraph, paragraph
        assert not paragraph.startswith(".. "), paragraph
        assert "\n" not in paragraph and "  " not in paragraph, paragraph


def test_corpus_is_deduplicated_and_sorted(built):
    normalised = [" ".join(p.casefold().split()) for p in built]
    assert len(set(normalised)) == len(built)
    assert built == sorted(built)


def test_unsafe_modules_were_not_imported(built):
    for name in ("antigravity", "this", "idlelib", "tkinter", "turtle"):
        assert name not in sys.modules


def test_module_list_is_sorted_and_safe():
    names = pydocs.stdlib_modules()
    tops = [name for name in names if "." not in name]
    assert tops == sorted(tops)
    assert "json" in names and "collections.abc" in names
    assert not any(name.split(".")[0] in pydocs.UNSAFE_MODULES for name in names)
    assert not any(part.startswith("_") for name in names for part in name.split("."))  # no __main__


def test_cache_is_written_and_read_back(built, monkeypatch):
    path = pydocs.cache_path()
    assert f"python{sys.version_info.major}.{sys.version_info.minor}." in path.name
    assert json.loads(path.read_text(encoding="utf-8")) == built

    def no_rebuild(progress=True):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(pydocs, "build_paragraphs", no_rebuild)
    assert pydocs_paragraphs() == built


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("MLMCOURSE_CACHE", str(tmp_path))
    pydocs.cache_path().write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(pydocs, "build_paragraphs", lambda progress=True: ["A rebuilt paragraph."])
    assert pydocs_paragraphs() == ["A rebuilt paragraph."]
    assert json.loads(pydocs.cache_path().read_text(encoding="utf-8")) == ["A rebuilt paragraph."]


def test_split_is_deterministic_disjoint_and_complete(built):
    corpus = load_pydocs(seed=0)
    splits = {name: list(corpus[name]["text"]) for name in ("train", "validation", "test")}
    assert all(splits.values())
    assert sum(map(len, splits.values())) == len(built)
    assert set(splits["train"]).isdisjoint(splits["validation"])
    assert set(splits["train"]).isdisjoint(splits["test"])
    assert set(splits["validation"]).isdisjoint(splits["test"])
    assert all(split_of(p) == "validation" for p in splits["validation"])
    assert 0.03 < len(splits["validation"]) / len(built) < 0.07
    assert list(load_pydocs(seed=0)["test"]["text"]) == splits["test"]
    assert list(load_pydocs(seed=1)["test"]["text"]) != splits["test"]
