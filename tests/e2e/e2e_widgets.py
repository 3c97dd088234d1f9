"""The six widgets in a real browser: each course notebook that shows one runs in JupyterLab (smoke mode), then
the test uses the widget the way a learner does (types, slides, clicks, chooses) and checks what the page shows.

Run with ``make e2e`` (screenshots of every step go to ``build/e2e/<notebook>/``). ``make test`` does not collect
this file (its name does not start with ``test_``): it needs Debian's chromium and takes a few minutes.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from labdriver import REPO, SCREENSHOTS, NotebookPage, chromium, jupyterlab, stopped_cleanly_on_sigterm
from playwright.sync_api import expect

from mlmcourse.inference import course_checkpoint_dir

# widget -> (its notebook, the code of the cell that shows it)
NOTEBOOKS = {
    "fill_mask_playground": ("00_fill_mask_in_five_minutes.ipynb", "FillMaskPlayground()"),
    "posterior_explorer": ("01_corpus.ipynb", 'PosteriorExplorer(world, phenomenon="animals")'),
    "tokenizer_explorer": ("02_tokenization.ipynb", "TokenizerExplorer()"),
    "masking_explorer": ("03_masking.ipynb", "MaskingExplorer(tokenizer)"),
    "attention_viewer": ("04_model.ipynb", "AttentionViewer(viewer_model"),
    "training_dashboard": ("05_training.ipynb", "TrainingDashboard(reference_losses"),
}
WAIT = 60_000  # ms: a kernel on a busy 2-core machine can take a while to answer a click
REPORT: dict[str, dict] = {}


@pytest.fixture(scope="session")
def lab():
    notebooks = [REPO / "notebooks" / name for name, _ in NOTEBOOKS.values()]
    with stopped_cleanly_on_sigterm(), jupyterlab(notebooks) as server:
        yield server
    (SCREENSHOTS / "report.json").write_text(json.dumps(REPORT, indent=2))


@pytest.fixture(scope="session")
def browser_context():
    """One browser and one context for all tests: JupyterLab's scripts are loaded once, then cached."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


@pytest.fixture
def open_notebook(lab, browser_context):
    """Open a widget's notebook and run it down to the widget; afterwards stop its kernel and close the page."""
    pages = []

    def open_(widget: str):
        notebook, source = NOTEBOOKS[widget]
        page = NotebookPage(browser_context.new_page(), lab, notebook, SCREENSHOTS / widget)
        pages.append((widget, page))
        started = time.monotonic()
        page.open()
        opened = time.monotonic()
        run_seconds = page.run_until(source, timeout=900)
        REPORT[widget] = {"notebook": notebook, "open_seconds": round(opened - started, 1),
                          "run_seconds": round(run_seconds, 1)}
        return page, page.widget(source)

    yield open_
    for widget, page in pages:
        page.shoot("end of test")  # the whole page as the test left it: the first thing to look at on failure
        REPORT.setdefault(widget, {})["steps"] = page.steps
        page.page.close()
    lab.shut_down_kernels()


def message_of(view):
    return view.locator(".widget-html-content")


def chart_images(view):
    return view.locator(".widget-output img")


def type_into(field, text: str, submit: bool = True) -> None:
    field.fill(text)
    if submit:
        field.press("Enter")  # a Text with continuous_update=False sends its value on Enter


# ---- PosteriorExplorer (notebook 01) -----------------------------------------------------------------------
def test_posterior_explorer(open_notebook):
    nb, view = open_notebook("posterior_explorer")
    message, typed = message_of(view).last, view.locator(".widget-text input")
    expect(message).to_contain_text("answer:", timeout=WAIT)
    expect(chart_images(view)).to_have_count(1)
    expect(view.locator("button.mod-warning")).to_have_text("[MASK]")
    nb.shoot("probe sentence with its chart", view)

    first = message.inner_text()
    view.locator(".widget-dropdown select").select_option(label="facts")
    expect(message).not_to_have_text(first, timeout=WAIT)
    expect(chart_images(view)).to_have_count(1)
    nb.shoot("chose the facts phenomenon", view)

    before = message.inner_text()
    view.get_by_role("button", name="new sentence").click()
    expect(message).not_to_have_text(before, timeout=WAIT)
    nb.shoot("new sentence", view)

    view.locator(".widget-hbox button").filter(has_text=".").last.click()  # mask the full stop: certain
    expect(message).to_contain_text("P = 1.000", timeout=WAIT)
    nb.shoot("clicked the full stop", view)

    type_into(typed, "The [MASK] barked at the Farmer.")  # mis-cased text, a mask in capitals
    expect(message).to_contain_text("the [MASK] barked at the farmer .", timeout=WAIT)
    expect(message).to_contain_text("answer: dog")
    expect(message).not_to_contain_text("⚠️")
    words = view.locator(".widget-hbox").nth(1).locator("button")
    expect(words).to_have_text(["the", "[MASK]", "barked", "at", "the", "farmer", "."])
    nb.shoot("typed a capitalised sentence with [MASK]", view)

    type_into(typed, "the <mask> barked at <mask> .")
    expect(message).to_contain_text("The text has 2 masks", timeout=WAIT)
    expect(message).to_contain_text("Keep one <mask> (or [MASK])")  # escaped, so "<mask>" is visible
    expect(chart_images(view)).to_have_count(0)
    nb.shoot("two masks", view)

    type_into(typed, "the dog barked at me .")
    expect(message).to_contain_text("No mask in the text: click a word below", timeout=WAIT)
    expect(chart_images(view)).to_have_count(0)
    nb.shoot("no mask", view)
    words.nth(1).click()
    expect(message).to_contain_text("answer: dog", timeout=WAIT)
    expect(chart_images(view)).to_have_count(1)
    nb.shoot("clicked dog to mask it", view)

    type_into(typed, "the dog barked at me . " * 350 + "<mask>")
    expect(message).to_contain_text("The text has 2101 words", timeout=WAIT)
    assert view.bounding_box()["height"] < 400
    nb.shoot("a very long text", view)

    type_into(typed, "")
    expect(message).to_contain_text("The text box is empty", timeout=WAIT)
    nb.shoot("empty text", view)


