"""The explorer: the paper's interactive AE/VAE figure in the browser, live, offline, on shipped pretrained models.

``aevae explore`` serves it (``server``: uvicorn; ``app``: the Starlette routes and JSON API; ``inputs``: checks of
what clients send; ``reference``: PyTorch encode/decode for the API). The page runs on a ``bundle`` (weights,
analysis arrays, gallery) that ``build`` makes from run folders, ``gallery`` fills with test images and probes,
and ``make_defaults`` writes for the shipped models. The front end lives in ``static/``: plain ES modules, one per
view, decoding in the browser. Nothing here imports torch until an API request or a run folder needs it.

The same front end runs in a notebook (``aevae.widget``) and as one self-contained HTML file (``export``):
``esm`` joins its modules into one, and ``sources`` makes bundles from run folders, models in memory and images.
"""
