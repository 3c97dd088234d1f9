"""load_corpus: the toy world, pydocs, local files and Hub names; every bad input gives a clear error.

Nothing here touches the network: the Hub probe and ``datasets.load_dataset`` are replaced where needed.
"""

from __future__ import annotations

import inspect
import socket
import subprocess
import sys
import threading
from collections import Counter

import datasets
import pytest

import mlmcourse.corpora as corpora
from mlmcourse.cli import CourseError
from mlmcourse.corpora import SPLITS, hub, load_corpus, pydocs
from mlmcourse.corpora.hub import resolve_hub_name
from mlmcourse.corpora.local import looks_like_path


def texts(corpus: datasets.DatasetDict) -> dict[str, list[str]]:
    return {name: list(corpus[name]["text"]) for name in SPLITS}


def write_lines(path, lines: list[str]):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- toy world ---------------------------------------------------------------------------------------------

def test_toyworld_splits_sizes_and_format():
    corpus = load_corpus("toyworld", n_sentences=200, seed=0)
    assert list(corpus) == list(SPLITS)
    assert [corpus[name].num_rows for name in SPLITS] == [200, 10, 10]
    assert corpus["train"].column_names == ["text"]
    for line in corpus["train"]["text"]:
        assert line.endswith(" .") and line == line.lower() and "  " not in line


def test_load_corpus_docstring_example():
    corpus = load_corpus("toyworld", n_sentences=100)
    assert (corpus["train"].num_rows, corpus["validation"].num_rows, corpus["train"][0]["text"].endswith(" .")) == \
        (100, 5, True)


def test_toyworld_is_the_generator_with_train_and_held_out_seeds():
    from mlmcourse.corpora.toyworld import ToyWorld

    corpus = load_corpus("toyworld", n_sentences=100, seed=3)
    world = ToyWorld()
    assert texts(corpus)["train"] == world.generate(100, seed=3)
    assert texts(corpus)["validation"] == world.generate(5, seed=3 + corpora.VALIDATION_SEED_OFFSET)
    assert texts(corpus)["test"] == world.generate(5, seed=3 + corpora.TEST_SEED_OFFSET)


def test_toyworld_is_deterministic_per_seed():
    first = texts(load_corpus("toyworld", n_sentences=100, seed=0))
    assert texts(load_corpus("toyworld", n_sentences=100, seed=0)) == first
    assert texts(load_corpus("toyworld", n_sentences=100, seed=1))["train"] != first["train"]


def test_toyworld_default_size_follows_smoke_mode(monkeypatch):
    monkeypatch.setenv("MLMCOURSE_SMOKE", "1")
    assert load_corpus("toyworld")["train"].num_rows == 2_000


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_toyworld_rejects_a_bad_size(bad):
    with pytest.raises(ValueError, match="n_sentences must be a positive whole number"):
        load_corpus("toyworld", n_sentences=bad)


# --- pydocs dispatch (the corpus itself is tested in test_pydocs.py) --------------------------------------

def test_pydocs_name_gives_the_hash_split(monkeypatch):
    paragraphs = [f"Paragraph number {i} is a sentence of some length." for i in range(300)]
    monkeypatch.setattr(pydocs, "pydocs_paragraphs", lambda: paragraphs)
    corpus = load_corpus("pydocs", seed=2)
    for name in SPLITS:
        assert corpus[name].num_rows > 0
        assert all(pydocs.split_of(p, seed=2) == name for p in corpus[name]["text"])
    assert sorted(sum(texts(corpus).values(), [])) == sorted(paragraphs)


# --- local files ------------------------------------------------------------------------------------------

def test_local_file_drops_empty_lines_and_splits_90_5_5(tmp_path):
    lines = [f"line {i} of my domain text" for i in range(100)]
    path = write_lines(tmp_path / "notes.txt", lines[:50] + ["", "   "] + lines[50:])
    corpus = load_corpus(str(path), seed=0)
    sizes = [corpus[name].num_rows for name in SPLITS]
    assert sizes == [90, 5, 5]
    assert Counter(sum(texts(corpus).values(), [])) == Counter(lines)


