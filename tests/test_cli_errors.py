"""The command line: every failure a user can fix is one line and exit status 2; bugs keep their traceback.

Each expected failure goes through ``mlmcourse.cli.main`` as a user would meet it (a missing folder, a corrupt
``model.safetensors``, ``--threads -1``, an unwritable ``--out``, running out of memory); ``--traceback`` shows the
Python traceback as well; an internal bug (a plain ``ValueError`` / ``KeyError``) is never turned into exit 2.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
import torch

import mlmcourse.inference.cli as fill_mask_cli
from mlmcourse.cli import expected_failure, main
from mlmcourse.errors import CorruptFileError, CourseError
from mlmcourse.inference.loading import course_checkpoint_dir

TEXT = "the [MASK] barked at me ."


def run(argv: list[str], capsys) -> tuple[int, str]:
    """(exit status, stderr) of ``mlmcourse ARGV``."""
    code = main(argv)
    return code, capsys.readouterr().err


def assert_one_line(err: str, *fragments: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def corrupt_model(tmp_path) -> Path:
    """The course checkpoint with its weights cut short, as an interrupted copy leaves them."""
    folder = tmp_path / "corrupt"
    shutil.copytree(course_checkpoint_dir(), folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return folder


def test_course_error_is_a_value_error_so_old_callers_keep_working():
    assert issubclass(CourseError, ValueError) and issubclass(CorruptFileError, CourseError)


def test_missing_model_folder(tmp_path, capsys):
    code, err = run(["fill-mask", TEXT, "--model", str(tmp_path / "no-such-model")], capsys)
    assert code == 2
    assert_one_line(err, "mlmcourse fill-mask: error:", "no-such-model")


def test_missing_corpus_file(tmp_path, capsys):
    code, err = run(["eval", "--corpus", str(tmp_path / "missing.txt"), "--quick"], capsys)
    assert code == 2
    assert_one_line(err, "mlmcourse eval: error:", "missing.txt")


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_corrupt_safetensors_names_the_file(corrupt_model, engine, capsys):
    code, err = run(["fill-mask", TEXT, "--model", str(corrupt_model), "--engine", engine], capsys)
    assert code == 2
    assert_one_line(err, str(corrupt_model / "model.safetensors"), "not a readable safetensors file")


def test_corrupt_safetensors_raises_course_error_in_python(corrupt_model):
    from mlmcourse.model import MaskedLM

    with pytest.raises(CorruptFileError, match="model.safetensors is not a readable safetensors file"):
        MaskedLM.from_pretrained(corrupt_model)


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--threads", "-1"], "--threads"),
    (["train", "--threads", "0"], "--threads"),
    (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--mask-prob", "1.5"], "mask_prob"),
    (["fill-mask", TEXT, "--top-k", "0"], "top_k"),
    (["fill-mask", "the dog barked ."], "no mask token"),
    (["eval", "--batch-size", "0", "--quick"], "--batch-size"),
    (["eval", "--n-texts", "-5", "--quick"], "--n-texts"),
])
def test_bad_numbers_and_inputs(argv, fragment, tmp_path, capsys):
    if argv[0] == "train":
        argv = [*argv, "--out", str(tmp_path / "run"), "--no-progress"]
    code, err = run(argv, capsys)
    assert code == 2
    assert_one_line(err, fragment)
    assert not (tmp_path / "run").exists()  # refused before anything was written


def _deny(monkeypatch, forbidden: Path) -> None:
    """os.mkdir refuses inside ``forbidden``, as it does in a folder the user cannot write (tests may run as root,
    who can write anywhere, so the refusal is simulated at the system call)."""
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).is_relative_to(forbidden):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize("option", ["--out", "--export"])
def test_permission_denied_on_the_output_folder(option, tmp_path, monkeypatch, capsys):
    forbidden = tmp_path / "readonly"
    forbidden.mkdir()
    _deny(monkeypatch, forbidden)
    code, err = run(["train", option, str(forbidden / "run"), "--max-steps", "1", "--no-progress"], capsys)
    assert code == 2
    line = assert_one_line(err, "permission denied", repr(str(forbidden / "run" if option == "--out" else forbidden)))
    assert "--out" in line  # what to do: write somewhere else


def test_an_unreadable_corpus_file(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "secret.txt"
    corpus.write_text("the dog barked at me .\n" * 50)
    real_open = open

    def refuse(path, *args, **kwargs):  # what open() does on a file without read permission (root reads anyway)
        if str(path) == str(corpus):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    code, err = run(["train", "--corpus", str(corpus), "--out", str(tmp_path / "run"), "--no-progress"], capsys)
    assert code == 2
    assert_one_line(err, f"permission denied: {str(corpus)!r}", "fix its permissions")


@pytest.mark.parametrize("error, fragment", [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"), "smaller --batch-size"),
    (MemoryError(), "smaller --batch-size"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "notes"), "'notes' is a folder"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "model.txt"), "'model.txt' is a file"),
])
def test_out_of_memory_and_file_kinds(error, fragment, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(fill_mask_cli, "fill_mask", fail)
    code, err = run(["fill-mask", TEXT], capsys)
    assert code == 2
    assert_one_line(err, "mlmcourse fill-mask: error:", fragment)


def test_traceback_flag_shows_the_traceback(tmp_path, capsys):
    for argv in (["--traceback", "fill-mask", TEXT, "--model", str(tmp_path / "nowhere")],
                 ["fill-mask", TEXT, "--model", str(tmp_path / "nowhere"), "--traceback"]):
        code, err = run(argv, capsys)
        assert code == 2
        assert "Traceback (most recent call last)" in err
        assert err.strip().splitlines()[-1].startswith("mlmcourse fill-mask: error:")


@pytest.mark.parametrize("bug", [ValueError("shapes (3,) and (4,) not aligned"), KeyError("hidden_size"),
                                 TypeError("unsupported operand"), RuntimeError("expected scalar type Float")])
def test_an_internal_bug_is_not_disguised_as_a_user_error(bug, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr(fill_mask_cli, "fill_mask", broken)
    with pytest.raises(type(bug)):
        main(["fill-mask", TEXT])
    assert "error:" not in capsys.readouterr().err
    assert expected_failure(bug) is None


def test_a_safetensors_error_outside_a_file_read_is_a_bug(monkeypatch):
    """Only the call that opens a file may blame the file; elsewhere the library's error is a bug."""
    from safetensors import SafetensorError

    error = SafetensorError("Error while deserializing header: invalid header length")
    assert expected_failure(error) is None


def test_check_env_runs_and_an_unknown_command_is_argparse_exit_2(capsys):
    assert main(["check-env", "--no-hub-probe"]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("name", ["mlmcourse.errors", "mlmcourse.atomic", "mlmcourse.cli", "mlmcourse.env"])
def test_docstring_examples(name):
    import doctest
    import importlib

    results = doctest.testmod(importlib.import_module(name))
    assert results.attempted > 0 and results.failed == 0
