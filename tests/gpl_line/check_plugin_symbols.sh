#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GPL line in a built plugin: it exports exactly satori_plugin_entry, it needs no
# satori_* symbol from anyone (it does not link the shim), and it has no DT_NEEDED on
# libsatori_shim. Usage: check_plugin_symbols.sh PLUGIN.so...
# The full check is `satori check-plugin` (tools/cmd_check_plugin.cpp: versioned undefined
# symbols only, DT_NEEDED list, ABI version); this quick script stays for tests/package, which
# checks out-of-tree builds with binutils alone.
set -u
bad=0
for so in "$@"; do
  exports=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort)
  if [ "$exports" != "satori_plugin_entry" ]; then
    echo "$so: must export only satori_plugin_entry, exports: $(echo $exports)"
    bad=1
  fi
  undefined=$(nm -D --undefined-only "$so" | awk '{print $2}' | grep -E '^satori_' || true)
  if [ -n "$undefined" ]; then
    echo "$so: needs shim symbols: $(echo $undefined)"
    bad=1
  fi
  if readelf -d "$so" | grep -q 'NEEDED.*libsatori'; then
    echo "$so: links a Satori library: $(readelf -d "$so" | grep NEEDED | grep satori)"
    bad=1
  fi
  [ $bad -eq 0 ] && echo "$so: OK"
done
exit $bad