def test_local_split_is_deterministic_per_seed(tmp_path):
    path = write_lines(tmp_path / "notes.txt", [f"sentence {i}" for i in range(60)])
    first = texts(load_corpus(path, seed=0))
    assert texts(load_corpus(path, seed=0)) == first
    assert texts(load_corpus(path, seed=1))["train"] != first["train"]


def test_local_folder_reads_every_txt_recursively_and_a_glob_reads_its_matches(tmp_path):
    write_lines(tmp_path / "a.txt", ["alpha one", "alpha two"])
    write_lines(tmp_path / "sub" / "b.txt", ["beta one", "beta two", "beta three"])
    write_lines(tmp_path / "ignored.md", ["not text for the corpus"])
    folder = load_corpus(str(tmp_path))
    assert sorted(sum(texts(folder).values(), [])) == ["alpha one", "alpha two", "beta one", "beta three", "beta two"]
    pattern = load_corpus(str(tmp_path / "**" / "b.txt"))
    assert sorted(sum(texts(pattern).values(), [])) == ["beta one", "beta three", "beta two"]


def test_tiny_corpus_still_gets_three_non_empty_splits(tmp_path):
    corpus = load_corpus(write_lines(tmp_path / "t.txt", ["one", "two", "three"]))
    assert [corpus[name].num_rows for name in SPLITS] == [1, 1, 1]


def test_looks_like_path_example():
    assert (looks_like_path("notes/*.txt"), looks_like_path("./corpus"), looks_like_path("wikitext-2-raw-v1")) == \
        (True, True, False)


# --- bad input --------------------------------------------------------------------------------------------

def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file or folder.*missing\.txt.*toyworld"):
        load_corpus(str(tmp_path / "missing.txt"))


def test_empty_file_and_blank_lines_only(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="empty or hold only blank lines"):
        load_corpus(str(empty))
    blank = write_lines(tmp_path / "blank.txt", ["", "   ", "\t"])
    with pytest.raises(ValueError, match="empty or hold only blank lines"):
        load_corpus(str(blank))


def test_too_few_lines(tmp_path):
    with pytest.raises(ValueError, match="at least 3 non-empty lines"):
        load_corpus(str(write_lines(tmp_path / "two.txt", ["one", "two"])))


