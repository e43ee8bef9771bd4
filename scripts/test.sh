#!/usr/bin/env bash
# Runs every test of every module (the README's test command; .ci/run calls it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The console test (ConsoleBrowserTest) drives Debian's headless Chromium through its chromedriver;
# nothing downloads a browser at run time.
tailor_ensure_browser() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(/usr/bin/chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(/usr/bin/chromedriver)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the console test (Debian packages chromium chromium-driver)..." >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >&2 || {
      echo "Could not install chromium chromium-driver; install them by hand: sudo apt-get install -y chromium chromium-driver" >&2
      return 1; }
  else
    echo "The console test needs ${missing[*]} (Debian packages chromium and chromium-driver), which are missing." >&2
    echo "Install them: sudo apt-get install -y chromium chromium-driver   (or run this script as root)" >&2
    return 1
  fi
}
tailor_ensure_browser || exit 1
echo "Using JDK at $JAVA_HOME"
exec ./mvnw -B -ntp verify "$@"
