"""Fine-tuning end to end on tiny models: it learns, stops early, is seeded, respects its budget; a linear probe
leaves the encoder alone; our heads and transformers' classes give the same run in the same loop; exported folders
give the pipelines' predictions; bad ``--data`` files get clear errors; the command prints its JSON."""

from __future__ import annotations

import json

import pytest
import torch
from _eval_fixtures import one_torch_thread, save_toyworld_checkpoint

from mlmcourse.errors import CourseError
from mlmcourse.finetune import FinetuneConfig, classify, export_classifier, finetune, tag
from mlmcourse.finetune.data import Examples, TaskData
from mlmcourse.finetune.files import read_labelled_file
from mlmcourse.finetune.models import build_classifier
from mlmcourse.finetune.tasks import toyworld_entities

ANIMAL_LINES = [f"the {animal} barked at {who} ." for animal in ("dog", "fox", "puppy")
                for who in ("me", "us", "him", "her", "them", "the farmer", "the child", "the man")]
CAPITAL_LINES = [f"{city} is the capital of {country} ." for city, country in
                 [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("madrid", "spain"),
                  ("lisbon", "portugal"), ("vienna", "austria"), ("oslo", "norway"), ("athens", "greece"),
                  ("dublin", "ireland"), ("warsaw", "poland"), ("tokyo", "japan"), ("cairo", "egypt"),
                  ("bern", "switzerland"), ("moscow", "russia"), ("hanoi", "vietnam"), ("accra", "ghana"),
                  ("rabat", "morocco"), ("amman", "jordan"), ("beirut", "lebanon"), ("manila", "philippines"),
                  ("helsinki", "finland"), ("beijing", "china"), ("tehran", "iran"), ("baghdad", "iraq")]]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return save_toyworld_checkpoint(tmp_path_factory.mktemp("tiny") / "model")


def easy_task() -> TaskData:
    """Animal sentences (label 0) vs capital sentences (label 1): learnable in a few steps."""
    texts = [line for pair in zip(ANIMAL_LINES, CAPITAL_LINES, strict=True) for line in pair]
    labels = [0, 1] * len(ANIMAL_LINES)
    splits = {"train": Examples(texts[:32], labels[:32]), "validation": Examples(texts[32:40], labels[32:40]),
              "test": Examples(texts[40:], labels[40:])}
    return TaskData("easy", "sequence", ["animal", "capital"], splits)


def quick(folder, **changes) -> FinetuneConfig:
    values = dict(init_from=str(folder), batch_size=8, epochs=5, min_steps=10, max_steps=40, lr=3e-3, dropout=0.0,
                  progress=False, patience=3)
    return FinetuneConfig(**{**values, **changes})


def test_it_learns_an_easy_task(folder):
    result = finetune(quick(folder), data=easy_task())
    assert result.test["accuracy"] == 1.0 and result.test["n"] == 8, result.history
    assert result.test["confusion_matrix"] == [[4, 0], [0, 4]]
    summary = result.summary()
    assert {"accuracy", "macro_f1", "n_train", "seed", "test"} <= set(summary) and summary["n_train"] == 32
    json.dumps(summary)  # JSON-ready


def test_early_stopping_and_the_best_weights(folder):
    result = finetune(quick(folder, lr=1e-12, max_steps=200, epochs=100), data=easy_task())
    assert result.stop_reason == "early_stopping"
    assert len(result.history) == 1 + 3 and result.best_step == result.history[0]["step"]  # best, then patience


def test_seeds_repeat_and_differ(folder):
    task = easy_task()
    first = finetune(quick(folder, n_train=12, seed=1, max_steps=10), data=task)
    again = finetune(quick(folder, n_train=12, seed=1, max_steps=10), data=task)
    other = finetune(quick(folder, n_train=12, seed=2, max_steps=10), data=task)
    assert [h["train_loss"] for h in first.history] == [h["train_loss"] for h in again.history]
    assert [h["train_loss"] for h in first.history] != [h["train_loss"] for h in other.history]


