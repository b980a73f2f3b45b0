// SPDX-License-Identifier: MIT
// satori info PLUGIN.so — what a plugin is: name, version, ABI version, device classes.
#include <cstdio>
#include <string>

#include <satori/embed.h>

#include "commands.hpp"
#include "common.hpp"
#include "output.hpp"

namespace satori::tool {

namespace {

int run_info(const std::string &path, bool json)
{
    satori_shim_plugin_info info{};
    info.struct_size = sizeof(info);
    char err[768] = "";
    int32_t r = satori_shim_inspect_plugin(path.c_str(), &info, err, sizeof(err));
    if (r < 0)
        return fail(err[0] ? std::string(err) : path + ": " + satori_shim_strerror(r));

    nlohmann::json classes = nlohmann::json::array();
    std::string text = std::string("plugin:      ") + info.name + "\n" +
                       "version:     " + info.version + "\n" +
                       "abi version: " + version_text(info.abi_version) +
                       " (this shim: " + version_text(satori_shim_abi_version()) + ")\n";
    if (info.description[0])
        text += std::string("description: ") + info.description + "\n";
    text += "classes:";
    for (uint32_t i = 0; i < info.class_count && i < 16; i++) {
        std::string g = guid_text(info.classes[i]), n = class_name(info.classes[i]);
        text += "\n  " + g + (n.empty() ? "" : "  (" + n + ")");
        classes.push_back({{"guid", g}, {"name", n}});
    }
    Output out(json);
    out.result(text, {{"path", path},
                      {"name", info.name},
                      {"version", info.version},
                      {"abi_version", version_text(info.abi_version)},
                      {"description", info.description},
                      {"classes", classes}});
    return 0;
}

} // namespace

void add_info_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand("info", "Describe a plugin: name, version, ABI, device classes");
    auto path = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("plugin", *path, "Plugin shared object (.so)")->required();
    cmd->add_flag("--json", *json, "Print one JSON object");
    cmd->callback([path, json, &rc] { rc = run_info(*path, *json); });
}

} // namespace satori::tool
