#!/usr/bin/env bash
# Checks the shipped library: no dependency on the Swift toolchain, and the exported
# names are exactly the functions declared in gdopt.h (and listed in api_functions.h).
set -euo pipefail
lib=$1 header=$2 list=$3
passed=0 failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); }

if ldd "$lib" | grep -q 'libswift'; then bad "ldd shows Swift toolchain libraries: $(ldd "$lib" | grep libswift | tr -s ' \t' ' ')"
else ok "ldd: no libswift* ($(ldd "$lib" | awk '{print $1}' | grep -v vdso | tr '\n' ' '))"; fi

exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
declared=$(grep -oE '^[a-z_ ]+[ *]gdopt_[a-z0-9_]+\(' "$header" | grep -oE 'gdopt_[a-z0-9_]+\(' | tr -d '(' | sort -u)
listed=$(grep -oE 'X\(gdopt_[a-z0-9_]+\)' "$list" | grep -oE 'gdopt_[a-z0-9_]+' | sort -u)
if echo "$exported" | grep -qv '^gdopt_'; then bad "nm -D exports names other than gdopt_*: $(echo "$exported" | grep -v '^gdopt_' | head -3 | tr '\n' ' ')"
else ok "nm -D --defined-only: only gdopt_* ($(echo "$exported" | wc -l) names)"; fi
if [ "$exported" = "$declared" ]; then ok "exports == functions declared in gdopt.h"
else bad "exports differ from gdopt.h: $(diff <(echo "$exported") <(echo "$declared") | grep '^[<>]' | tr '\n' ' ')"; fi
if [ "$listed" = "$declared" ]; then ok "harness list == functions declared in gdopt.h"
else bad "harness list differs from gdopt.h: $(diff <(echo "$listed") <(echo "$declared") | grep '^[<>]' | tr '\n' ' ')"; fi
echo "exports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
