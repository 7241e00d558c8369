#!/bin/sh
# Install the headless browser that tests/test_browser.py drives: Debian's chromium and chromium-driver.
# A no-op when both are present. Needs root (apt-get); CI calls it from .ci/run.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "install_browser: chromium and chromedriver already present"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install_browser: chromium/chromedriver missing and not root; run: sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
command -v chromium && command -v chromedriver
