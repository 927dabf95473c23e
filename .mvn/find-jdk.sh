# Sourced by ./mvnw, ./run and weft-bench's scripts (POSIX sh, bash, dash): weft_find_jdk finds a
# JDK whose feature version is at least WEFT_JDK_MIN (25) and exports JAVA_HOME to it. It looks,
# in order, at $JAVA_HOME, $JDK25_HOME, the `java` on PATH, and every folder inside the install
# roots: WEFT_JDK_ROOTS if set (colon-separated), else /usr/lib/jvm, /usr/java, /opt/java, /opt,
# ~/.sdkman/candidates/java, ~/.jdks and /Library/Java/JavaVirtualMachines (macOS).
# It prints one sentence and returns 1 when none is found.

WEFT_JDK_MIN=${WEFT_JDK_MIN:-25}

weft_jdk_version() { # prints the feature version of the JDK in $1 (java and javac), or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

weft_try_jdk() { # exports JAVA_HOME=$1 and succeeds when $1 is a JDK WEFT_JDK_MIN or newer
  [ -n "$1" ] && [ -d "$1" ] || return 1
  _weft_v=$(weft_jdk_version "$1")
  [ -n "$_weft_v" ] && [ "$_weft_v" -ge "$WEFT_JDK_MIN" ] || return 1
  JAVA_HOME=$1
  export JAVA_HOME
}

weft_find_jdk() {
  weft_try_jdk "${JAVA_HOME:-}" && return 0
  weft_try_jdk "${JDK25_HOME:-}" && return 0
  if command -v java >/dev/null 2>&1; then
    weft_try_jdk "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" && return 0
  fi
  _weft_roots=${WEFT_JDK_ROOTS-/usr/lib/jvm:/usr/java:/opt/java:/opt:$HOME/.sdkman/candidates/java:$HOME/.jdks:/Library/Java/JavaVirtualMachines}
  _weft_ifs=$IFS
  IFS=:
  for _weft_root in $_weft_roots; do
    IFS=$_weft_ifs
    for _weft_dir in "$_weft_root"/* "$_weft_root"/*/Contents/Home; do
      weft_try_jdk "$_weft_dir" && return 0
    done
  done
  IFS=$_weft_ifs
  echo "weft needs a JDK $WEFT_JDK_MIN or newer and found none (looked at JAVA_HOME, JDK25_HOME, the java on PATH and the folders in ${_weft_roots:-WEFT_JDK_ROOTS}): install one, for example Temurin $WEFT_JDK_MIN, or point JAVA_HOME at it." >&2
  return 1
}
