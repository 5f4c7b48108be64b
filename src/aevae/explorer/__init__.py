"""The explorer: the paper's interactive AE/VAE figure in the browser, live, offline, on shipped pretrained models.

One room per job:

- ``bundle/``: what the page runs on (weights, analysis arrays, gallery in one safetensors container), built from
  run folders, models in memory or images, and the shipped pair in ``bundle/defaults/``;
- ``server/``: ``aevae explore``'s local HTTP server and JSON API (PyTorch imported only when an API call needs it);
- ``web/``: the front end (plain ES modules in ``web/static/js``, one per view, decoding in the browser), the
  joiner that makes one module of them, and ``aevae export``'s self-contained HTML file;
- ``widget.py`` and ``widget.js``: the same views as a Jupyter widget (``aevae.Explorer``).
"""
