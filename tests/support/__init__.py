"""Helpers the tests share, not tests themselves: tiny runs and models, the served explorer page, browser and
screenshot helpers, a recording widget comm. Test files import them as ``support.NAME``; shared fixtures live in
``tests/conftest.py``."""
