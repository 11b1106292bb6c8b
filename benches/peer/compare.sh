#!/bin/sh
# Times `kcert check --output json` and the Python peer on the same tree, alternating, so a
# busy machine slows both alike. Prints each one's wall seconds (median, min, max, every run),
# mean CPU seconds (user + system) and peak RSS, and the peer's time over kcert's per round.
#
#   benches/peer/compare.sh KCERT_BINARY TREE [ROUNDS]
set -eu
kcert=$1 tree=$2 rounds=${3:-5}
here=$(dirname "$0")
now=2026-11-22T12:00:00Z
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
while [ "$i" -lt "$rounds" ]; do
    KCERT_NOW=$now /usr/bin/time -f "%e %M %U %S" -o "$out/t" "$kcert" check --output json "$tree" >/dev/null || true
    grep -v status "$out/t" >>"$out/kcert"
    /usr/bin/time -f "%e %M %U %S" -o "$out/t" python3 "$here/scan_peer.py" --now "$now" "$tree" >/dev/null
    cat "$out/t" >>"$out/peer"
    i=$((i + 1))
done
for who in kcert peer; do
    sort -n "$out/$who" | awk -v who="$who" '
        { s[NR] = $1; if ($2 > m) m = $2; cpu += $3 + $4 }
        END { printf "%-5s wall median %.2f s (min %.2f, max %.2f), CPU mean %.2f s, max RSS %d MB, runs:", who, s[int((NR + 1) / 2)], s[1], s[NR], cpu / NR, m / 1024
              for (i = 1; i <= NR; i++) printf " %.2f", s[i]; print "" }'
done
paste "$out/kcert" "$out/peer" | awk '{ print $5 / $1 }' | sort -n |
    awk '{ r[NR] = $1 } END { printf "peer/kcert per round: median %.1fx (min %.1fx, max %.1fx)\n", r[int((NR + 1) / 2)], r[1], r[NR] }'
