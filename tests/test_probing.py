"""The probe-gap watcher and the recipe study: curves recorded, a target stops the run, an interrupted study resumes."""

from __future__ import annotations

import json

from mlmcourse.training.probing import STUDY, STUDY_COMMON, compare_recipes


def test_recipe_study_records_curves_and_continues_where_it_stopped(tmp_path):
    common = dict(corpus="toyworld", corpus_options={"n_sentences": 600}, preset="tiny", seq_len=32, batch_size=8,
                  max_steps=4, warmup_steps=1, eval_every=100, log_every=2, precision="fp32", progress=False,
                  num_threads=1)
    recipes = {"padded": {**common, "packing": "none"}, "lines": {**common, "packing": "lines"}}
    path = tmp_path / "study.json"
    study = compare_recipes({"padded": recipes["padded"]}, [0], every=2, path=path, n_probes=3)
    assert list(study["runs"]) == ["padded|0"]
    first = json.loads(path.read_text())["runs"]["padded|0"]
    assert [point["step"] for point in first["curve"]] == [2, 4]
    assert all(point["positions"] == point["step"] * 8 * 32 for point in first["curve"])
    assert set(first["curve"][0]["per_phenomenon"]) >= {"facts", "counting"}
    study = compare_recipes(recipes, [0, 1], every=4, path=path, n_probes=3)
    assert sorted(study["runs"]) == ["lines|0", "lines|1", "padded|0", "padded|1"]
    assert study["runs"]["padded|0"]["curve"] == first["curve"]  # kept, not trained again
    assert study["runs"]["lines|0"]["curve"][-1]["tokens"] <= study["runs"]["lines|0"]["curve"][-1]["positions"]


def test_the_study_changes_one_thing_at_a_time():
    names = list(STUDY)
    for before, after in zip(names, names[1:], strict=False):
        changed = {key for key in STUDY[after] if STUDY[after][key] != STUDY[before].get(key)}
        # the packing change also moves the row length and batch, keeping positions per step equal
        assert changed <= {"packing", "seq_len", "batch_size"} or changed == {"mask_prob"}, (before, after, changed)
        assert STUDY[after]["seq_len"] * STUDY[after]["batch_size"] == STUDY[before]["seq_len"] * STUDY[before]["batch_size"]
    assert STUDY_COMMON["max_steps"] >= 1000
