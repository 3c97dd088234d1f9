"""Drive the course notebooks in a real browser: JupyterLab on a free local port, Debian's chromium via Playwright.

Used by the end-to-end widget tests (``make e2e``), not by ``make test``. Everything started here is stopped here,
even when a test fails: the notebook kernels (shut down through the server's API, then by process id if they are
still alive), the JupyterLab server (by process id), chromium and Playwright's driver (``browser.close()``,
``playwright.stop()``).

The notebooks are copied into a temporary folder first, so running them never touches the stored ones, and
JupyterLab reads its settings from that folder too (all cells attached to the page, no news, no autosave), so a
learner's own JupyterLab settings cannot change what the tests see.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# What the notebooks' kernels see: smoke sizes, no Hub, this tree's package first.
KERNEL_ENVIRONMENT = {"MLMCOURSE_SMOKE": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                      "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONWARNINGS": "ignore",
                      "TOKENIZERS_PARALLELISM": "false"}
LAB_SETTINGS = {  # JupyterLab user settings for the test server
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def chromium_path() -> str:
    """Debian's chromium (``MLMCOURSE_CHROMIUM`` overrides); a clear failure says how to install it."""
    path = os.environ.get("MLMCOURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(f"no chromium at {path}: install it with `apt-get install -y chromium` (the end-to-end "
                           "tests use the system's browser, never a downloaded one), or set MLMCOURSE_CHROMIUM.")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, the folder it serves and its process."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 10.0):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read().decode()
        return json.loads(text) if text else None

    def notebook_url(self, name: str) -> str:
        """The notebook alone in a fresh workspace: JupyterLab would otherwise reopen every notebook opened
        before in the default workspace, each with a kernel of its own."""
        workspace = re.sub(r"[^A-Za-z0-9]+", "-", name)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the server runs (each notebook opened starts one)."""
        with contextlib.suppress(OSError, ValueError):
            for session in self.api("GET", "/api/sessions"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
            for kernel in self.api("GET", "/api/kernels"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)


@contextlib.contextmanager
def stopped_cleanly_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (a CI time limit, ``timeout``) into KeyboardInterrupt, so every ``finally`` and fixture
    teardown still runs and stops what was started; the default would end the process on the spot."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def jupyterlab(notebooks: list[Path], log_dir: Path = SCREENSHOTS) -> Iterator[Lab]:
    """Serve copies of ``notebooks`` with JupyterLab on a free local port and a random token; stop it afterwards."""
    import psutil

    root = Path(tempfile.mkdtemp(prefix="mlmcourse-e2e-"))
    for notebook in notebooks:
        shutil.copy(notebook, root / notebook.name)
    settings, home = root / ".lab-settings", root / ".home"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    for folder in ("config", "data", "runtime", "ipython", "workspaces"):
        (home / folder).mkdir(parents=True)
    environment = dict(os.environ, **KERNEL_ENVIRONMENT,
                       PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                       JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                       IPYTHONDIR=str(home / "ipython"), JUPYTER_PLATFORM_DIRS="1")
    environment.pop("JUPYTER_DATA_DIR", None)
    port, token = free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root; Jupyter refuses that unless told
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "jupyterlab.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, cwd=root, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {process.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                lab.api("GET", "/api/status", timeout=2)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within 120 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield lab
    finally:
        _stop_server(lab, psutil)
        shutil.rmtree(root, ignore_errors=True)


def _stop_server(lab: Lab, psutil) -> None:
    """Kernels first (through the API), then the server; whatever is left of either is killed by process id."""
    try:
        started = psutil.Process(lab.process.pid).children(recursive=True)  # the kernels, in their own sessions
    except psutil.Error:
        started = []
    if lab.process.poll() is None:
        lab.shut_down_kernels()
        with contextlib.suppress(OSError):
            lab.api("POST", "/api/shutdown", timeout=10)
        try:
            lab.process.wait(20)
        except subprocess.TimeoutExpired:
            lab.process.send_signal(signal.SIGTERM)
            try:
                lab.process.wait(10)
            except subprocess.TimeoutExpired:
                lab.process.kill()
                lab.process.wait(10)
    for child in started:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(started, timeout=10)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian chromium driven by Playwright; closed (with Playwright's driver) afterwards."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class NotebookPage:
    """One notebook open in JupyterLab: run it, find a widget by the code that made it, save screenshots."""

    def __init__(self, page, lab: Lab, notebook: str, shots: Path) -> None:
        self.page, self.lab, self.notebook, self.shots = page, lab, notebook, shots
        self.steps: list[str] = []  # what the test did, in order (one screenshot each)
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()

    def open(self, timeout: float = 120) -> None:
        """Open the notebook and wait until its kernel is ready."""
        self.page.goto(self.lab.notebook_url(self.notebook))
        self.page.wait_for_function(
            """() => { const app = window.jupyterapp; const panel = app && app.shell.currentWidget;
                       return !!(panel && panel.sessionContext && panel.content && panel.content.widgets.length
                                 && panel.sessionContext.session && panel.sessionContext.session.kernel
                                 && panel.sessionContext.session.kernel.status === 'idle'); }""",
            timeout=timeout * 1000, polling=500)

    def run_until(self, source: str, timeout: float = 300) -> float:
        """Clear the stored outputs, run every cell down to the one whose code contains ``source`` (the widget's
        cell), wait until they ran; fail with the first error. Returns the seconds it took.

        The cells after the widget (exercises, summary) are left alone: nbval runs them in ``make test``.
        """
        start = time.monotonic()
        found = self.page.evaluate(
            """async source => { const app = window.jupyterapp; const notebook = app.shell.currentWidget.content;
                                 const index = notebook.widgets.findIndex(cell => cell.model.type === 'code'
                                     && cell.model.sharedModel.getSource().includes(source));
                                 if (index < 0) return false;
                                 await app.commands.execute('notebook:clear-all-cell-outputs');
                                 notebook.activeCellIndex = index;
                                 window.e2eLastCell = index;
                                 app.commands.execute('notebook:run-all-above')
                                     .then(() => app.commands.execute('notebook:run-cell'));
                                 return true; }""", source)
        assert found, f"{self.notebook} has no code cell containing {source!r}"
        state = self.page.wait_for_function(
            """() => { const panel = window.jupyterapp.shell.currentWidget;
                       const cells = panel.content.widgets.slice(0, window.e2eLastCell + 1)
                                                          .filter(cell => cell.model.type === 'code');
                       for (const cell of cells) {
                           for (const output of cell.model.outputs.toJSON())
                               if (output.output_type === 'error')
                                   return {error: output.ename + ': ' + output.evalue,
                                           source: cell.model.sharedModel.getSource().slice(0, 300)};
                       }
                       const done = cells.every(cell => cell.model.executionCount !== null);
                       return done && panel.sessionContext.session.kernel.status === 'idle'
                           ? {cells: cells.length} : null; }""",
            timeout=timeout * 1000, polling=1000).json_value()
        if "error" in state:
            self.shoot("error")
            raise AssertionError(f"{self.notebook}: a cell failed with {state['error']}\n{state['source']}")
        return time.monotonic() - start

    def add_cell_and_run(self, code: str) -> None:
        """What a learner does to try something: a new cell at the end, type the code, run it."""
        self.page.evaluate(
            """async code => { const app = window.jupyterapp; const notebook = app.shell.currentWidget.content;
                               notebook.activeCellIndex = notebook.widgets.length - 1;
                               await app.commands.execute('notebook:insert-cell-below');
                               notebook.activeCell.model.sharedModel.setSource(code);
                               await app.commands.execute('notebook:run-cell'); }""", code)

    def widget(self, source: str, selector: str = ".widget-vbox"):
        """The outermost widget in the output of the code cell whose source contains ``source``."""
        cell = self.page.locator(".jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea", has_text=source))
        view = cell.locator(f".jp-OutputArea-output {selector}").first
        view.wait_for(state="visible", timeout=120_000)
        return view

    def shoot(self, name: str, element=None) -> Path:
        """A screenshot (of ``element`` or the page) as build/e2e/<notebook>/NN_name.png."""
        self.steps.append(name)
        path = self.shots / f"{len(self.steps):02d}_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}.png"
        if element is not None:
            # The notebook scrolls inside the page, so an element taller than the window would be cut off:
            # make the window tall enough for it, then put it back.
            viewport, box = self.page.viewport_size, element.bounding_box() or {"height": 0}
            if box["height"] > viewport["height"] - 150:
                self.page.set_viewport_size({"width": viewport["width"], "height": int(box["height"]) + 300})
            element.scroll_into_view_if_needed()
            # a chart that has arrived but is not decoded yet would show as a blank rectangle
            element.evaluate("e => Promise.all([...e.querySelectorAll('img')].map(i => i.decode().catch(() => null)))")
            element.screenshot(path=path, animations="disabled")
            self.page.set_viewport_size(viewport)
        else:
            self.page.screenshot(path=path)
        return path
