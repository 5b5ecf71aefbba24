#!/usr/bin/env bash
# Run the whole RocksDB calibration suite (~8 minutes on 2 cores) and write
# benchmarks/rocksdb/results.json.  Every db_bench process is wrapped in
# `timeout 60`; databases live in a fresh /tmp/kvupgrade-rocksdb-* directory
# that is deleted afterwards (pass --keep to keep DBs and raw db_bench logs).
#
#   benchmarks/rocksdb/run_all.sh                 # full suite -> results.json
#   benchmarks/rocksdb/run_all.sh --quick --out /tmp/q.json   # ~2 min smoke test
#   benchmarks/rocksdb/run_all.sh --claims dynlevel,compress  # subset
#
# Needs: db_bench (Debian: apt-get install -y rocksdb-tools), /usr/bin/time
# (apt-get install -y time), python3 (stdlib only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

command -v db_bench >/dev/null || { echo "db_bench missing: apt-get install -y rocksdb-tools" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install -y time" >&2; exit 2; }

start=$(date +%s)
rc=0
python3 "$here/calibrate.py" run "$@" || rc=$?
echo "suite wall time: $(( $(date +%s) - start ))s"
# Markdown tables (paste into README.md when results change):
out="$here/results.json"
prev=""
for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done
python3 "$here/calibrate.py" report --in "$out"
exit $rc