def test_time_budget_stops_and_still_scores(folder):
    result = finetune(quick(folder, max_minutes=1e-9), data=easy_task())
    assert result.stop_reason == "max_minutes" and result.steps == 0 and 0 <= result.test["accuracy"] <= 1


def test_linear_probe_leaves_the_encoder_alone(folder):
    config = FinetuneConfig.recipe("linear-probe", init_from=str(folder), batch_size=8, min_steps=10, max_steps=10,
                                   progress=False)
    model, tokenizer = build_classifier(config, ["animal", "capital"], "sequence")
    before = {name: tensor.clone() for name, tensor in model.encoder.state_dict().items()}
    result = finetune(config, data=easy_task(), model=model, tokenizer=tokenizer)
    after = result.model.encoder.state_dict()
    assert all(torch.equal(before[name], after[name]) for name in before)
    hidden = model.config.hidden_size
    assert result.trainable_parameters == hidden * 2 + 2  # the linear layer only
    with pytest.raises(CourseError, match="linear probe.*no Hugging Face"):
        export_classifier(result.model, tokenizer, folder.parent / "probe", ["animal", "capital"])


def test_our_heads_and_transformers_class_run_the_same_in_the_same_loop(folder):
    from mlmcourse.finetune.convert import to_hf

    config = quick(folder, max_steps=20, patience=10)
    task = easy_task()
    torch.manual_seed(config.seed)
    ours, tokenizer = build_classifier(config, task.label_names, "sequence")
    theirs = to_hf(ours, task.label_names)  # the same initial weights
    mine = finetune(config, data=task, model=ours, tokenizer=tokenizer)
    reference = finetune(config, data=task, model=theirs, tokenizer=tokenizer)
    for a, b in zip(mine.history, reference.history, strict=True):
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-4 and abs(a["loss"] - b["loss"]) < 1e-4
    assert mine.test["accuracy"] == reference.test["accuracy"]


def test_exported_classifier_gives_the_text_classification_pipelines_predictions(folder, tmp_path):
    from transformers import pipeline

    result = finetune(quick(folder, max_steps=15), data=easy_task())
    out = export_classifier(result.model, result.tokenizer, tmp_path / "classifier", result.label_names)
    texts = ANIMAL_LINES[:3] + CAPITAL_LINES[:3] + ["the dog is the capital of me ."]
    expected = pipeline("text-classification", model=str(out))(texts)
    got = classify(result.model, result.tokenizer, texts, result.label_names)
    assert [record["label"] for record in got] == [record["label"] for record in expected]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(got, expected, strict=True)) < 1e-5
    assert json.loads((out / "config.json").read_text())["architectures"] == ["BertForSequenceClassification"]
    with pytest.raises(CourseError, match="not empty"):
        export_classifier(result.model, result.tokenizer, out, result.label_names)


def test_exported_tagger_gives_the_token_classification_pipelines_predictions(folder, tmp_path):
    from transformers import pipeline

    task = toyworld_entities(n_sentences=300, seed=0)
    result = finetune(quick(folder, max_steps=15, n_train=64), data=task)
    assert 0 <= result.test["accuracy"] <= 1 and result.test["n"] == sum(map(len, task.splits["test"].labels))
    out = export_classifier(result.model, result.tokenizer, tmp_path / "tagger", result.label_names)
    tagger = pipeline("token-classification", model=str(out), aggregation_strategy="none", ignore_labels=[])
    for sentence in task.splits["test"].texts[:5]:
        expected = tagger(sentence)
        got = tag(result.model, result.tokenizer, sentence, result.label_names)
        assert [(r["index"], r["entity"]) for r in got] == [(r["index"], r["entity"]) for r in expected]
        assert max(abs(a["score"] - b["score"]) for a, b in zip(got, expected, strict=True)) < 1e-5


# --- your own data ---------------------------------------------------------------------------------------------

