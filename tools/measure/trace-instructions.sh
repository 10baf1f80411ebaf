#!/usr/bin/env bash
# Machine instructions per traced run, counted by valgrind (cachegrind): a figure that does not
# move with the load of a shared machine, for comparing two versions of the tracing path where
# timings move by 5–15 % from run to run. Node runs single-threaded with fixed hash and random
# seeds (--predictable), so the count repeats exactly; the count of 2 runs is subtracted from
# that of 4, which leaves out start-up and most of the JIT's work. Instructions are not time
# (cache misses and the cost of builtins differ), so confirm a gain with `npm run bench`.
#
# usage: tools/measure/trace-instructions.sh [threads|go] [none|nohooks|drop|nowhy|why|json] [events]
#   (defaults: threads why 200000; about a minute per mode; needs valgrind: apt-get install valgrind)
#   none: untraced; nohooks: untraced, in the bench's copy of src/ with every trace hook removed
#   (bench/trace-overhead.ts), so none against nohooks is what the hooks cost, without noise.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-threads}
mode=${2:-why}
events=${3:-200000}
case "$model" in threads|go) ;; *) echo "trace-instructions: model must be threads or go (got $model)" >&2; exit 2 ;; esac
case "$mode" in none|nohooks|drop|nowhy|why|json) ;; *) echo "trace-instructions: mode must be none, nohooks, drop, nowhy, why or json (got $mode)" >&2; exit 2 ;; esac
[[ "$events" =~ ^[1-9][0-9]*$ ]] || { echo "trace-instructions: events must be a positive integer (got $events)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "trace-instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
out=$(mktemp -d)
stripped=
trap 'rm -rf "$out" ${stripped:+"$stripped"}' EXIT
entry=tools/measure/trace-run.ts
runmode=$mode
if [ "$mode" = nohooks ]; then
  stripped=$(npx tsx -e 'import("./bench/trace-overhead.ts").then((m) => process.stdout.write(m.makeStrippedCopy()))')
  mkdir -p "$stripped/tools/measure" "$stripped/bench"
  cp tools/measure/trace-run.ts "$stripped/tools/measure/"
  cp bench/trace-configs.ts "$stripped/bench/"
  entry=$stripped/tools/measure/trace-run.ts
  runmode=none
fi
npx esbuild "$entry" --bundle --platform=node --format=esm --outfile="$out/run.mjs" --log-level=warning
count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    node --single-threaded --predictable --hash-seed=1 --random-seed=1 "$out/run.mjs" "$model" "$runmode" "$events" "$1" 2>&1 \
    | sed -n 's/.*I *refs: *//p' | tr -d ,
}
two=$(count 2)
four=$(count 4)
[ -n "$two" ] && [ -n "$four" ] || { echo "trace-instructions: no count from valgrind" >&2; exit 1; }
echo "$model $mode: $(( (four - two) / 2 / 1000000 )) M instructions per ${events}-event run"
