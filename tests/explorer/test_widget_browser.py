"""The notebook widget's front end in a real headless Chromium, loaded the way anywidget loads it: the widget's own
``_esm`` string imported from a blob: URL, its default export's ``render({model, el})`` called with a model that
behaves like anywidget's (get / set / on / off / save_changes, "change:NAME" events fired synchronously by set,
binary traits as DataView). Messages travel between that model and a real ``Explorer`` in both directions through
ipywidgets' own message handling, as the kernel would carry them.

Screenshots go to $AEVAE_ARTIFACTS (default: artifacts/ at the repository root).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import traitlets

from aevae.explorer.widget import Explorer

from support.browser import drag_handle, handle_values, output_pixels, save_screenshot

from support.widget_comm import RecordingComm, from_page, message_from_page

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


# The page side of the harness: a model with anywidget's interface over a plain object, Backbone's event rules
# (set fires "change:NAME" at once if the value differs; an update from the kernel sets every value, then fires),
# and the widget module imported as anywidget imports it.
HARNESS = """<!doctype html><html><head><meta charset="utf-8"><style>body { margin: 0; }</style></head>
<body><div id="widget"></div><script>
window.startWidget = async ({ esm, css, bundle, state }) => {
  const bytes = Uint8Array.from(atob(bundle), (c) => c.charCodeAt(0));
  const values = { ...state, _bundle: new DataView(bytes.buffer) };
  const listeners = new Map();
  const dirty = new Set();
  const fire = (name) => { for (const fn of [...(listeners.get(`change:${name}`) || [])]) fn(); };
  const model = {
    get: (name) => values[name],
    set(name, value) {
      if (JSON.stringify(values[name]) === JSON.stringify(value)) return;
      values[name] = value;
      dirty.add(name);
      fire(name);
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
    },
    off(event, fn) { listeners.get(event)?.delete(fn); },
    send(content) { window.messages.push(content); },
    save_changes() {
      if (dirty.size) window.saved.push(Object.fromEntries([...dirty].map((name) => [name, values[name]])));
      dirty.clear();
    },
  };
  window.saved = [];
  window.messages = []; // custom messages to the kernel
  window.kernelMessage = (content, buffers) => { // a custom message from the kernel, buffers base64
    const views = buffers.map((b) => new DataView(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)).buffer));
    for (const fn of [...(listeners.get("msg:custom") || [])]) fn(content, views);
  };
  window.kernelUpdate = (changes) => {
    Object.assign(values, changes);
    for (const name of Object.keys(changes)) fire(name);
  };
  window.listeners = () => [...listeners.values()].reduce((n, set) => n + set.size, 0);
  const style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  const widget = (await import(url)).default;
  window.cleanup = await widget.render({ model, el: document.getElementById("widget") });
};
</script></body></html>"""


class Relay:
    """Carries state between a real Explorer and the widget's page, both ways, as the kernel's comm would."""

    def __init__(self, widget: Explorer, page: Any) -> None:
        self.widget = widget
        self.page = page

    def to_page(self) -> None:
        """Deliver the updates the widget sent since the last call."""
        for state in self.widget.comm.sent:
            self.page.evaluate("(state) => kernelUpdate(state)", state)
        self.widget.comm.sent.clear()

    def messages(self) -> int:
        """Carry the page's custom messages to the widget and its answers back; returns how many went each way."""
        sent = self.page.evaluate("() => messages.splice(0)")
        for content in sent:
            message_from_page(self.widget, content)
        for content, buffers in self.widget.comm.custom:
            self.page.evaluate("([c, b]) => kernelMessage(c, b)",
                               [content, [base64.b64encode(b).decode() for b in buffers]])
        self.widget.comm.custom.clear()
        return len(sent)

    def to_kernel(self) -> list[dict[str, Any]]:
        """Deliver the updates the page saved since the last call; returns them."""
        updates = self.page.evaluate("() => saved.splice(0)")
        for state in updates:
            from_page(self.widget, state)
        return updates