def test_non_utf8_file_names_line_and_fix(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("first line\ncaf\u00e9 au lait\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"not UTF-8 text: line 2, byte 4 is b'\\xe9.*iconv"):
        load_corpus(str(path))


def test_folder_without_txt_and_glob_without_match(tmp_path):
    write_lines(tmp_path / "notes.md", ["some text"])
    with pytest.raises(FileNotFoundError, match="contains no .txt files"):
        load_corpus(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no file matches the pattern"):
        load_corpus(str(tmp_path / "*.csv"))


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown corpus 'wiki'.*'toyworld'.*'pydocs'.*wikitext-2-raw-v1"):
        load_corpus("wiki")


def test_bad_arguments():
    with pytest.raises(ValueError, match="does not take the option.*n_sentences"):
        load_corpus("pydocs", n_sentences=10)
    with pytest.raises(ValueError, match="empty name"):
        load_corpus("  ")
    with pytest.raises(TypeError, match="a corpus name or a path"):
        load_corpus(["toyworld"])
    with pytest.raises(ValueError, match="seed must be a whole number"):
        load_corpus("toyworld", seed="0")


# --- Hub names --------------------------------------------------------------------------------------------

@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """An empty Hugging Face cache, and a failure if anything tries to reach the Hub or download."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for variable in ("HF_HUB_CACHE", "HF_DATASETS_CACHE"):
        monkeypatch.delenv(variable, raising=False)

    def forbidden(*args, **kwargs):
        raise AssertionError("the network must not be used here")

    monkeypatch.setattr(hub, "hub_reachable", forbidden)
    monkeypatch.setattr(datasets, "load_dataset", forbidden)
    return tmp_path / "hf"


def go_online(monkeypatch, reachable: bool):
    for flag in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(flag, raising=False)
    monkeypatch.setattr(hub, "hub_reachable", lambda *args, **kwargs: reachable)


def test_resolve_hub_name_example():
    assert (resolve_hub_name("wikitext-2-raw-v1"), resolve_hub_name("owner/corpus"), resolve_hub_name("wiki")) == \
        (("Salesforce/wikitext", "wikitext-2-raw-v1"), ("owner/corpus", None), None)


def test_offline_hub_name_fails_at_once_naming_alternatives(no_network, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(CourseError, match=r"offline mode is on.*'toyworld'.*'pydocs'.*file\.txt"):
        load_corpus("wikitext-2-raw-v1")


def test_missing_relative_folder_that_looks_like_a_hub_name_says_so(no_network, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CourseError, match="If you meant a local folder 'my_data/corpus': it does not exist"):
        load_corpus("my_data/corpus")


def test_unreachable_hub_fails_after_the_probe(no_network, monkeypatch):
    go_online(monkeypatch, reachable=False)
    with pytest.raises(CourseError, match=r"cannot be reached.*'toyworld'.*'pydocs'"):
        load_corpus("owner/corpus")


def fake_hub_dataset() -> datasets.DatasetDict:
    rows = {"sentence": [f"text number {i}" for i in range(40)] + ["", " "], "label": list(range(42))}
    return datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows)})


def test_online_hub_dataset_is_standardised(no_network, monkeypatch):
    go_online(monkeypatch, reachable=True)
    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: calls.append(args) or fake_hub_dataset())
    corpus = load_corpus("owner/corpus", text_column="sentence", config_name="en", seed=0)
    assert calls == [("owner/corpus", "en")]
    assert [corpus[name].num_rows for name in SPLITS] == [36, 2, 2]
    assert corpus["train"].column_names == ["text"]
    assert sorted(sum(texts(corpus).values(), [])) == sorted(f"text number {i}" for i in range(40))


def test_offline_but_cached_reads_the_cache(no_network, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    (no_network / "hub" / "datasets--Salesforce--wikitext").mkdir(parents=True)
    calls = []
    shipped = datasets.DatasetDict({name: datasets.Dataset.from_dict({"text": ["a b", "", "c d"]}) for name in SPLITS})
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: calls.append(args) or shipped)
    corpus = load_corpus("wikitext-2-raw-v1")
    assert calls == [("Salesforce/wikitext", "wikitext-2-raw-v1")]
    assert texts(corpus) == {name: ["a b", "c d"] for name in SPLITS}


def test_hub_errors_become_course_errors(no_network, monkeypatch):
    go_online(monkeypatch, reachable=True)

    def broken(*args):
        raise ConnectionError("reset by peer")

    monkeypatch.setattr(datasets, "load_dataset", broken)
    with pytest.raises(CourseError, match=r"could not load 'owner/corpus'.*ConnectionError: reset by peer"):
        load_corpus("owner/corpus")
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: fake_hub_dataset())
    with pytest.raises(CourseError, match=r"no column 'text'.*\['sentence', 'label'\]"):
        load_corpus("owner/corpus")


def test_hub_probe_answers_for_open_and_closed_ports():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert hub.hub_reachable(("127.0.0.1", server.getsockname()[1]), timeout=1.0)
        closed_port = server.getsockname()[1]
    assert not hub.hub_reachable(("127.0.0.1", closed_port), timeout=1.0)


def test_hub_probe_gives_up_on_a_hanging_lookup(monkeypatch):
    release = threading.Event()

    def hanging_connection(*args, **kwargs):
        release.wait(10)  # like a DNS lookup that never answers
        raise OSError("too late")

    monkeypatch.setattr(socket, "create_connection", hanging_connection)
    try:
        assert hub.hub_reachable(("huggingface.co", 443), timeout=0.2) is False
    finally:
        release.set()


# --- package hygiene --------------------------------------------------------------------------------------

def test_documented_options_match_the_loaders():
    from mlmcourse.corpora import local

    loaders = {"the toy world": corpora.load_toyworld, "pydocs": pydocs.load_pydocs,
               "a local text corpus": local.load_local, "a Hub dataset": hub.load_hub}
    for kind, loader in loaders.items():
        keyword_only = {name for name, parameter in inspect.signature(loader).parameters.items()
                        if parameter.kind is inspect.Parameter.KEYWORD_ONLY}
        assert keyword_only - {"seed"} == set(corpora._OPTIONS[kind]), kind


def test_importing_the_package_is_cheap():
    code = "import sys, mlmcourse.corpora; print(sorted({'datasets', 'matplotlib', 'torch'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
