#!/usr/bin/bash
# SPDX-License-Identifier: MIT
# tests/vm/guest/test-input.sh — the HID service's uhid back end under a real kernel: the
# kernel builds input devices from the host's report descriptors (hid-generic), and a scripted
# mouse path and typed keys must arrive on /dev/input/eventN exactly (read with evtest).
# NOT RUN while satori has no --mouse, or no way to play scripted input (--input-script; the
# script commands are those of sim/include/satori/sim/inputvsp.hpp, InputScript).
# vm-modules: uhid hid-generic evdev
# vm-tools: evtest
source /vm/lib.sh

vm_satori_has --mouse || vm_notrun "satori has no --mouse yet"
vm_satori_has --input-script || vm_notrun "satori has --mouse but no --input-script to play scripted input"

SATORI_LOG=/tmp/satori-input.log
input_cleanup() {
  trap - ERR
  set +e
  vm_satori_kill
  kill $(jobs -p) 2>/dev/null
}
trap input_cleanup EXIT

vm_load_modules
vm_wait_for 10 "/dev/uhid" test -c /dev/uhid

# The kernel reports each wheel detent twice: REL_WHEEL and REL_WHEEL_HI_RES (120 per detent).
# wait: until the guest side of both devices is ready; the sleep lets evtest open the
# kernel's new event devices before the first report (TCG is slow, hence 8 s).
cat >/tmp/input.script <<'SCRIPT'
wait
sleep 8000
move 1000 2000
move 16384 16384
press left
release left
move 32767 0
wheel 1
wheel -1
type aB1
SCRIPT
expect_mouse="ABS_X 1000
ABS_Y 2000
ABS_X 16384
ABS_Y 16384
BTN_LEFT 1
BTN_LEFT 0
ABS_X 32767
ABS_Y 0
REL_WHEEL 1
REL_WHEEL_HI_RES 120
REL_WHEEL -1
REL_WHEEL_HI_RES -120"
expect_keys="KEY_A 1
KEY_A 0
KEY_LEFTSHIFT 1
KEY_B 1
KEY_B 0
KEY_LEFTSHIFT 0
KEY_1 1
KEY_1 0"

ls /sys/class/input | grep '^event' >/tmp/events-before || true
vm_step "satori run --sim --mouse --keyboard --uhid /dev/uhid --input-script"
mkdir -p /run/satori
vm_satori_start "$SATORI_LOG" --heartbeat-interval 1000 --mouse --keyboard --uhid /dev/uhid \
  --events-socket /run/satori/events.sock --input-script /tmp/input.script

# new_event_devices — event devices the kernel created after satori started
new_event_devices() { ls /sys/class/input | grep '^event' | grep -vxF -f /tmp/events-before || true; }
two_new_devices() { [ "$(new_event_devices | wc -l)" -ge 2 ]; }
vm_wait_for 30 "two new input devices" two_new_devices
mouse="" kbd=""
for e in $(new_event_devices); do
  caps="/sys/class/input/$e/device/capabilities"
  echo "$e: $(cat "/sys/class/input/$e/device/name") (ev $(cat "$caps/ev"), abs $(cat "$caps/abs"))"
  if [ "$(cat "$caps/abs")" != 0 ]; then
    mouse="$e"
  elif (($(printf '%d' "0x$(cat "$caps/ev")") & (1 << 0x11))); then # EV_LED: a keyboard
    kbd="$e"
  fi
done
[ -n "$mouse" ] || vm_fail "no new input device with absolute axes (the mouse)"
[ -n "$kbd" ] || vm_fail "no new keyboard input device"
evtest "/dev/input/$mouse" >/tmp/evtest-mouse.log 2>&1 &
evtest "/dev/input/$kbd" >/tmp/evtest-kbd.log 2>&1 &

# events LOG — "CODE VALUE" per event (EV_ABS, EV_REL, EV_KEY; key auto-repeats dropped)
events() {
  sed -n 's/.*type [0-9]* (EV_\(ABS\|REL\|KEY\)), code [0-9]* (\([A-Z0-9_]*\)), value \(-\{0,1\}[0-9]*\).*/\2 \3/p' "$1" |
    grep -v '^KEY_[A-Z0-9_]* 2$' || true
}
vm_step "waiting for the scripted input"
vm_wait_for 60 "the last key release" bash -c "grep -q '(KEY_1), value 0' /tmp/evtest-kbd.log"
sleep 0.5
got_mouse="$(events /tmp/evtest-mouse.log)"
got_keys="$(events /tmp/evtest-kbd.log)"
echo "mouse events:" $got_mouse
echo "key events:" $got_keys
[ "$got_mouse" = "$expect_mouse" ] || vm_fail "mouse events differ from the script (expected: $(echo $expect_mouse))"
[ "$got_keys" = "$expect_keys" ] || vm_fail "key events differ from the script (expected: $(echo $expect_keys))"

vm_step "stop"
vm_satori_stop "$SATORI_LOG"
vm_step "done"
