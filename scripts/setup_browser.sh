#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/api/test_browser.py) when it is missing.
# Acts only as root and only in CI (CI=true) or when asked (--install); otherwise it says what to do.
# Idempotent and quiet: nothing happens when chromium is already there. Playwright drives this
# system browser (executable_path); no browser is ever downloaded by `playwright install`.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "${CI:-}" != "true" ] && [ "${1:-}" != "--install" ]; then
    echo "setup_browser: chromium not installed; browser tests will be skipped (install: sudo bash $0 --install)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"  # CI runners usually grant password-less sudo
fi
if { [ "$(id -u)" != "0" ] && [ -z "$SUDO" ]; } || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_browser: need root (or password-less sudo) and apt-get to install chromium;" \
         "the browser tests will fail in CI" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "setup_browser: installed $(chromium --version 2>/dev/null || echo chromium)"
