"""The explorer's local HTTP server: ``serve`` (bind, open the browser, run uvicorn), ``app`` (the Starlette routes
and JSON API), ``requests`` (checks of what clients send), ``connections`` (connection limits, repeated errors)
and ``reference`` (PyTorch encode/decode for the API)."""
