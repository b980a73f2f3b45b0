#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation tests of the ABI gate itself. Each case copies the public headers (and, for the
# symbol cases, abi/satori.map or the shim) into its own directory, applies one edit, runs
# `satori abi-check` against a baseline made from the unmodified tree, and checks the verdict:
# a "fail" case must exit 1 and name the change, a "pass" case must exit 0. So a gate that
# passes everything, or fails everything, fails here. The baseline is the current tree (made
# by the "setup" case), not abi/baselines/: these tests prove the gate, not the tree.
#
# Usage: mutate.sh SATORI SOURCE_DIR WORK_DIR SHIM CASE
#        mutate.sh list            prints the case names (CMake registers one test per case)
set -euo pipefail

CASES="identical new_function new_service append_size_first new_constant reserved_rename minor_bump risky_addition
field_type field_reorder field_remove field_insert_middle constant_change errno_change
fnptr_signature function_param function_remove array_shrink struct_align typedef_change
append_not_growable service_removed map_missing_symbol map_accidental_export stripped_shim"

if [ "${1:-}" = list ]; then
  echo $CASES
  exit 0
fi
[ $# -eq 5 ] || { echo "usage: mutate.sh SATORI SOURCE_DIR WORK_DIR SHIM CASE" >&2; exit 2; }
satori="$1" src="$2" work="$3" shim="$4" case="$5"
base="$work/current/1.0"   # baseline of the unmodified tree (named like a version directory)

die() { echo "mutate.sh [$case]: $*" >&2; exit 1; }

if [ "$case" = setup ]; then
  rm -rf "$work/current" && mkdir -p "$base"
  "$satori" abi-check --root "$src" --shim "$shim" --generate "$base"
  exit 0
fi
[ -f "$base/probe.xml" ] || die "no baseline in $base (the setup test did not run)"

dir="$work/cases/$case"
rm -rf "$dir" && mkdir -p "$dir"
cp -R "$src/abi/include" "$dir/include"
cp "$src/abi/satori.map" "$dir/satori.map"
hdr="$dir/include/satori"
gate_shim="$shim"

# edit FILE PERL-SUBSTITUTION — applies a perl -0 edit; the case errors out if nothing changed
# (the header moved on: update the anchor here rather than let a no-op pass or fail).
edit() {
  local f="$1" before
  before=$(cksum <"$f")
  perl -0pi -e "$2" "$f"
  [ "$before" != "$(cksum <"$f")" ] || die "the edit did not apply to $f: update its anchor in mutate.sh"
}

expect=pass want=""
case "$case" in
# ---- must PASS -------------------------------------------------------------------------
identical) want="identical to ABI 1.0" ;;
new_function)
  edit "$hdr/embed.h" 's/(SATORI_SHIM_API void satori_shim_destroy\(struct satori_shim \*shim\);\n)/$1\/** Reloads the plugins. *\/\nSATORI_SHIM_API int32_t satori_shim_reload(struct satori_shim *shim);\n/'
  want="new function int32_t satori_shim_reload(struct satori_shim*)" ;;
new_service)
  cat >"$hdr/example.h" <<'EOF'
/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/* A new service table, added by the mutation test. */
#ifndef SATORI_EXAMPLE_H
#define SATORI_EXAMPLE_H
#include <stdint.h>
#define SATORI_SERVICE_EXAMPLE "satori.example/1"
struct satori_example_service {
    uint32_t struct_size;
    uint32_t reserved;
    int32_t (*frob)(const struct satori_example_service *svc, uint64_t value);
};
#endif
EOF
  want="new struct satori_example_service" ;;
append_size_first)
  edit "$hdr/bus.h" 's/(int32_t \(\*channel_info\)\(struct satori_channel \*ch, struct satori_channel_info \*out\);\n)\};/$1    int32_t (*channel_reset)(struct satori_channel *ch);\n};/'
  want="struct satori_bus_ops: grew from 88 bytes to 96 bytes by appending channel_reset at byte 88" ;;
new_constant)
  edit "$hdr/errno.h" 's/(\n#endif \/\* SATORI_ERRNO_H \*\/)/\n#define SATORI_ENOTCONN 107\n$1/'
  want="new SATORI_ENOTCONN 107" ;;
reserved_rename)
  edit "$hdr/bus.h" 's/uint32_t reserved;    \/\*\*< 0\. \*\//uint32_t flags;       \/**< Was reserved. *\//'
  want="reserved member 'reserved' is now 'flags'" ;;
minor_bump)
  edit "$hdr/version.h" 's/#define SATORI_ABI_VERSION_MINOR 0/#define SATORI_ABI_VERSION_MINOR 1/'
  edit "$hdr/host.h" 's/(    const struct satori_bus_ops \*bus;\n)/$1    uint64_t (*now_realtime_ns)(const struct satori_host *host);\n/'
  want="ABI minor version bumped from 0 to 1" ;;
risky_addition)
  # Compatible, but the gate's notes must point at what will hurt later.
  cat >"$hdr/example_stats.h" <<'EOF2'
/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
#ifndef SATORI_EXAMPLE_STATS_H
#define SATORI_EXAMPLE_STATS_H
#include <stddef.h>
#include <satori/channel.h>
struct satori_example_stats {
    uint32_t struct_size;
    uint32_t reserved;
    struct satori_channel_info channel;
    size_t bytes;
};
#endif
EOF2
  want="NOTE  [risk] struct satori_example_stats: member 'channel' embeds struct satori_channel_info by value" ;;
# ---- must FAIL -------------------------------------------------------------------------
field_type)
  edit "$hdr/host.h" 's/uint32_t abi_version; \/\*\*< The shim/int32_t abi_version; \/**< The shim/'
  expect=fail want="struct satori_host: member 'abi_version' changed type from 'uint32_t' to 'int32_t'" ;;
