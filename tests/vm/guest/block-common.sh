# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/vm/guest/block-common.sh — the block test body, shared by test-block.sh (raw image)
# and test-block-vhdx.sh: satori's NBD export attached with the kernel's own NBD client, ext4
# on top, a tree of files with checksums, fstrim (must reach storvsp as UNMAP), e2fsck -fn,
# then a fresh satori and a fresh attach, and the checksums again.

NBD_SOCK=/run/satori/nbd.sock
NBD_DEV=/dev/nbd0
MNT=/mnt/disk
SATORI_LOG=/tmp/satori-block.log
MANIFEST=/tmp/block-manifest

block_cleanup() {
  trap - ERR
  set +e
  grep -q " $MNT " /proc/mounts && umount "$MNT"
  [ -e /sys/block/nbd0/pid ] && nbd-client -d "$NBD_DEV" >/dev/null 2>&1
  vm_satori_kill
}

# block_start IMAGE — starts satori with IMAGE; sets EXPORT_NAME and EXPORT_BYTES.
block_start() {
  mkdir -p /run/satori
  rm -f "$NBD_SOCK"
  vm_satori_start "$SATORI_LOG" --heartbeat-interval 1000 --disk "$1" --nbd-socket "$NBD_SOCK"
  vm_wait_for 60 "satori to export the disk" grep -q '"event":"export_added"' "$SATORI_LOG"
  local line
  line="$(grep -m1 '"event":"export_added"' "$SATORI_LOG")"
  EXPORT_NAME="$(sed -n 's|.*"detail":"nbd+unix:///\([^?"]*\)?socket=.*|\1|p' <<<"$line")"
  EXPORT_BYTES="$(sed -n 's/.*exports disk [^ ]* (\([0-9]*\) bytes.*/\1/p' <<<"$line")"
  [ -n "$EXPORT_NAME" ] && [ -n "$EXPORT_BYTES" ] || vm_fail "cannot parse the export line: $line"
  echo "satori exports '$EXPORT_NAME', $EXPORT_BYTES bytes"
}

# block_attach — the kernel's NBD client on the export; checks the size the kernel sees.
block_attach() {
  nbd-client -N "$EXPORT_NAME" -u "$NBD_SOCK" "$NBD_DEV" || vm_fail "nbd-client could not attach $EXPORT_NAME"
  vm_wait_for 10 "$NBD_DEV to get its size" test "$(cat /sys/block/nbd0/size)" -gt 0
  local bytes=$(($(cat /sys/block/nbd0/size) * 512))
  [ "$bytes" = "$EXPORT_BYTES" ] || vm_fail "$NBD_DEV has $bytes bytes, the export $EXPORT_BYTES"
  echo "$NBD_DEV attached: $bytes bytes, discard max $(cat /sys/block/nbd0/queue/discard_max_bytes) bytes"
}

# block_stop — detaches, stops satori (must exit 0); prints and keeps its final statistics.
block_stop() {
  nbd-client -d "$NBD_DEV" >/dev/null || vm_fail "nbd-client -d failed"
  vm_wait_for 10 "$NBD_DEV to detach" test "$(cat /sys/block/nbd0/size)" = 0
  vm_satori_stop "$SATORI_LOG"
  STOPPED_LINE="$(grep '"event":"stopped"' "$SATORI_LOG" | tail -n1)"
  [ -n "$STOPPED_LINE" ] || vm_fail "satori printed no final statistics"
  echo "satori: $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' <<<"$STOPPED_LINE")"
}

# allocated_bytes FILE — bytes the image file really occupies (holes excluded).
allocated_bytes() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }

# write_tree DIR — files of awkward sizes in nested directories, random contents (~11 MiB).
write_tree() {
  local sizes=(0 1 511 512 513 4095 4096 4097 65535 65536 131073 262145)
  local d i n=0
  for d in a a/b a/b/c d e/f/g/h; do
    mkdir -p "$1/$d"
    for i in "${!sizes[@]}"; do
      head -c "${sizes[$i]}" /dev/urandom >"$1/$d/f$i.bin"
      n=$((n + 1))
    done
  done
  head -c 3145728 /dev/urandom >"$1/big1.bin"
  head -c 5000001 /dev/urandom >"$1/a/b/big2.bin"
  ln -s a/b/c/f3.bin "$1/link"
  echo "$((n + 2)) files, $(du -sk "$1" | cut -f1) KiB"
}

# verify_manifest — every file's checksum, read from the device (page cache dropped).
verify_manifest() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
  (cd "$MNT" && sha256sum -c --quiet "$MANIFEST") || vm_fail "checksums differ $1"
  local want have
  want="$(wc -l <"$MANIFEST")"
  have="$(cd "$MNT" && find tree -type f | wc -l)"
  [ "$want" = "$have" ] || vm_fail "$have files on the disk $1, $want expected"
  [ "$(readlink "$MNT/tree/link")" = a/b/c/f3.bin ] || vm_fail "the symlink is wrong $1"
  echo "$want checksums verified $1"
}

