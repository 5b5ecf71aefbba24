#!/bin/sh
# kvupgrade example: an entrypoint script that starts kvrocks with flags.
set -eu
DATA_DIR="${DATA_DIR:-/data}"

echo "starting kvrocks in $DATA_DIR"
exec /usr/local/bin/kvrocks -c /etc/kvrocks/kvrocks.conf \
  --dir "$DATA_DIR" \
  --workers 8 \
  --rocksdb.row_cache_size 1024
