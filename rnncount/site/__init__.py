"""The browser edition of the course: a JupyterLite site that runs rnncount on Pyodide, with no server.

``rnncount site build OUT_DIR`` (or :func:`build_site`) writes a static site for any static host.
Its build dependencies are the ``site`` extra (``pip install -e ".[site]"``); see :mod:`rnncount.site.build`.
"""

from __future__ import annotations

from .build import BROWSER_NOTEBOOKS, PINS, SiteError, build_site, fetch_downloads

__all__ = ["BROWSER_NOTEBOOKS", "PINS", "SiteError", "build_site", "fetch_downloads"]