# ---- TokenizerExplorer (notebook 02) -----------------------------------------------------------------------
def test_tokenizer_explorer(open_notebook):
    nb, view = open_notebook("tokenizer_explorer")
    left, right = message_of(view).nth(0), message_of(view).nth(1)
    text = view.locator("textarea")
    for side in (left, right):
        expect(side).to_contain_text("tokens for", timeout=WAIT)
    assert left.locator(".chip").count() > 10 and right.locator(".chip").count() > 10
    expect(left.locator(".chip").first).to_contain_text("[CLS]")
    nb.shoot("default text, WordPiece and BPE side by side", view)

    before = left.inner_text()
    view.locator(".widget-dropdown select").first.select_option(label="BPE 1k (pydocs)")
    expect(left).not_to_have_text(before, timeout=WAIT)
    expect(left.locator(".chip").first).to_contain_text("<s>")  # RoBERTa-style specials on a BPE side
    nb.shoot("left side switched to BPE 1k", view)

    text.fill("Tokenization is unbelievably useful")
    text.blur()  # the text box sends its value when it loses focus
    expect(right).to_contain_text("tokens for 4 words", timeout=WAIT)
    expect(left).to_contain_text("tokens for 4 words")
    nb.shoot("typed a sentence", view)

    words = "The quick brown fox jumps over the lazy dog and keeps running through the green field . "
    text.fill(words * 130)  # 2,210 words
    text.blur()
    for side in (left, right):
        expect(side.locator(".chips-cut")).to_contain_text("Showing the first 200 chips of", timeout=WAIT)
        expect(side.locator(".chip")).to_have_count(200)
    height = view.bounding_box()["height"]
    assert height < 2500, f"a 2,200-word text made the explorer {height:.0f} px high"
    nb.shoot("a 2,200-word text: 200 chips a side and a note", view)

    text.fill("")
    text.blur()
    expect(left).to_contain_text("Type a sentence in the text box", timeout=WAIT)
    expect(right).to_contain_text("Type a sentence in the text box")
    nb.shoot("empty text", view)


# ---- MaskingExplorer (notebook 03) -------------------------------------------------------------------------
def chosen_and_total(view) -> tuple[int, int]:
    summary = message_of(view).inner_text()
    found = re.search(r"(\d+) of (\d+) tokens chosen", summary)
    assert found, summary
    return int(found.group(1)), int(found.group(2))


