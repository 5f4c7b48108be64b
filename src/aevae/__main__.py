"""Allows ``python -m aevae``."""

from aevae.cli import main

raise SystemExit(main())
