"""Course-wide settings read from the environment: smoke mode, data and cache folders.

Nothing here is mutable global state: every function reads the environment when called, so a test
can set ``MLMCOURSE_SMOKE`` with ``monkeypatch`` and see the change.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def smoke_mode() -> bool:
    """True when ``MLMCOURSE_SMOKE`` is set to a true value: notebooks then pick tiny sizes.

    >>> import os; os.environ["MLMCOURSE_SMOKE"] = "1"; smoke_mode()
    True
    """
    return os.environ.get("MLMCOURSE_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}


def pick(smoke: T, full: T) -> T:
    """Return ``smoke`` in smoke mode, else ``full``: how notebooks choose their sizes.

    >>> import os; os.environ["MLMCOURSE_SMOKE"] = "0"; pick(smoke=100, full=100_000)
    100000
    """
    return smoke if smoke_mode() else full


def data_dir() -> Path:
    """The course's ``data/`` folder (shipped corpora, fixtures, the course checkpoint).

    ``MLMCOURSE_DATA`` overrides it, e.g. on Colab when the repository lives elsewhere.
    """
    return Path(os.environ.get("MLMCOURSE_DATA", REPO_DIR / "data")).expanduser()


def models_dir() -> Path:
    """Where course checkpoints live: ``data/models/<name>/`` in Hugging Face format."""
    return data_dir() / "models"


def cache_dir() -> Path:
    """A writable folder for things the course derives and can rebuild (``MLMCOURSE_CACHE`` overrides)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mlmcourse"
    return Path(os.environ.get("MLMCOURSE_CACHE", default)).expanduser()


def hub_offline() -> bool:
    """True when the Hugging Face Hub must not be contacted (``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE``)."""
    flags = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
    return any(os.environ.get(f, "").strip().lower() in {"1", "true", "yes", "on"} for f in flags)


HUB_HOST = ("huggingface.co", 443)


def hub_reachable(host: tuple[str, int] = HUB_HOST, timeout: float = 1.5) -> bool:
    """True when a TCP connection to ``host`` (the Hugging Face Hub) opens within ``timeout`` seconds; never waits
    longer.

    The socket timeout does not cover the DNS lookup, which can block for half a minute on a broken network,
    so the attempt runs in a helper thread that is abandoned when the time is up.
    """
    answers: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection(host, timeout=timeout):
                answers.append(True)
        except OSError:
            answers.append(False)

    probe = threading.Thread(target=attempt, name="hub-probe", daemon=True)
    probe.start()
    probe.join(timeout)
    return bool(answers and answers[0])