# inject_corruption IMAGE — (scripts/vm-test --inject corrupt) overwrites the first 16 bytes
# of big1.bin in the image while nothing is attached: the checksums must catch it.
inject_corruption() {
  local blk bsize
  blk="$(debugfs -R "bmap /tree/big1.bin 0" "$1" 2>/dev/null | tail -n1)"
  bsize="$(debugfs -R stats "$1" 2>/dev/null | sed -n 's/^Block size:[[:space:]]*//p')"
  [[ "$blk" =~ ^[0-9]+$ ]] && [[ "$bsize" =~ ^[0-9]+$ ]] ||
    vm_fail "injection: debugfs found no block for big1.bin"
  echo "injected fault: 16 random bytes at block $blk ($bsize-byte blocks) of the image"
  head -c 16 /dev/urandom | dd of="$1" bs=1 seek=$((blk * bsize)) conv=notrunc status=none
}

# block_test IMAGE FORMAT — the whole scenario; FORMAT raw measures the holes fstrim punched.
block_test() {
  local img="$1" format="$2"
  trap block_cleanup EXIT
  vm_load_modules
  mkdir -p "$MNT"

  vm_step "satori run --sim --disk $img ($format)"
  block_start "$img"
  block_attach

  if [ "$VM_INJECT" = hang ]; then
    echo "injected fault: the test hangs here"
    sleep 100000
  elif [ "$VM_INJECT" = crash ]; then
    echo "injected fault: kernel crash"
    echo c >/proc/sysrq-trigger
  fi
  vm_step "mkfs.ext4"
  # nodiscard: every UNMAP the plugin sees afterwards comes from fstrim below.
  mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$NBD_DEV" ||
    vm_fail "mkfs.ext4 failed"
  mount -t ext4 "$NBD_DEV" "$MNT" || vm_fail "mount failed"

  vm_step "write a tree of files"
  write_tree "$MNT/tree"
  (cd "$MNT" && find tree -type f | sort | xargs sha256sum) >"$MANIFEST"
  verify_manifest "after writing"

  if [ "$format" != raw ] && [ "$(cat /sys/block/nbd0/queue/discard_max_bytes)" = 0 ]; then
    echo "the $format export offers no discard: fstrim and the UNMAP check are skipped"
    TRIM_CHECKED=0
  else
    TRIM_CHECKED=1
    block_trim "$img" "$format"
  fi

  vm_step "umount, e2fsck -fn"
  umount "$MNT" || vm_fail "umount failed"
  e2fsck -fn "$NBD_DEV" || vm_fail "e2fsck -fn found problems"
  block_stop
  if [ "$TRIM_CHECKED" = 1 ]; then
    local unmapped
    unmapped="$(vm_json_field "$STOPPED_LINE" unmapped_blocks)"
    [ "${unmapped:-0}" -gt 0 ] || vm_fail "storvsp saw no UNMAP (unmapped_blocks=${unmapped:-?})"
    echo "storvsp unmapped $unmapped blocks ($((unmapped * 512)) bytes)"
    [ $((unmapped * 512)) -ge $((8 << 20)) ] || vm_fail "storvsp unmapped only $((unmapped * 512)) bytes"
  fi

  if [ "$VM_INJECT" = corrupt ] && [ "$format" = raw ]; then inject_corruption "$img"; fi

  vm_step "a new satori, re-attach, verify"
  block_start "$img"
  block_attach
  e2fsck -fn "$NBD_DEV" || vm_fail "e2fsck -fn found problems after re-attaching"
  mount -t ext4 -o ro "$NBD_DEV" "$MNT" || vm_fail "mount after re-attaching failed"
  verify_manifest "after re-attaching"
  umount "$MNT" || vm_fail "umount failed"
  block_stop
  vm_step "done"
}

# block_trim IMAGE FORMAT — frees 16 MiB and trims; FORMAT raw also checks the image's holes.
block_trim() {
  local img="$1" format="$2"
  vm_step "fstrim"
  head -c $((16 << 20)) /dev/urandom >"$MNT/scratch"
  sync
  local before after trimmed
  before="$(allocated_bytes "$img")"
  rm "$MNT/scratch"
  sync
  local out
  out="$(fstrim -v "$MNT")" || vm_fail "fstrim failed"
  echo "$out"
  trimmed="$(sed -n 's/.*(\([0-9]*\) bytes) trimmed.*/\1/p' <<<"$out")"
  after="$(allocated_bytes "$img")"
  echo "fstrim: $trimmed bytes trimmed; image allocation $before -> $after bytes"
  [ "${trimmed:-0}" -ge $((8 << 20)) ] || vm_fail "fstrim trimmed ${trimmed:-0} bytes, expected >= 8 MiB"
  if [ "$format" = raw ] && [ $((before - after)) -lt $((8 << 20)) ]; then
    vm_fail "fstrim freed only $((before - after)) bytes of the raw image (UNMAP punches no holes?)"
  fi
  if [ "$after" -gt "$before" ]; then # a thin image should never grow from a discard
    echo "WARNING: fstrim made the $format image grow from $before to $after bytes"
  fi
}
