"""The pkgdocs corpus: docstrings are read from source without importing it, cleaned by pydocs' rules, test folders
skipped, deduplicated and cached under a name that holds the packages' versions."""

from __future__ import annotations

import sys

import pytest

from mlmcourse.corpora import pkgdocs

PROSE = "Return the number of items in the queue, counting only those that were never taken out of it."


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    root = tmp_path / "site" / "fakepkg"
    (root / "tests").mkdir(parents=True)
    (root / "__init__.py").write_text(f'"""{PROSE}\n\n    >>> len(q)\n    3\n"""\nraise SystemExit("never imported")\n')
    (root / "core.py").write_text('class Queue:\n    """A queue of items that a worker takes out one at a time, oldest '
                                  'first, until it is empty."""\n\n    def size(self):\n'
                                  f'        """{PROSE.upper()}"""\n')
    (root / "tests" / "test_core.py").write_text('"""A test file whose docstring is long enough to be kept as prose '
                                                 'by the cleaning rules."""\n')
    (root / "broken.py").write_text("def (:\n")
    (tmp_path / "site" / "fakemod.py").write_text('"""A module in one file, whose docstring says enough words to be kept '
                                                  'as prose."""\n')
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("MLMCOURSE_CACHE", str(tmp_path / "cache"))
    yield root
    sys.modules.pop("fakepkg", None)
    sys.modules.pop("fakemod", None)


def test_docstrings_are_parsed_not_imported_and_tests_are_skipped(fake_package):
    files = pkgdocs.package_files("fakepkg")
    assert [path.name for path in files] == ["__init__.py", "broken.py", "core.py"]
    paragraphs = pkgdocs.build_paragraphs(("fakepkg",), progress=False)
    # the doctest is cut, the upper-case copy is a duplicate, the syntax error is skipped, nothing ran
    assert paragraphs == sorted([PROSE, "A queue of items that a worker takes out one at a time, oldest first, "
                                        "until it is empty."])
    assert "fakepkg" not in sys.modules


def test_missing_packages_are_skipped_and_the_cache_is_used(fake_package):
    assert pkgdocs.package_files("no_such_package_here") == []
    first = pkgdocs.pkgdocs_paragraphs(("fakepkg", "no_such_package_here"), progress=False)
    (fake_package / "core.py").write_text('"""A new docstring that the cache does not know about, long enough."""\n')
    assert pkgdocs.pkgdocs_paragraphs(("fakepkg", "no_such_package_here"), progress=False) == first
    assert pkgdocs.pkgdocs_paragraphs(("fakepkg",), use_cache=False, progress=False) != first


def test_a_single_file_module_is_read_too(fake_package):
    assert [path.name for path in pkgdocs.package_files("fakemod")] == ["fakemod.py"]
    assert pkgdocs.build_paragraphs(("fakemod",), progress=False) == [
        "A module in one file, whose docstring says enough words to be kept as prose."]
    assert pkgdocs.installed_versions(("fakemod", "no_such_package_here")) == {"fakemod": "unknown"}
