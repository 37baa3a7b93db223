#!/bin/sh
# Install Debian's Chromium for tests/test_browser.py (Playwright drives it; Playwright's
# own browser download is not used). Idempotent and quiet: does nothing when
# /usr/bin/chromium exists. Needs root (or sudo) and apt.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
