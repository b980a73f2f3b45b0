#!/usr/bin/bash
# SPDX-License-Identifier: MIT
# tests/vm/guest/test-block.sh — ext4 on the kernel's NBD client over satori's export of a raw
# image (see block-common.sh for the scenario).
# vm-modules: nbd ext4
# vm-tools: nbd-client mkfs.ext4 e2fsck debugfs fstrim sha256sum dd
source /vm/lib.sh
source /vm/block-common.sh

img=/tmp/disk.img
truncate -s 64M "$img"
block_test "$img" raw
