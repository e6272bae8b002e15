#!/usr/bin/env bash
# `make test`: every test, as two pytest runs at once, each with a network of its own (validators,
# agents, controllers):
#
#   1. the integration tests, the network's wallets and records in SQLite files (the embedded default);
#   2. the unit tests, then the flow tests again with the wallets and records in PostgreSQL (a private
#      cluster made for the run), every port of that network 1000 higher (tests/conftest.py's options).
#
# A flow mostly waits (for the ledger's consensus, for another agent), so two runs share two cores:
# together they take little longer than the first alone. The first run prints as it goes; the second's
# output goes to a file (named at the start) and is printed when both have ended. Extra arguments go to
# both runs (`scripts/test.sh -x`). Exit status: 0 only if both passed.
set -uo pipefail
cd "$(dirname "$0")/.."

pytest=(.venv/bin/python -m pytest)
scratch=$(mktemp -d -t medcred-tests-XXXXXX)
second_log="$scratch/postgresql.log"

# Started as a job of its own (set -m): a script's plain background command ignores SIGINT, and pytest
# would then not stop (and stop its network) when the trap below passes Ctrl-C on.
set -m
"${pytest[@]}" "$@" --stack-database postgresql --stack-port-offset 1000 --basetemp "$scratch/tmp" \
    tests/unit tests/integration/flows > "$second_log" 2>&1 &
second=$!
set +m
# Ctrl-C or a failure of this script stops the second run too (pytest's own teardown stops its network).
trap 'kill -INT "$second" 2>/dev/null; wait "$second" 2>/dev/null' INT TERM

echo "== run 1: the integration tests on SQLite"
echo "== run 2 (beside it): the unit tests, then the flow tests on PostgreSQL; its output: $second_log"
"${pytest[@]}" "$@" tests/integration
first_status=$?
wait "$second"
second_status=$?

echo
echo "== run 2: the unit tests, then the flow tests on PostgreSQL"
cat "$second_log"
[ $second_status -eq 0 ] && rm -rf "$scratch/tmp"  # a failed run's folders stay, to be looked at
echo
echo "== run 1 (integration, SQLite): $([ $first_status -eq 0 ] && echo passed || echo "FAILED ($first_status)")"
echo "== run 2 (unit, then flows on PostgreSQL): $([ $second_status -eq 0 ] && echo passed || echo "FAILED ($second_status)")"
[ $first_status -eq 0 ] && [ $second_status -eq 0 ]
