"""The explorer's local HTTP server: ``serve`` (bind, open the browser, run uvicorn), ``app`` (the Starlette routes
and JSON API), ``requests`` (checks of what clients send) and ``connections`` (connection limits, repeated errors);
encoding and decoding for the API is the bundle's (``aevae.explorer.bundle.models.BundleModels``)."""
