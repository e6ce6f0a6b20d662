#!/bin/sh
# tests/layers.sh: the include rules of docs/ARCHITECTURE.md, checked on
# the sources (the Makefile's per-layer include paths enforce them at
# build time; this also catches system headers). Every folder may include
# only folders below it, so there is no cycle between folders. Prints
# "PASS layers" or "FAIL layers: ..." lines; exits 1 on any violation.

cd "$(dirname "$0")/.." || exit 2
fail=0

# forbid DIR REGEX WHY: no file in DIR may include a header matching REGEX.
forbid() {
	hits=$(grep -n -E "^#include [<\"]($2)[>\"]" $(find "$1" -name '*.[ch]') \
	    2>/dev/null)
	if [ -n "$hits" ]; then
		echo "FAIL layers: $1 $3:"
		echo "$hits" | sed 's/^/  | /'
		fail=1
	fi
}

SERVER_H=$(cd server && find common db ops replica net http -name '*.h' -exec basename {} \; |
    tr '\n' '|' | sed 's/|$//; s/\./\\./g')
CLIENT_H=$(cd client && find lib cli -name '*.h' -exec basename {} \; |
    tr '\n' '|' | sed 's/|$//; s/\./\\./g')
DB_H=$(cd server/db && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
UP_H=$(cd server && ls ops/*.h replica/*.h net/*.h | xargs -n1 basename |
    tr '\n' '|' | sed 's/|$//; s/\./\\./g')
REPLICA_H=$(cd server/replica && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
NET_H=$(cd server/net && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
CLI_H=$(cd client/cli && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
HTTP_H=$(cd server/http && ls *.h | tr '\n' '|' | sed 's/|$//; s/\./\\./g')

forbid proto "$SERVER_H|$CLIENT_H" "includes the server or the client"
forbid server/common "$DB_H|$UP_H" "includes a layer above it"
forbid server/db "$UP_H|event2/.*|openssl/ssl\.h" "knows of ops, connections or TLS"
forbid server/ops "$REPLICA_H|$NET_H|event2/.*|openssl/ssl\.h" "knows of the follower or connections"
forbid server/replica "$NET_H|event2/.*|qcreg_int\.h" "knows of connections or libqcreg's insides"
forbid server/net "lmdb\.h|$DB_H|op\.h|$REPLICA_H|$HTTP_H" "knows of LMDB, the ops' insides, the follower or the HTTPS front"
forbid server/http "lmdb\.h|$DB_H|op\.h|$REPLICA_H" "knows of LMDB, the ops' insides or the follower"
forbid client "$SERVER_H" "includes the server"
forbid client/lib "$CLI_H" "includes the command line"
forbid bench "$SERVER_H" "includes the server"

[ "$fail" -eq 0 ] && echo "PASS layers"
exit "$fail"
