#!/usr/bin/env bash
# Set up scalargrad on this machine and run one of its jobs.
#
#   bash run.sh demo    install, then run `scalargrad walkthrough` (the worked
#                       chain-rule example: derivation, pictures, training)
#   bash run.sh test    install with the test and docs tools, run the whole test
#                       suite, ruff (lint, format) and mypy --strict, then build
#                       the documentation site (warnings fail)
#   bash run.sh docs    install with the docs tools, then build the site into
#                       docs/_build/html (every page executed; warnings fail)
#   bash run.sh bench   install with micrograd, then run the benchmarks
#
# Installing means: Debian's graphviz package when the `dot` program is missing
# and, for `test`, Debian's chromium package for the browser tests when
# /usr/bin/chromium is missing (needs root or sudo; otherwise it says what to
# run), and this package with pip in editable mode into the Python given by
# $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
job=${1:-}

case "$job" in
  demo) extras="" ;;
  test) extras="[test,docs]" ;;
  docs) extras="[docs]" ;;
  bench) extras="[bench]" ;;
  *) echo "usage: bash run.sh demo|test|docs|bench" >&2; exit 2 ;;
esac

# Debian packages this job needs and the machine lacks: one apt-get update for all.
packages=""
if ! command -v dot >/dev/null 2>&1; then packages="graphviz"; fi
# tests/test_stepper_browser.py drives this Chromium (and skips itself without it).
if [ "$job" = test ] && [ ! -x /usr/bin/chromium ]; then packages="$packages chromium"; fi

if [ -n "$packages" ]; then
  if [ "$(id -u)" = 0 ]; then sudo="" ; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
    for package in $packages; do
      case $package in
        graphviz) echo "run.sh: graphviz's 'dot' is missing; installing Debian's graphviz package" ;;
        chromium) echo "run.sh: /usr/bin/chromium is missing; installing Debian's chromium package" ;;
      esac
    done
    $sudo apt-get update -qq
    # $packages unquoted: it is a list of package names
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
  else
    for package in $packages; do
      case $package in
        graphviz) echo "run.sh: graphviz's 'dot' is missing and cannot be installed from here;" \
                       "install it (apt-get install graphviz, brew install graphviz, ...) to render pictures" >&2 ;;
        chromium) echo "run.sh: /usr/bin/chromium is missing and cannot be installed from here;" \
                       "install Debian's chromium package (apt-get install chromium) to run the browser tests," \
                       "which are skipped without it" >&2 ;;
      esac
    done
  fi
fi

echo "run.sh: installing scalargrad$extras with pip"
# PEP 668: a distribution's own Python may refuse pip installs outside a venv.
PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PYTHON" -m pip install --quiet -e ".$extras"

case "$job" in
  demo) exec "$PYTHON" -m scalargrad walkthrough ;;
  test)
    "$PYTHON" -m pytest
    echo "run.sh: ruff (lint and format) and mypy --strict"
    "$PYTHON" -m ruff check .
    "$PYTHON" -m ruff format --check .
    "$PYTHON" -m mypy --strict scalargrad
    echo "run.sh: building the documentation site (docs/_build/html)"
    exec "$PYTHON" -m sphinx -W --keep-going -q -b html docs docs/_build/html ;;
  docs) exec "$PYTHON" -m sphinx -W --keep-going -q -b html docs docs/_build/html ;;
  bench) exec "$PYTHON" benchmarks/bench.py ;;
esac
