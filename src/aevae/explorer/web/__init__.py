"""The explorer's web front end: ``static/`` (the page, its stylesheet and its ES modules, one per view), the module
joiner (``modules``) and the self-contained HTML export (``export``)."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"  # the page's files: the only folder whose files the server hands out
JS_ROOT = STATIC / "js"  # the front end's ES modules

__all__ = ["JS_ROOT", "STATIC"]
