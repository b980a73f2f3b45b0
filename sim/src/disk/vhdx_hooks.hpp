// SPDX-License-Identifier: MIT
// Test seam of the VHDX backend: called at the points where a crash matters most, so a
// test can end the process there (fork, then _exit in the hook) and check the image.
#pragma once

namespace satori::sim::disk::vhdx {

/// Points: "log-written" (a BAT update is durable in the log, not yet in place) and
/// "bat-written" (in place too, not yet synced). Null (the default) does nothing.
extern void (*test_crash_hook)(const char *point);

} // namespace satori::sim::disk::vhdx