def test_masking_explorer(open_notebook):
    nb, view = open_notebook("masking_explorer")
    table, summary = message_of(view).locator("table"), message_of(view)
    expect(table.locator("tr")).to_have_count(3, timeout=WAIT)
    expect(summary).to_contain_text("tokens chosen")
    nb.shoot("default sentence masked", view)

    view.locator(".widget-dropdown select").select_option(label="exact")
    expect(view.locator(".widget-readout")).to_have_text("15%")
    # the summary follows the kernel's answer a moment after the choice: wait for the exact count to show
    deadline = time.monotonic() + WAIT / 1000
    chosen, total = chosen_and_total(view)
    while chosen != round(0.15 * total) and time.monotonic() < deadline:
        time.sleep(0.2)
        chosen, total = chosen_and_total(view)
    assert chosen == round(0.15 * total), (chosen, total)
    nb.shoot("exact strategy at 15%", view)

    handle = view.locator(".noUi-handle")
    handle.focus()
    handle.press("End")  # slide to 100%
    expect(view.locator(".widget-readout")).to_have_text("100%", timeout=WAIT)
    expect(summary).to_contain_text("tokens chosen (100%)", timeout=WAIT)
    chosen, total = chosen_and_total(view)
    assert chosen == total
    nb.shoot("slid the mask rate to 100%", view)
    for _ in range(10):
        handle.press("ArrowLeft")  # down to 50%, a step of 5% each
    expect(view.locator(".widget-readout")).to_have_text("50%", timeout=WAIT)
    expect(summary).to_contain_text("(50%)", timeout=WAIT)
    nb.shoot("slid the mask rate to 50%", view)

    shown = table.locator("tr").nth(1).inner_text()
    view.get_by_role("button", name="resample").click()
    expect(table.locator("tr").nth(1)).not_to_have_text(shown, timeout=WAIT)
    assert chosen_and_total(view)[0] == round(0.5 * total)
    nb.shoot("resampled: a new mask", view)

    text = view.locator("textarea")
    text.fill("The Dog barked at ME.")  # mixed case: the course tokenizer lowercases
    expect(table.locator("tr").first).to_contain_text("dog", timeout=WAIT)
    nb.shoot("typed a mixed-case sentence", view)

    text.fill("the dog barked at me . " * 120)
    expect(summary).to_contain_text("The text is longer than a model reads at once", timeout=WAIT)
    expect(summary).to_contain_text("only its first 512 tokens are shown")
    # the table scrolls sideways inside the widget; the widget itself stays as wide as the notebook
    scroller = view.locator(".masking-table")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth + 1000")
    right_edge = view.evaluate("e => e.closest('.jp-OutputArea').getBoundingClientRect().right")
    for element in (view, scroller, summary.locator("p").first):
        box = element.bounding_box()
        assert box["x"] + box["width"] <= right_edge + 1
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")  # the end of the text can be reached
    nb.shoot("a long text, cut to 512 tokens and saying so", view)

    text.fill("")
    expect(summary).to_contain_text("type a sentence to mask", timeout=WAIT)
    expect(table).to_have_count(0)
    nb.shoot("empty text", view)


# ---- AttentionViewer (notebook 04) -------------------------------------------------------------------------
def image_source(view) -> str:
    images = chart_images(view)
    expect(images).to_have_count(1, timeout=WAIT)
    return images.get_attribute("src")


def test_attention_viewer(open_notebook):
    nb, view = open_notebook("attention_viewer")
    layer, head = view.locator(".widget-dropdown select").nth(0), view.locator(".widget-dropdown select").nth(1)
    first = image_source(view)
    nb.shoot("heatmap of the last layer, head 1", view)

    layer.select_option(label="layer 1")
    expect(chart_images(view)).not_to_have_attribute("src", first, timeout=WAIT)
    second = image_source(view)
    nb.shoot("chose layer 1", view)

    head.select_option(label="mean of heads")
    expect(chart_images(view)).not_to_have_attribute("src", second, timeout=WAIT)
    third = image_source(view)
    nb.shoot("chose the mean of heads", view)

    sentence = view.locator(".widget-text input")
    type_into(sentence, "The [mask] barked at me.")
    expect(chart_images(view)).not_to_have_attribute("src", third, timeout=WAIT)
    expect(message_of(view)).to_have_text("")
    nb.shoot("typed a sentence with a lower-case [mask]", view)

    type_into(sentence, "the dog barked at me . " * 40)
    expect(message_of(view)).to_contain_text("tokens", timeout=WAIT)
    expect(message_of(view)).to_contain_text("try a", ignore_case=True)
    expect(chart_images(view)).to_have_count(0)
    nb.shoot("a sentence too long for a heatmap", view)

    type_into(sentence, "")
    expect(message_of(view)).to_contain_text("type a sentence to look at", timeout=WAIT)
    nb.shoot("empty sentence", view)
    type_into(sentence, "mary lost her key . she was sad .")
    expect(chart_images(view)).to_have_count(1, timeout=WAIT)
    nb.shoot("back to a good sentence", view)


