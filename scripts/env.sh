#!/usr/bin/env bash
# Sourced by the other scripts (or by you: source scripts/env.sh): picks a JDK 21+ and makes sure the Fashion-MNIST files are there.
# Nothing here downloads data at run time; the dataset comes from Debian's package.

tailor_java_version() { # prints the major version of the java in $1/bin
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

tailor_pick_jdk() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(tailor_java_version "$JAVA_HOME")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then return 0; fi
    echo "JAVA_HOME=$JAVA_HOME is Java $major; looking for a JDK 21+ instead" >&2
  fi
  # newest first: a Temurin or OpenJDK 21+ under Debian's JVM folder
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    [ -x "$candidate/bin/javac" ] || continue
    major=$(tailor_java_version "$candidate")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME=$candidate
      return 0
    fi
  done
  cat >&2 <<'MSG'
Tailor needs a JDK 21 or newer (Helidon 4) and none was found (JAVA_HOME, /usr/lib/jvm/*).
Install one, e.g.:  apt-get install -y openjdk-21-jdk-headless   (or Temurin 21/25),
or point JAVA_HOME at it, then run this command again.
MSG
  return 1
}

tailor_ensure_dataset() {
  local dir=${TAILOR_DATA:-/usr/share/datasets/fashion-mnist}
  if [ -f "$dir/train-images-idx3-ubyte.gz" ] || [ -f "$dir/train-images-idx3-ubyte" ]; then return 0; fi
  if [ -n "${TAILOR_DATA:-}" ]; then
    echo "TAILOR_DATA=$TAILOR_DATA holds no Fashion-MNIST IDX files." >&2; return 1
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing the Fashion-MNIST dataset (Debian package dataset-fashion-mnist)..." >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; } >&2 || {
      echo "Could not install dataset-fashion-mnist; install it by hand: sudo apt-get install -y dataset-fashion-mnist" >&2; return 1; }
  else
    echo "Fashion-MNIST is missing. Install it: sudo apt-get install -y dataset-fashion-mnist" >&2; return 1
  fi
}

# sourced from an interactive shell, a failure must not close that shell: return, not exit
if ! tailor_pick_jdk || ! tailor_ensure_dataset; then
  return 1 2>/dev/null || exit 1
fi
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
