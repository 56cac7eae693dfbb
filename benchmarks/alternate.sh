#!/bin/bash
# /sparql by hand, alternated: kgpub (started 30 s before its load, so its in-memory copies are loaded) and the
# bare Flask + pyoxigraph app with an in-memory store, 2 rounds x 3 wrk runs of distinct query texts each.
#   benchmarks/alternate.sh PROJECT_DIR      (a project with a published build, e.g. benchmarks.generate's)
# Run from the repository with its .venv; prints wrk's Requests/sec per run (take the medians).
set -eu
cd "$(dirname "$0")/.."
P="$1"
REL=$(readlink -f "$P/build/current")
BIN=.venv/bin
Q='/sparql?query=SELECT%20%3Fperson%20%3Fname%20WHERE%20%7B%20%3Fperson%20a%20%3Chttp%3A%2F%2Fschema.org%2FPerson%3E%20%3B%20%3Chttp%3A%2F%2Fschema.org%2Fname%3E%20%3Fname%20%7D'
H='Accept: application/sparql-results+json'
load() { wrk -t2 -c4 -d5 -H "$H" -s benchmarks/distinct_query.lua "http://127.0.0.1:$1$Q" | grep Requests/sec; }
for round in 1 2; do
  "$BIN/kgpub" --project-dir "$P" serve --port 18801 --workers 2 --no-build > /dev/null 2>&1 & K=$!
  sleep 30
  for _ in 1 2 3; do echo "kgpub r$round: $(load 18801)"; done
  kill $K; wait $K || true
  KGPUB_BENCH_DUMP="$REL/dumps/kgpub.nq.gz" "$BIN/python" -m gunicorn -w 2 -k gthread --threads 4 --timeout 40 \
    -b 127.0.0.1:18802 benchmarks.peers.minimal_flask:app > /dev/null 2>&1 & B=$!
  sleep 30
  for _ in 1 2 3; do echo "bare app, in memory r$round: $(load 18802)"; done
  kill $B; wait $B || true
done