@contextmanager
def rendered(browser: Any, widget: Explorer, name: str) -> Iterator[Relay]:
    """``widget`` rendered in a fresh page; fails on any console error; leaves a screenshot named ``name``."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(HARNESS)
    state = {name: getattr(widget, name) for name in ("latent", "_latents", "show_ae", "selected", "inputs", "fit_axes",
                                                      "member")}
    widget.comm.sent.clear()  # what the widget sent while being made is in `state`
    page.evaluate("(args) => startWidget(args)", {"esm": widget._esm, "css": widget._css, "state": state,
                                                  "bundle": base64.b64encode(widget._bundle).decode()})
    relay = Relay(widget, page)
    while relay.messages():  # a model only the kernel runs is decoded now, one request in flight at a time
        pass
    page.wait_for_selector(".output-canvas[data-drawn]")
    yield relay
    save_screenshot(page, f"widget-{name}", full_page=True)
    page.close()
    assert not errors, errors


@pytest.fixture
def relay(browser: Any, request: pytest.FixtureRequest) -> Iterator[Relay]:
    """A fresh widget of the shipped models rendered in a fresh page (see ``rendered``)."""
    with rendered(browser, Explorer(comm=RecordingComm()), request.node.name) as r:
        yield r


def as_drawn(image: np.ndarray) -> np.ndarray:
    """What the page draws for a decoded image: inverted, 8-bit."""
    return np.round(255 * (1 - image)).astype(np.uint8)


def test_the_widget_shows_the_kernels_state(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    assert page.locator(".thumb").count() == len(w.inputs) and page.locator(".handle").count() == 4
    assert page.locator('.thumb[aria-pressed="true"]').count() == 1
    assert handle_values(page).tolist() == w.latent
    assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
    assert relay.to_kernel() == []  # showing the kernel's state sends nothing back


def test_dragging_updates_latent_and_output_image_in_the_kernel(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    before = w.output_image
    dim = int(np.argmax(np.ptp(np.array(page.eval_on_selector_all(
        ".axis", "as => as.map(a => [+a.dataset.min, +a.dataset.max])")), axis=1)))
    drag_handle(page, dim, -70, steps=6)
    updates = relay.to_kernel()
    assert updates and all(set(u) <= {"latent", "_latents"} for u in updates)  # only what changed is sent
    assert w.latent == handle_values(page).tolist() and w._latents["vae"] == w.latent
    assert np.abs(w.output_image - before).max() > 0.01
    assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
    assert w.comm.sent == []  # the kernel agrees with the page: nothing echoes back


def test_setting_latent_in_python_moves_the_line(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    w.latent = [0.5, -0.5, 1.0, -1.0]
    relay.to_page()
    assert handle_values(page).tolist() == w.latent
    assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
    assert relay.to_kernel() == []


def test_show_ae_both_ways(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    vae_line = w.latent
    w.show_ae = True
    relay.to_page()
    assert page.locator(".show-ae").is_checked() and "AE latent space" in page.locator(".latent-title").text_content()
    assert handle_values(page).tolist() == w.latent == w._latents["ae"]
    page.locator(".show-ae").uncheck()
    relay.to_kernel()
    assert w.show_ae is False and w.latent == vae_line == handle_values(page).tolist()


def test_fit_axes_both_ways(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    spanning = page.eval_on_selector_all(".axis", "as => as.map(a => +a.dataset.max)")
    w.fit_axes = True
    relay.to_page()
    assert page.locator(".fit-axes").is_checked()
    assert page.eval_on_selector_all(".axis", "as => as.map(a => +a.dataset.max)") != spanning  # the VAE's own
    page.locator(".fit-axes").uncheck()
    relay.to_kernel()
    assert w.fit_axes is False and page.eval_on_selector_all(".axis", "as => as.map(a => +a.dataset.max)") == spanning


def test_selection_both_ways_and_a_drawing_becomes_an_input(relay: Relay) -> None:
    w, page = relay.widget, relay.page
    w.selected = [3, 5]
    relay.to_page()
    pressed = page.eval_on_selector_all(".thumb", "ts => ts.flatMap((t, i) => t.ariaPressed === 'true' ? [i] : [])")
    assert pressed == [3, 5] and page.locator(".input-line").count() == 2
    page.locator(".thumb").nth(7).click()
    relay.to_kernel()
    assert w.selected == [3, 5, 7]
    box = page.locator(".pad").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + 70, box["y"] + 140, steps=5)
    page.mouse.up()
    relay.to_kernel()
    assert w.inputs[-1] == "drawing 1" and w.selected == [3, 5, 7, len(w.inputs) - 1]


def test_the_family_slider_and_member_both_ways(browser: Any, analysed_runs: dict, tiny_family: Any) -> None:
    widget = Explorer(ae=analysed_runs["ae"], vae=analysed_runs["vae"], family=[tiny_family], comm=RecordingComm())
    assert widget.family_axis == "beta" and widget.family_values == [0.0, 1.0, 8.0] and widget.member is None
    with rendered(browser, widget, "family") as relay:
        w, page = relay.widget, relay.page
        w.member = 0
        relay.to_page()
        assert page.locator(".family-range").input_value() == "0"
        assert page.locator(".family-stop").text_content().startswith("Showing the model at β = 0")
        assert handle_values(page).tolist() == w.latent
        assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
        page.focus(".family-range")
        page.keyboard.press("End")
        relay.to_kernel()
        assert w.member == 2 and w.latent == handle_values(page).tolist()
        assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
    with pytest.raises(traitlets.TraitError, match="0 to 2"):
        widget.member = 3


def test_the_view_cleans_up_after_itself(relay: Relay) -> None:
    page = relay.page
    assert page.evaluate("() => listeners()") == 7  # six traits' changes (member too) and the kernel's custom messages
    page.evaluate("() => cleanup()")
    assert page.evaluate("() => listeners()") == 0 and page.locator("#widget").inner_html() == ""


def test_your_own_model_in_the_widget_decodes_in_the_kernel_and_shows_its_errors(browser: Any) -> None:
    from support.own_models import flaky_ae, grey_images, mlp_vae

    x, y = grey_images()
    w = Explorer(model=mlp_vae(), images=x, labels=y, comm=RecordingComm())
    with rendered(browser, w, "own-model-widget") as relay:
        page = relay.page
        assert page.locator(".handle").count() == 7
        assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1
        count = int(page.get_attribute(".output-canvas", "data-drawn"))
        drag_handle(page, 3, -70, steps=6)
        relay.to_kernel()
        for _ in range(20):  # the drag's coalesced requests, one at a time, until the page asks no more
            if not relay.messages():
                break
        assert int(page.get_attribute(".output-canvas", "data-drawn")) > count
        assert w.latent == handle_values(page).tolist()
        assert np.abs(output_pixels(page).astype(int) - as_drawn(w.output_image)).max() <= 1

    w = Explorer(model=flaky_ae(), images=x, labels=y, comm=RecordingComm())
    with rendered(browser, w, "own-model-widget-error") as relay:
        drag_handle(relay.page, 0, -400, steps=6)  # beyond the codes this decoder accepts
        while relay.messages():
            pass
        assert "outside what this decoder was built for" in relay.page.inner_text(".output-error")
