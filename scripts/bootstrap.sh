#!/usr/bin/env bash
# Create or refresh medcred's two virtual environments; does nothing when both are up to date.
#
#   .venv             the application (Python 3.13: acapy-agent 1.7 needs it)
#   .venv-validators  the Indy validators (Python 3.8: indy-node 1.13 runs on nothing newer)
#
# Interpreters are looked for, in order, in $MEDCRED_PYTHON / $MEDCRED_VALIDATOR_PYTHON, on PATH,
# in pyenv's versions folder, and through `uv python find`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# find_python VERSION OVERRIDE_VARIABLE: print the path of a python VERSION (e.g. 3.13) or fail.
find_python() {
  local version=$1 override=$2 candidate
  local -a candidates=()
  [ -n "${!override:-}" ] && candidates+=("${!override}")
  candidates+=("$(command -v "python$version" 2>/dev/null || true)")
  local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
  for candidate in "$pyenv_root"/versions/"$version".*/bin/python; do candidates+=("$candidate"); done
  if command -v uv >/dev/null 2>&1; then candidates+=("$(uv python find "$version" 2>/dev/null || true)"); fi
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    # A pyenv shim may exist without the version behind it: ask the interpreter itself.
    if "$candidate" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$version' else 1)" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  say "Python $version was not found (looked at \$$override, python$version on PATH, $pyenv_root/versions, uv)."
  say "Install it, e.g. 'pyenv install $version' or 'uv python install $version', or set $override to its path."
  return 1
}

# stamp_of FILE...: a digest of what an environment was built from.
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

app_stamp=$(stamp_of requirements/app.txt pyproject.toml)
if [ "$(cat .venv/.medcred-stamp 2>/dev/null)" != "$app_stamp" ]; then
  python=$(find_python 3.13 MEDCRED_PYTHON)
  say "building .venv with $python"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements/app.txt
  # compat mode puts the checkout on sys.path (a .pth file), so packages added later import too.
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
    --config-settings editable_mode=compat -e .
  echo "$app_stamp" > .venv/.medcred-stamp
fi

validators_stamp=$(stamp_of requirements/validators.txt)
if [ "$(cat .venv-validators/.medcred-stamp 2>/dev/null)" != "$validators_stamp" ]; then
  python=$(find_python 3.8 MEDCRED_VALIDATOR_PYTHON)
  say "building .venv-validators with $python"
  [ -x .venv-validators/bin/python ] || "$python" -m venv .venv-validators
  pip=(.venv-validators/bin/pip --quiet --disable-pip-version-check)
  "${pip[@]}" install --upgrade pip 'setuptools<76' wheel
  # indy-plenum pins python-rocksdb and python-ursa, which cannot be built here: install the two
  # without their declared needs, and everything they really need from the pinned list.
  no_deps='^indy-(plenum|node)=='
  "${pip[@]}" install -r <(grep -Ev "$no_deps" requirements/validators.txt)
  "${pip[@]}" install --no-deps $(grep -E "$no_deps" requirements/validators.txt)
  echo "$validators_stamp" > .venv-validators/.medcred-stamp
fi

# debian_package BINARY PACKAGE WHAT-FOR IF-MISSING: install Debian's PACKAGE when BINARY is missing and we
# may (root, apt-get present); else say what is missing and what does without it.
debian_package() {
  local binary=$1 package=$2 purpose=$3 without=$4
  [ -x "$binary" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's $package for $purpose"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$package" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$package" >/dev/null; }
  else
    say "no $package at $binary: $without"
  fi
}

# The browser tests drive Debian's Chromium through Playwright (whose own browser download cannot
# reach its host here).
debian_package "${MEDCRED_CHROMIUM:-/usr/bin/chromium}" chromium "the browser tests" \
  "the browser tests will be skipped with that reason"
# `medcred up --instances N` puts nginx in front of each role's controller instances (stack/proxy.py) and
# runs it itself. (In a container the package's own service is not started; on a host with systemd,
# Debian starts one on port 80: `systemctl disable --now nginx` if you do not want it.)
debian_package "${MEDCRED_NGINX:-/usr/sbin/nginx}" nginx "--instances (the reverse proxy)" \
  "--instances and its tests need it (apt-get install nginx)"