def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_and_jsonl_files_are_read_and_split(tmp_path):
    rows = "\n".join(f"{line},{'animal' if 'barked' in line else 'capital'}" for line in ANIMAL_LINES + CAPITAL_LINES)
    task = read_labelled_file(write(tmp_path / "mine.csv", "text,label\n" + rows))
    assert task.label_names == ["animal", "capital"] and sum(len(task.splits[n]) for n in task.splits) == 48
    lines = [json.dumps({"text": text, "label": label, "split": split}) for text, label, split in
             [("a b", "x", "train"), ("c d", "y", "train"), ("e f", "x", "validation"), ("g h", "y", "test")]]
    task = read_labelled_file(write(tmp_path / "mine.jsonl", "\n".join(lines)))
    assert [len(task.splits[n]) for n in ("train", "validation", "test")] == [2, 1, 1]


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", "", "is empty"),
    ("header.csv", "text,label\n", "no rows"),
    ("nolabel.csv", "text,category\na dog,x\n", r"no `label` column \(columns found: category, text\)"),
    ("notext.jsonl", '{"sentence": "a", "label": "x"}\n', "no `text` column"),
    ("unseen.jsonl", '{"text": "a", "label": "x", "split": "train"}\n{"text": "b", "label": "y", "split": "train"}\n'
                     '{"text": "c", "label": "z", "split": "validation"}\n{"text": "d", "label": "x", "split": "test"}',
     "'z' appear in validation but never in train"),
    ("badjson.jsonl", '{"text": "a", "label": "x"}\nnot json\n', "line 2 is not JSON"),
    ("blank.csv", "text,label\n,x\n", "row 2 has no text"),
    ("split.csv", "text,label,split\na,x,holdout\n", "unknown split 'holdout'"),
    ("data.txt", "a\tb\n", "neither .csv nor .jsonl"),
])
def test_bad_files_get_clear_errors(tmp_path, name, content, message):
    with pytest.raises(CourseError, match=message):
        read_labelled_file(write(tmp_path / name, content))


def test_the_command_prints_json_and_reports_bad_data(folder, tmp_path, capsys):
    from mlmcourse.cli import main

    rows = "\n".join(f"{line},{'animal' if 'barked' in line else 'capital'}" for line in ANIMAL_LINES + CAPITAL_LINES)
    data = write(tmp_path / "mine.csv", "text,label\n" + rows)
    code = main(["finetune", "--init-from", str(folder), "--data", str(data), "--n-train", "16", "--seed", "3",
                 "--max-steps", "10", "--threads", "1", "--json", "--out", str(tmp_path / "out")])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["n_train"] == 16 and summary["seed"] == 3 and 0 <= summary["accuracy"] <= 1
    assert summary["macro_f1"] == summary["test"]["macro_f1"] and summary["steps"] <= 10
    assert json.loads((tmp_path / "out" / "finetune.json").read_text())["scores"]["seed"] == 3
    code = main(["finetune", "--init-from", str(folder), "--data", str(write(tmp_path / "bad.csv", "text\na\n"))])
    assert code == 2 and "no `label` column" in capsys.readouterr().err


def test_the_command_from_scratch(tmp_path, capsys):
    from mlmcourse.cli import main

    lines = [json.dumps({"text": text, "label": "animal" if "barked" in text else "capital"})
             for text in ANIMAL_LINES + CAPITAL_LINES]
    data = write(tmp_path / "mine.jsonl", "\n".join(lines))
    assert main(["finetune", "--init-from", "scratch", "--data", str(data), "--max-steps", "3", "--threads", "1",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["init_from"] == "scratch" and summary["steps"] == 3


def test_learning_curves_run_every_start_size_and_seed(folder):
    from mlmcourse.finetune import learning_curves, summarize

    starts = {"checkpoint": quick(folder, max_steps=10), "probe": FinetuneConfig.recipe(
        "linear-probe", init_from=str(folder), batch_size=8, min_steps=5, max_steps=5, progress=False)}
    rows = learning_curves(easy_task(), starts, sizes=[8, 16], seeds=[0, 1], progress=False)
    assert [(row["start"], row["n_train"], row["seed"]) for row in rows] == [
        (start, size, seed) for start in starts for size in (8, 16) for seed in (0, 1)]
    summary = summarize(rows)
    assert set(summary) == {(start, size) for start in starts for size in (8, 16)}
    assert all(0 <= mean <= 1 and spread >= 0 for mean, spread in summary.values())
