# Sourced by ./mvnw and ./run: finds a JDK whose feature version is at least
# WEFT_JDK_MIN (25) and exports JAVA_HOME to it. It looks, in order, at
# $JAVA_HOME, the `java` on PATH, $JDK25_HOME, and the usual install folders
# (/usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks, macOS's JavaVirtualMachines).
# It prints one sentence and returns 1 when none is found.

WEFT_JDK_MIN=${WEFT_JDK_MIN:-25}

weft_jdk_version() { # prints the feature version of the java binary in $1/bin, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

weft_find_jdk() {
  local candidates=() dir v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  [ -n "${JDK25_HOME:-}" ] && candidates+=("$JDK25_HOME")
  if command -v java >/dev/null 2>&1; then
    dir=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$dir")
  fi
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
             "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    v=$(weft_jdk_version "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$WEFT_JDK_MIN" ]; then
      export JAVA_HOME="$dir"
      return 0
    fi
  done
  echo "weft needs a JDK $WEFT_JDK_MIN or newer and found none (looked at JAVA_HOME, the java on PATH, /usr/lib/jvm, /usr/java, /opt, ~/.sdkman and ~/.jdks): install one, for example Temurin $WEFT_JDK_MIN, or point JAVA_HOME at it." >&2
  return 1
}
