"""``aevae export``: the explorer and the article as one self-contained HTML file, to mail or put on any static host.

The file holds everything inline: the explorer bundle (weights as float16, analysis, gallery; see
``aevae.explorer.bundle``), gzip-compressed and base64-encoded; the front end joined into one module by
``aevae.explorer.web.modules`` (entry ``static/js/embedded.js``, which unpacks the bundle); and the stylesheet. It works
from ``file://`` with no server: every interaction of the explorer runs in the browser, drawing and uploading
your own digit included. The same file holds the article (``static/js/article.js``): opened with ``#article`` at the
end of its address, or through the link at its top, it shows the article instead. Its Content-Security-Policy allows no network access at all, so opening it never sends
a request anywhere.
"""

from __future__ import annotations

import base64
import gzip
import html
import re
from collections.abc import Sequence
from pathlib import Path

from aevae.explorer.bundle import Bundle, BundleError
from aevae.explorer.bundle.companions import shipped_companions, with_companions
from aevae.explorer.bundle.sources import explorer_bundle
from aevae.explorer.web import STATIC
from aevae.explorer.web.modules import join_modules
from aevae.files import atomic_write

ENTRY = "embedded.js"  # the front end's entry for a page that carries its own bundle
# Inline scripts and styles only; images from data: (the empty favicon); nothing may be fetched or sent.
POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>body {{ margin: 0; background: #f4f5f7; font-family: system-ui, sans-serif; }}</style>
<style>
{css}
</style>
</head>
<body>
<nav class="page-switch" aria-label="Pages"><a href="#article">Read the article: the paper, live →</a></nav>
<div id="app"><p class="loading">Loading the models…</p></div>
<script type="application/octet-stream" id="aevae-bundle">{bundle}</script>
<script type="module">
{js}
</script>
</body>
</html>
"""


def export_page(bundle: Bundle) -> str:
    """The HTML text of the self-contained explorer page for ``bundle``."""
    packed = base64.b64encode(gzip.compress(bundle.to_bytes(), compresslevel=9, mtime=0)).decode("ascii")
    models = [bundle.model(slot) for slot in ("ae", "vae")]
    title = "aevae explorer: " + " vs ".join(f"{m['kind'].upper()} d = {m['latent_dim']} ({m['data']})"
                                             for m in models)
    css = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ("explorer.css", "article.css"))
    return PAGE.format(policy=POLICY, title=html.escape(title), css=_inline(css, "style"), bundle=packed,
                       js=_inline(join_modules(ENTRY), "script"))


def export_html(out: Path, ae: object = None, vae: object = None, images: object = (), data: str = "mnist",
                progress: bool = True, family: Sequence[Path] = (), keep_family: bool = True) -> Path:
    """Write the explorer for two models to ``out`` (one HTML file); returns its path.

    ``ae`` and ``vae`` take what ``aevae.explorer.bundle.sources.explorer_bundle`` takes (None: the shipped model; a
    run folder; an in-memory model analysed on ``data``); ``images`` join the gallery. Weights are stored as
    float16 (half the bytes; decoded pixels move by about 1e-3). ``family``: run folders that make a family for
    the slider (``aevae.runs.family``), in place of the shipped one; ``keep_family=False`` leaves any family out
    (a smaller file: the shipped β family is about 0.4 MB per model).
    """
    bundle = explorer_bundle(ae, vae, images, data=data, half=True, progress=progress)
    if family:
        from aevae.explorer.bundle.family import with_family

        bundle = with_family(bundle, list(family), progress=progress)
    if not keep_family:
        from aevae.explorer.bundle.family import without_family

        bundle = without_family(bundle)
    bundle = with_companions(bundle, shipped_companions() if vae is None else {})  # see aevae.explorer.bundle.companions
    text = export_page(bundle)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return out


def export_own_model(out: Path, model: object, images: object, labels: object = None,
                     output: str | None = None, progress: bool = True,
                     input_range: tuple[float, float] | None = None, cli: bool = False,
                     preprocess: str | None = None) -> Path:
    """Write the explorer for your own model(s) (``aevae.explorer.bundle.own_model``) to ``out``; the page must
    be able to run them (a plain chain the layer table describes), since an exported file has no Python.
    ``preprocess`` as ``own_model_bundle`` takes it."""
    from aevae.data.arrays import ArrayImages, array_images
    from aevae.explorer.bundle.own_model import own_model_bundle, user_models
    from aevae.models.user_layers import user_layer_table

    data = images if isinstance(images, ArrayImages) else array_images(images, labels)
    models = user_models(model, data, output, input_range, cli)  # checked and traced before any analysis
    needs = {}
    for wrapped in {id(m): m for m in models.values()}.values():
        try:
            user_layer_table(wrapped)
        except Exception as exc:  # noqa: BLE001 - any reason the page cannot run it
            needs[wrapped.cfg.kind.upper()] = str(exc)
    if needs:
        kind, why = next(iter(needs.items()))
        raise BundleError(f"your {kind} needs Python to decode, so a static file cannot show it: "
                          f"{why}. Explore it with aevae explore --model (the server decodes it), or express its "
                          "encode and decode with the steps the layer table has (docs/own-model.md): Linear, Conv2d, "
                          "ConvTranspose2d, ReLU, SiLU, LeakyReLU, ELU, tanh, sigmoid, BatchNorm, GroupNorm, "
                          "LayerNorm, residual additions, flatten and reshapes; encode returning mu, h.chunk(2, "
                          "dim=1) or (fc_mu(h), fc_logvar(h)); decode ending in a sigmoid or a tanh")
    one = models["ae"] is models["vae"]  # the wrapped models, so the checks and their notes are not repeated
    bundle, _ = own_model_bundle(models["vae"] if one else models, data, progress=progress, cli=cli,
                                 preprocess=preprocess)
    text = export_page(bundle)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return out


def _inline(text: str, tag: str) -> str:
    """Text safe inside an HTML <script> or <style> element: no sequence in it can end the element early."""
    return re.sub(rf"</(?={tag})", r"<\\/", text, flags=re.I).replace("<!--", "<\\!--")
