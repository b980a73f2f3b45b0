// SPDX-License-Identifier: MIT
// satori list --sim — the devices the simulated host offers: class, instance, name.
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "sim_setup.hpp"

namespace satori::tool {

namespace {

int run_list(bool sim, bool json)
{
    if (!sim)
        return fail("list needs a host: use --sim (the only back end in this release)");
    Output out(json);
    SimOptions opt;
    SimSetup setup;
    std::string error;
    if (!make_sim_host(opt, out, setup, error))
        return fail(error);
    auto &host = setup.host;
    nlohmann::json devices = nlohmann::json::array();
    std::string text = "CLASS                                 INSTANCE                              NAME";
    for (const auto &o : host->offers()) {
        satori_guid c = o.class_id.to_c();
        std::string kind = class_name(c);
        text += "\n" + o.class_id.to_string() + "  " + o.instance_id.to_string() + "  " + o.name +
                (kind.empty() ? "" : " (" + kind + ")");
        devices.push_back({{"class", o.class_id.to_string()},
                           {"class_name", kind},
                           {"instance", o.instance_id.to_string()},
                           {"name", o.name},
                           {"sub_channel_index", o.sub_channel_index}});
    }
    out.result(text, {{"devices", devices}});
    return 0;
}

} // namespace

void add_list_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand("list", "List the devices a host offers");
    auto sim = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--sim", *sim, "Use the built-in simulated Hyper-V host");
    cmd->add_flag("--json", *json, "Print one JSON object");
    cmd->callback([sim, json, &rc] { rc = run_list(*sim, *json); });
}

} // namespace satori::tool
