// SPDX-License-Identifier: MIT
// tools/commands.hpp — the satori subcommands.
#pragma once

#include <CLI/CLI.hpp>

namespace satori::tool {

/// Each adds its subcommand to @p app; the callback stores the exit code in @p rc.
void add_run_command(CLI::App &app, int &rc);
void add_list_command(CLI::App &app, int &rc);
void add_info_command(CLI::App &app, int &rc);
void add_check_plugin_command(CLI::App &app, int &rc);
void add_abi_check_command(CLI::App &app, int &rc);
void add_events_command(CLI::App &app, int &rc);

} // namespace satori::tool
