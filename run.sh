#!/usr/bin/env bash
# Set up scalargrad on this machine and run one of its jobs.
#
#   bash run.sh demo    install, then run the worked chain-rule example
#   bash run.sh test    install with the test tools, then run the whole test suite
#   bash run.sh bench   install with micrograd, then run the benchmarks
#
# Installing means: Debian's graphviz package when the `dot` program is missing
# (needs root or sudo; otherwise it says what to run), and this package with pip
# in editable mode into the Python given by $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
job=${1:-}

case "$job" in
  demo) extras="[examples]" ;;
  test) extras="[test]" ;;
  bench) extras="[bench]" ;;
  *) echo "usage: bash run.sh demo|test|bench" >&2; exit 2 ;;
esac

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then sudo="" ; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: graphviz's 'dot' is missing; installing Debian's graphviz package"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends graphviz >/dev/null
  else
    echo "run.sh: graphviz's 'dot' is missing and cannot be installed from here;" \
         "install it (apt-get install graphviz, brew install graphviz, ...) to render pictures" >&2
  fi
fi

echo "run.sh: installing scalargrad$extras with pip"
# PEP 668: a distribution's own Python may refuse pip installs outside a venv.
PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PYTHON" -m pip install --quiet -e ".$extras"

case "$job" in
  demo) exec "$PYTHON" examples/chain_rule_w1_w2.py ;;
  test) exec "$PYTHON" -m pytest ;;
  bench) exec "$PYTHON" benchmarks/bench.py ;;
esac
