#!/usr/bin/bash
# SPDX-License-Identifier: MIT
# tests/vm/guest/test-block-vhdx.sh — the block scenario on a dynamic VHDX image that
# scripts/vm-test made with qemu-img (64 MiB virtual, a few MiB on disk). NOT RUN while satori
# serves a .vhdx file as raw bytes (before the disk-image work lands) or without qemu-img.
# vm-modules: nbd ext4
# vm-tools: nbd-client mkfs.ext4 e2fsck debugfs fstrim sha256sum dd
source /vm/lib.sh
source /vm/block-common.sh

src=/vm/images/disk.vhdx
[ -f "$src" ] || vm_notrun "no VHDX image: the host has no qemu-img (package qemu-utils)"
img=/tmp/disk.vhdx
cp "$src" "$img"
virtual=$((64 << 20))

# Does this satori read VHDX at all? Without support the file is exported as raw bytes.
block_start "$img"
vm_satori_stop "$SATORI_LOG"
if [ "$EXPORT_BYTES" = "$(stat -c %s "$img")" ] && [ "$EXPORT_BYTES" != "$virtual" ]; then
  vm_notrun "satori exports disk.vhdx as $EXPORT_BYTES raw bytes: no VHDX support in this build"
fi
[ "$EXPORT_BYTES" = "$virtual" ] || vm_fail "disk.vhdx exported as $EXPORT_BYTES bytes, virtual size is $virtual"
block_test "$img" vhdx