# ---- FillMaskPlayground (notebook 00) ----------------------------------------------------------------------
def test_fill_mask_playground(open_notebook):
    nb, view = open_notebook("fill_mask_playground")
    message, text = message_of(view), view.locator(".widget-text input").first
    model_box = view.locator("input[list]")  # the model box: a Combobox, a text field with suggestions
    expect(message).to_contain_text("best guess", timeout=WAIT)
    first = image_source(view)
    nb.shoot("course checkpoint, default sentence", view)

    handle = view.locator(".noUi-handle")
    handle.focus()
    handle.press("ArrowLeft")
    handle.press("ArrowLeft")  # top-k 5 -> 3
    expect(view.locator(".widget-readout")).to_have_text("3", timeout=WAIT)
    expect(chart_images(view)).not_to_have_attribute("src", first, timeout=WAIT)
    nb.shoot("slid top-k to 3", view)

    type_into(text, "Paris is the [mask] of France.")
    expect(message).to_contain_text("best guess: 'capital'", timeout=WAIT)
    capital = image_source(view)
    nb.shoot("a mis-cased mask", view)

    type_into(text, "the <mask> sat on <mask> mat .")
    expect(message).to_contain_text("2 masks", timeout=WAIT)
    expect(chart_images(view)).not_to_have_attribute("src", capital, timeout=WAIT)
    nb.shoot("two masks", view)

    type_into(text, "paris is the capital of france .")
    expect(message).to_contain_text("no mask token found", timeout=WAIT)
    expect(message).to_contain_text("write <mask> or [MASK]")
    expect(chart_images(view)).to_have_count(0)  # no chart of the previous sentence under the error
    nb.shoot("no mask: a message and no old chart", view)

    type_into(text, "the dog barked at me . " * 300 + "<mask>")
    expect(message).to_contain_text("tokens but the model reads at most", timeout=WAIT)
    expect(chart_images(view)).to_have_count(0)
    nb.shoot("a very long text", view)

    type_into(text, "")
    expect(message).to_contain_text("no mask token found in ''", timeout=WAIT)
    nb.shoot("empty text", view)

    type_into(text, "The <MASK> barked at me.")
    expect(message).to_contain_text("best guess: 'dog'", timeout=WAIT)
    expect(chart_images(view)).to_have_count(1)
    nb.shoot("back to a good sentence", view)

    typo = str(course_checkpoint_dir().parent / "course-tny")
    model_box.fill(typo)
    view.get_by_role("button", name="Load model").click()
    expect(message).to_contain_text(f"no folder '{typo}' (did you mean '{course_checkpoint_dir()}'?)",
                                    timeout=WAIT)
    expect(message).not_to_contain_text("--model")
    expect(message).to_contain_text("The previous model is still loaded: press Predict")
    expect(chart_images(view)).to_have_count(0)
    nb.shoot("a typo in a model folder", view)
    view.get_by_role("button", name="Predict").click()
    expect(message).to_contain_text("best guess: 'dog'", timeout=WAIT)
    nb.shoot("predict with the previous model", view)

    model_box.fill("distilroberta-base")
    view.get_by_role("button", name="Load model").click()
    expect(message).to_contain_text("not in the local cache", timeout=WAIT)
    expect(message).to_contain_text("load_model() with no name")
    expect(message).not_to_contain_text("--model")
    nb.shoot("a Hub model while offline", view)

    model_box.fill("course checkpoint")
    view.get_by_role("button", name="Load model").click()
    expect(message).to_contain_text("best guess: 'dog'", timeout=WAIT)
    expect(chart_images(view)).to_have_count(1)
    nb.shoot("the course checkpoint again", view)


# ---- TrainingDashboard (notebook 05) -----------------------------------------------------------------------
LONG_RUN = """dashboard.start(TrainConfig(seq_len=32, batch_size=8, lr=2e-3, warmup_steps=2, max_steps=100_000,
                            max_minutes=5, eval_every=100_000, log_every=1, out_dir=str(work / "long-run")),
                tokenizer=tokenizer, texts=texts)"""


def test_training_dashboard(open_notebook):
    nb, view = open_notebook("training_dashboard")
    status, message = message_of(view).nth(0), message_of(view).nth(1)
    stop = view.get_by_role("button", name="Stop after this step")
    expect(status).to_contain_text("finished (max_steps)", timeout=WAIT)
    expect(status).not_to_contain_text("ETA")
    expect(message).to_contain_text("finished (max_steps)")
    expect(view.locator("img.widget-image")).to_have_count(1)
    expect(stop).to_be_disabled()
    nb.shoot("the notebook's run, finished", view)

    curves = view.locator("img.widget-image")
    first_run = curves.get_attribute("src")
    nb.add_cell_and_run(LONG_RUN)  # the learner starts a long run on the same dashboard
    expect(status).to_have_text(re.compile(r"step [1-9]\d*/100000 .* ETA \d"), timeout=WAIT)
    expect(message).not_to_contain_text("finished")  # the last run's line is gone
    expect(curves).not_to_have_attribute("src", first_run)  # and so are its curves
    expect(stop).to_be_enabled()
    nb.shoot("a long run in progress", view)

    stop.click()
    expect(message).to_contain_text("finished (stopped)", timeout=WAIT)
    expect(status).to_contain_text("finished (stopped)")
    expect(status).not_to_contain_text("ETA")
    expect(stop).to_be_disabled()
    nb.shoot("stopped with the button", view)
