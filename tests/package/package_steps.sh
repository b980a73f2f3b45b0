#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packaging tests as a user of the installed SDK would run them. Usage:
#   package_steps.sh STEP BUILD_DIR SOURCE_DIR WORK_DIR
# Steps (ctest chains them with fixtures):
#   install      cmake --install into WORK_DIR/prefix
#   cmake-sample configure + build samples/heartbeat with find_package(Satori) only
#   pkgconfig    build the same sample with pkg-config and one compiler line
#   run-sample   load both builds with the installed satori tool; heartbeats must be answered
#   deb          cpack the Debian packages and check their contents and licenses
set -euo pipefail
step="$1" build="$2" src="$3" work="$4"
prefix="$work/prefix"
fail() { echo "package test ($step): $*" >&2; exit 1; }

case "$step" in
install)
  rm -rf "$work" && mkdir -p "$work"
  cmake --install "$build" --prefix "$prefix" >/dev/null
  for f in lib/libsatori_shim.so.1 include/satori/plugin.h include/satori/sdk/plugin.hpp \
           lib/cmake/Satori/SatoriConfig.cmake lib/cmake/Satori/SatoriConfigVersion.cmake \
           lib/pkgconfig/satori.pc bin/satori lib/satori/plugins/heartbeat.so; do
    [ -e "$prefix/$f" ] || fail "missing $f in the install tree"
  done
  soname=$(readelf -d "$prefix/lib/libsatori_shim.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
  [ "$soname" = "libsatori_shim.so.1" ] || fail "SONAME is '$soname', expected libsatori_shim.so.1"
  echo "installed to $prefix (SONAME $soname)"
  ;;
cmake-sample)
  rm -rf "$work/sample-build"
  cmake -S "$src/samples/heartbeat" -B "$work/sample-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/sample-build" >/dev/null
  so=$(find "$work/sample-build" -name heartbeat.so | head -1)
  [ -n "$so" ] || fail "the sample did not produce heartbeat.so"
  mkdir -p "$work/plugins-cmake" && cp "$so" "$work/plugins-cmake/"
  "$src/tests/gpl_line/check_plugin_symbols.sh" "$work/plugins-cmake/heartbeat.so"
  ;;
pkgconfig)
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  mkdir -p "$work/plugins-pc"
  # shellcheck disable=SC2046
  c++ -std=c++20 -O2 -fPIC -shared -fvisibility=hidden -fvisibility-inlines-hidden \
    $(pkg-config --cflags satori) "$src/samples/heartbeat/heartbeat.cpp" \
    -Wl,--version-script="$(pkg-config --variable=plugin_map satori)" -Wl,-z,defs \
    -o "$work/plugins-pc/heartbeat.so"
  "$src/tests/gpl_line/check_plugin_symbols.sh" "$work/plugins-pc/heartbeat.so"
  ;;
run-sample)
  for dir in plugins-cmake plugins-pc; do
    out=$("$prefix/bin/satori" run --sim --json --duration 1 --heartbeat-interval 100 \
      --plugins "$work/$dir")
    grep -q '"event":"bound"' <<<"$out" || fail "$dir: the heartbeat plugin did not bind"
    answered=$(grep -c '"event":"heartbeat"' <<<"$out" || true)
    [ "$answered" -ge 3 ] || fail "$dir: only $answered heartbeats answered"
    echo "$dir: bound, $answered heartbeats answered by the installed satori"
  done
  ;;
deb)
  rm -rf "$build/packages"
  (cd "$build" && cpack -G DEB >/dev/null)
  for p in satori-shim satori-dev satori-plugins; do
    deb=$(ls "$build"/packages/${p}_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || fail "no $p package"
    dpkg-deb -I "$deb" >/dev/null
    contents=$(dpkg-deb -c "$deb")
    # read whole files first: `tar | grep -q` would fail under pipefail when grep exits early
    copyright=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/$p/copyright)
    grep -q "usr/share/doc/$p/copyright" <<<"$contents" || fail "$p has no copyright file"
    case $p in
    satori-shim)
      grep -q 'libsatori_shim.so.1' <<<"$contents" || fail "$p lacks the shim"
      grep -q 'bin/satori$' <<<"$contents" || fail "$p lacks the satori tool"
      grep -qE '\.h$|plugins/' <<<"$contents" && fail "$p must hold only the shim and the tool"
      grep -q 'GPL-2.0-only' <<<"$copyright" || fail "$p copyright does not say GPL-2.0-only" ;;
    satori-dev)
      grep -q 'include/satori/plugin.h' <<<"$contents" || fail "$p lacks headers"
      grep -q 'cmake/Satori/SatoriConfig.cmake' <<<"$contents" || fail "$p lacks the CMake package"
      grep -q 'pkgconfig/satori.pc' <<<"$contents" || fail "$p lacks satori.pc"
      grep -q 'Linux-syscall-note' <<<"$copyright" || fail "$p copyright does not name the header license" ;;
    satori-plugins)
      grep -q 'plugins/heartbeat.so' <<<"$contents" || fail "$p lacks heartbeat.so"
      grep -q 'libsatori_shim' <<<"$contents" && fail "$p must not hold the shim"
      grep -q 'License: MIT' <<<"$copyright" || fail "$p copyright does not say MIT" ;;
    esac
    echo "$p: $(basename "$deb") OK ($(echo "$contents" | wc -l) entries)"
  done
  ;;
*) fail "unknown step" ;;
esac