field_reorder)
  edit "$hdr/host.h" 's/(    const char \*name;[^\n]*\n)(    const char \*version;[^\n]*\n)/$2$1/'
  expect=fail want="struct satori_host: member 'name' moved from byte 8 to byte 16" ;;
field_remove)
  edit "$hdr/host.h" 's/    const struct satori_bus_ops \*bus;\n//'
  expect=fail want="struct satori_host: member 'bus' (const struct satori_bus_ops* at byte 56) was removed" ;;
field_insert_middle)
  edit "$hdr/bus.h" 's/(struct satori_bus_ops \{\n    uint32_t struct_size;[^\n]*\n    uint32_t reserved;[^\n]*\n)/$1    uint64_t flags;\n/'
  expect=fail want="struct satori_bus_ops: member 'flags' inserted at byte 8, inside the old size" ;;
constant_change)
  edit "$hdr/dma.h" 's/#define SATORI_PAGE_SIZE 4096u/#define SATORI_PAGE_SIZE 8192u/'
  expect=fail want="SATORI_PAGE_SIZE changed from '4096u' to '8192u'" ;;
errno_change)
  edit "$hdr/errno.h" 's/#define SATORI_EAGAIN          11 /#define SATORI_EAGAIN          35 /'
  expect=fail want="SATORI_EAGAIN changed from '11' to '35'" ;;
fnptr_signature)
  edit "$hdr/bus.h" 's/int32_t \(\*signal\)\(struct satori_channel \*ch\);/int32_t (*signal)(struct satori_channel *ch, uint32_t flags);/'
  expect=fail want="struct satori_bus_ops: member 'signal' changed type from 'int32_t (*)(struct satori_channel*)' to 'int32_t (*)(struct satori_channel*, uint32_t)'" ;;
function_param)
  edit "$hdr/embed.h" 's/satori_shim_load_plugin\(struct satori_shim \*shim, const char \*path\);/satori_shim_load_plugin(struct satori_shim *shim, const char *path, uint32_t flags);/'
  expect=fail want="function satori_shim_load_plugin changed from 'int32_t satori_shim_load_plugin(struct satori_shim*, const char*)' to 'int32_t satori_shim_load_plugin(struct satori_shim*, const char*, uint32_t)'" ;;
function_remove)
  edit "$hdr/embed.h" 's/SATORI_SHIM_API uint32_t satori_shim_vmbus_version\(const struct satori_shim \*shim\);\n//'
  expect=fail want="function satori_shim_vmbus_version is no longer declared in the public headers" ;;
array_shrink)
  edit "$hdr/plugin.h" 's/uint8_t user_defined\[120\];/uint8_t user_defined[112];/'
  expect=fail want="struct satori_device_info: member 'user_defined' changed type from 'uint8_t[120]' to 'uint8_t[112]'" ;;
struct_align)
  edit "$hdr/guid.h" 's/struct satori_guid \{/struct __attribute__((aligned(8))) satori_guid {/'
  expect=fail want="struct satori_guid: alignment changed from 1 to 8 bytes" ;;
typedef_change)
  edit "$hdr/gpadl.h" 's/typedef uint32_t satori_gpadl_t;/typedef uint64_t satori_gpadl_t;/'
  expect=fail want="typedef satori_gpadl_t changed from 'uint32_t' to 'uint64_t'" ;;
append_not_growable)
  # satori_gpa_range travels in arrays: it has no struct_size and must never grow.
  edit "$hdr/channel.h" 's/(struct satori_gpa_range \{.*?    const uint64_t \*pfns;[^\n]*\n)\};/$1    uint64_t flags;\n};/s'
  expect=fail want="struct satori_gpa_range: member 'flags' appended, but struct satori_gpa_range does not start with 'uint32_t struct_size'" ;;
service_removed)
  rm "$hdr/test_service.h"
  edit "$hdr/satori.h" 's/#include <satori\/test_service.h>\n//'
  expect=fail want="struct satori_test_service was removed" ;;
map_missing_symbol)
  edit "$dir/satori.map" 's/(    satori_shim_vmbus_version;\n)/$1    satori_shim_future;\n/'
  expect=fail want="satori.map lists satori_shim_future (SATORI_1.0) but libsatori_shim does not export it" ;;
map_accidental_export)
  edit "$dir/satori.map" 's/    satori_shim_stop;\n//'
  expect=fail want="libsatori_shim exports satori_shim_stop by accident" ;;
stripped_shim)
  objcopy --strip-debug "$shim" "$dir/libsatori_shim.so"
  gate_shim="$dir/libsatori_shim.so"
  expect=error want="has no DWARF debug info (stripped?)" ;;
*) die "unknown case" ;;
esac

set +e
out=$("$satori" abi-check --root "$src" --headers "$dir/include" --map "$dir/satori.map" --shim "$gate_shim" \
  --baseline "$base" --shim-xml "$base/shim.xml" --work "$dir/gate" 2>&1)
rc=$?
set -e
echo "$out"
echo "---"
case "$expect" in
pass) [ $rc -eq 0 ] || die "expected PASS (exit 0), got exit $rc" ;;
fail) [ $rc -eq 1 ] || die "expected FAIL (exit 1), got exit $rc" ;;
error) [ $rc -eq 2 ] || die "expected the gate to refuse to run (exit 2), got exit $rc" ;;
esac
printf '%s\n' "$out" | grep -qF -- "$want" || die "the report does not say: $want"
echo "mutate.sh [$case]: $expect as expected (exit $rc): $want"
