#!/bin/sh
# start.sh DIR [extra flags]: start serve on 18080 with ledger DIR/ledger.db, log DIR.log
d=$1; shift
/tmp/rev/syftwallet serve --db $d/ledger.db --addr 127.0.0.1:${PORT:-18080} --admin-key rev-admin-key-0123456789 --debug "$@" >> $d.log 2>&1 &
echo $! > $d.pid
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null 127.0.0.1:${PORT:-18080}/healthz && exit 0; sleep 0.3; done
echo "did not start"; tail -3 $d.log
