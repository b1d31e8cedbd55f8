"""How the browser tests start Debian's Chromium: one place for its path and flags.

Playwright never downloads a browser here: it is pointed at the system's
Chromium (run.sh test installs Debian's chromium package).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
MISSING = f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"

# Root in a container on a closed network: no sandbox (it needs user
# namespaces), no GPU, and none of the background fetches a fresh profile makes.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Docker gives /dev/shm 64 MB, too little for Chromium; use /tmp instead.
    "--disable-dev-shm-usage",
]


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
