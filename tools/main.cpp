// SPDX-License-Identifier: MIT
// satori — run VMBus plugins against the simulator, inspect plugins, run release checks.
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char **argv)
{
    CLI::App app{"satori — Hyper-V VMBus drivers outside the GPL"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "satori 1.0.0 (ABI 1.0)");
    int rc = 0;
    satori::tool::add_run_command(app, rc);
    satori::tool::add_list_command(app, rc);
    satori::tool::add_info_command(app, rc);
    satori::tool::add_check_plugin_command(app, rc);
    satori::tool::add_abi_check_command(app, rc);
    satori::tool::add_events_command(app, rc);
    CLI11_PARSE(app, argc, argv);
    return rc;
}
