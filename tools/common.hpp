// SPDX-License-Identifier: MIT
// tools/common.hpp — helpers shared by the satori subcommands.
#pragma once

#include <cstdint>
#include <string>

#include <satori/guid.h>

namespace satori::tool {

/// Lower-case canonical text of a wire-order GUID.
std::string guid_text(const satori_guid &g);
/// A short name for well-known device classes ("heartbeat", "scsi", ...), else "".
std::string class_name(const satori_guid &g);
/// "major.minor" of a packed version (ABI: 16/16 bits; VMBus: same packing).
std::string version_text(uint32_t v);
/// Where plugins are when --plugins is not given: $SATORI_PLUGIN_DIR, else
/// <dir of this executable>/../lib/satori/plugins (the build tree and the install tree agree).
std::string default_plugin_dir();
/// Prints "satori: error: <msg>" to stderr and returns the exit code to use (1).
int fail(const std::string &msg);

/// Set by SIGINT/SIGTERM; subcommands poll it.
bool stop_requested();
void install_stop_handlers();
/// Sleeps up to @p ms, returns early when a stop was requested.
void sleep_unless_stopped(uint32_t ms);

} // namespace satori::tool
