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
    echo "$out" | grep -q '"event":"bound"' || fail "$dir: the heartbeat plugin did not bind"
    answered=$(echo "$out" | grep -c '"event":"heartbeat"' || true)
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
    echo "$contents" | grep -q "usr/share/doc/$p/copyright" || fail "$p has no copyright file"
    case $p in
    satori-shim)
      echo "$contents" | grep -q 'libsatori_shim.so.1' || fail "$p lacks the shim"
      echo "$contents" | grep -q 'bin/satori$' || fail "$p lacks the satori tool"
      echo "$contents" | grep -qE '\.h$|plugins/' && fail "$p must hold only the shim and the tool"
      dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/$p/copyright | grep -q 'GPL-2.0-only' \
        || fail "$p copyright does not say GPL-2.0-only" ;;
    satori-dev)
      echo "$contents" | grep -q 'include/satori/plugin.h' || fail "$p lacks headers"
      echo "$contents" | grep -q 'cmake/Satori/SatoriConfig.cmake' || fail "$p lacks the CMake package"
      echo "$contents" | grep -q 'pkgconfig/satori.pc' || fail "$p lacks satori.pc"
      dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/$p/copyright | grep -q 'Linux-syscall-note' \
        || fail "$p copyright does not name the header license" ;;
    satori-plugins)
      echo "$contents" | grep -q 'plugins/heartbeat.so' || fail "$p lacks heartbeat.so"
      echo "$contents" | grep -q 'libsatori_shim' && fail "$p must not hold the shim"
      dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/$p/copyright | grep -q 'License: MIT' \
        || fail "$p copyright does not say MIT" ;;
    esac
    echo "$p: $(basename "$deb") OK ($(echo "$contents" | wc -l) entries)"
  done
  ;;
*) fail "unknown step" ;;
esac
