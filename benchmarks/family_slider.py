"""How fast do the views follow the family slider? One slider step -> every view redrawn, in Chromium; and what the
family costs in bytes.

    python benchmarks/family_slider.py                  # the shipped β family, 140 steps
    python benchmarks/family_slider.py --family runs/beta --steps 300

Serves the explorer (the shipped bundle, or the shipped pair with ``--family`` runs) in headless Chromium (Debian's
/usr/bin/chromium), focuses the slider and walks it end to end and back with ArrowRight / ArrowLeft, one key at a
time. For every step the page records, on the browser's own clock, from the start of the keydown's dispatch (a
capturing listener, the first code to see it):

- step -> views: to the end of the slider's input handler, by which time every view has redrawn for the new model
  (violins, lines, black line, output, PCA maps, information, headline and chart all listen synchronously)
- step -> frame: to the next animation frame, when the redrawn views can first reach the screen

The walk starts after the page has been idle for a second, as a reader looks before turning the knob (the page
prepares each member's codes and PCA pictures meanwhile); one more walk, through every member once, starts the
moment the page is ready, to show a first visit's cost. Baseline, same run: the "Show AE" switch toggled the same
number of times (it redraws the same views for the other slot) and a keydown on a blank page. Then the bytes: the bundle with and without its family, per model and
in total, and the exported file with and without it (``aevae export`` / ``--no-family``). Figures only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from aevae.explorer.bundle import Bundle
from aevae.explorer.bundle.family import without_family
from aevae.explorer.server.serve import bundle_bytes
from aevae.explorer.web.export import export_page

sys.path.insert(0, str(Path(__file__).resolve().parent))
from explorer_drag import percentile, serve_in_thread  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # Chromium as the browser tests run it
from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

RECORDER = """(selector) => {
    const log = {views: [], frames: []};
    const target = document.querySelector(selector);
    let start = null;
    // a range moves on keydown; a checkbox toggles on the space bar's keyup
    const key = target.type === 'range' ? 'keydown' : 'keyup';
    document.addEventListener(key, () => { start = performance.now(); }, true);
    const done = () => {
        if (start === null) return;
        const from = start;
        log.views.push(performance.now() - from);
        requestAnimationFrame(() => log.frames.push(performance.now() - from));
        start = null;
    };
    target.addEventListener(target.type === 'range' ? 'input' : 'change', done);  // after the page's own handler
    window.__stepLog = log;  // read back by this benchmark only
}"""


IDLE_MS = 1000  # a reader looks at the page before turning the knob; meanwhile it prepares the members (idle.js)


def walk(page: object, selector: str, steps: int, keys: list[str]) -> dict:
    """Press ``keys`` in turn ``steps`` times on ``selector`` and return the page's log."""
    page.evaluate(RECORDER, selector)
    page.focus(selector)
    for i in range(steps):
        page.keyboard.press(keys[i % len(keys)])
    page.wait_for_timeout(200)
    return page.evaluate("() => window.__stepLog")


def describe(name: str, values: list[float]) -> str:
    return (f"{name}: median {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"max {max(values):.1f} ms ({len(values)} steps)")


def main() -> None:
    """Run the slider benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=140, help="slider steps (default: 140)")
    parser.add_argument("--family", nargs="+", type=Path, help="run folders of a family (default: the shipped one)")
    args = parser.parse_args()
    data = bundle_bytes(family=args.family or ())
    bundle = Bundle.from_bytes(data)
    n = len(bundle.meta["family"]["members"])
    keys = ["ArrowRight"] * (n - 1) + ["ArrowLeft"] * (n - 1)  # end to end and back
    url = serve_in_thread(data)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        cold = browser.new_page(viewport={"width": 1400, "height": 1000})  # walked at once: nothing made while idle
        cold.goto(url)
        cold.wait_for_selector(".output-canvas[data-drawn]")
        first = walk(cold, ".family-range", n, ["Home"] + ["ArrowRight"] * (n - 1))  # each member, a first visit
        cold.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".output-canvas[data-drawn]")
        page.wait_for_timeout(IDLE_MS)
        page.focus(".family-range")
        page.keyboard.press("Home")
        slider = walk(page, ".family-range", args.steps, keys)
        switch = walk(page, ".show-ae", args.steps, ["Space"])
        blank = browser.new_page()
        blank.set_content("<input type='checkbox' id='x'>")
        floor = walk(blank, "#x", args.steps, ["Space"])
        browser.close()

    print(f"family: {n} models along {bundle.meta['family']['axis']} (Chromium {CHROMIUM}, this machine's cores "
          "shared with other work)")
    print(describe("slider step -> views redrawn", slider["views"]))
    print(describe("  the same, walked the moment the page is ready (first visits, nothing prepared)",
                   first["views"]))
    print(describe("slider step -> next frame", slider["frames"]))
    print(describe("baseline, Show AE toggle -> views redrawn", switch["views"]))
    print(describe("baseline, blank page keydown -> handler", floor["views"]))
    print(f"ratio slider / Show AE, p95 views: {percentile(slider['views'], 95) / percentile(switch['views'], 95):.2f}")

    bare = without_family(bundle)
    family_bytes = len(data) - len(bare.to_bytes())
    per = [sum(v.nbytes for k, v in bundle.arrays.items() if k.startswith(f"family.{i}.")) for i in range(n)]
    weights = [bundle.arrays[f"family.{i}.weights"].nbytes for i in range(n)]
    print(f"bundle: {len(data):,} bytes with the family, {len(bare.to_bytes()):,} without: the family adds "
          f"{family_bytes:,} bytes, {family_bytes / n:,.0f} per model (weights {sum(weights) / n:,.0f} bytes/model "
          f"in 8 bits, arrays {(sum(per) - sum(weights)) / n:,.0f} bytes/model)")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {}
        for name, b in (("with", bundle), ("without", bare)):
            path = Path(tmp) / f"{name}.html"
            path.write_text(export_page(b), encoding="utf-8")
            sizes[name] = path.stat().st_size
    print(f"export: {sizes['with']:,} bytes with the family, {sizes['without']:,} without (--no-family): "
          f"{sizes['with'] - sizes['without']:,} bytes more, {(sizes['with'] - sizes['without']) / n:,.0f} per model")


if __name__ == "__main__":
    main()
