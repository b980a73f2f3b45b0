// SPDX-License-Identifier: MIT
// satori run --sim — load plugins, attach them to the simulated host, show what happens,
// stop cleanly on Ctrl-C / SIGTERM (or after --duration).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstddef>
#include <filesystem>
#include <string>

#include <satori/embed.h>

#include "commands.hpp"
#include "common.hpp"
#include "input_run.hpp"
#include "sim_setup.hpp"

namespace satori::tool {

namespace {

struct RunOptions {
    bool sim = false;
    std::string connect; ///< --connect PATH: a host in another process (satori-sim --listen)
    std::string plugins;
    std::string max_vmbus_version;
    std::string host_max_version;
    uint32_t heartbeat_interval_ms = 1000;
    double duration_s = 0;
    bool json = false;
    int verbose = 0;
    std::vector<std::string> disks;
    std::vector<std::string> nics;
    std::string nbd_socket;
    std::string nbd_tcp;
    InputOptions input;
};

const char *event_name(uint32_t kind)
{
    switch (kind) {
    case SATORI_SHIM_EV_PLUGIN_LOADED: return "plugin_loaded";
    case SATORI_SHIM_EV_PLUGIN_REJECTED: return "plugin_rejected";
    case SATORI_SHIM_EV_CONNECTED: return "connected";
    case SATORI_SHIM_EV_OFFER: return "offer";
    case SATORI_SHIM_EV_BOUND: return "bound";
    case SATORI_SHIM_EV_PROBE_FAILED: return "probe_failed";
    case SATORI_SHIM_EV_NO_DRIVER: return "no_driver";
    case SATORI_SHIM_EV_RESCINDED: return "rescinded";
    case SATORI_SHIM_EV_REMOVED: return "removed";
    case SATORI_SHIM_EV_CHANNEL_ERROR: return "channel_error";
    case SATORI_SHIM_EV_DISCONNECTED: return "disconnected";
    case SATORI_SHIM_EV_EXPORT_ADDED: return "export_added";
    case SATORI_SHIM_EV_EXPORT_REMOVED: return "export_removed";
    default: return "event";
    }
}

const char *state_name(uint32_t state)
{
    switch (state) {
    case SATORI_SHIM_DEV_OFFERED: return "unbound";
    case SATORI_SHIM_DEV_BOUND: return "bound";
    case SATORI_SHIM_DEV_FAILED: return "failed";
    case SATORI_SHIM_DEV_RESCINDED: return "rescinded";
    default: return "?";
    }
}

bool parse_version(const std::string &s, uint32_t &out)
{
    unsigned major = 0, minor = 0;
    char extra;
    if (std::sscanf(s.c_str(), "%u.%u%c", &major, &minor, &extra) != 2 || major > 0xffff ||
        minor > 0xffff)
        return false;
    out = (major << 16) | minor;
    return true;
}

void on_shim_log(void *, uint32_t level, const char *line)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    std::fprintf(stderr, "satori: %s: %s\n", names[level < 4 ? level : 3], line);
}

/// Set when the back end lost the host (SATORI_SHIM_DISCONNECT_HOST_LOST); the main loop recovers.
std::atomic<bool> g_host_lost{false};

void on_shim_event(void *cookie, const satori_shim_event *ev)
{
    if (ev->kind == SATORI_SHIM_EV_DISCONNECTED && ev->value == SATORI_SHIM_DISCONNECT_HOST_LOST)
        g_host_lost = true;
    auto *out = static_cast<Output *>(cookie);
    nlohmann::json obj = {{"status", ev->status}, {"value", ev->value}};
    if (ev->plugin)
        obj["plugin"] = ev->plugin;
    if (ev->struct_size >= offsetof(satori_shim_event, detail) + sizeof(ev->detail) && ev->detail)
        obj["detail"] = ev->detail;
    bool about_device = ev->kind >= SATORI_SHIM_EV_OFFER && ev->kind <= SATORI_SHIM_EV_CHANNEL_ERROR;
    if (about_device) {
        obj["class"] = guid_text(ev->class_id);
        obj["instance"] = guid_text(ev->instance_id);
        obj["class_name"] = class_name(ev->class_id);
    }
    out->event(event_name(ev->kind), ev->message, obj);
}

void print_devices(satori_shim *shim, Output &out)
{
    struct Ctx {
        std::string text;
        nlohmann::json list = nlohmann::json::array();
    } ctx;
    satori_shim_list_devices(
        shim,
        [](void *c, const satori_shim_device *d) {
            auto &x = *static_cast<Ctx *>(c);
            std::string kind = class_name(d->class_id);
            x.text += "\n  relid " + std::to_string(d->relid) + "  " + guid_text(d->instance_id) +
                      "  " + (kind.empty() ? guid_text(d->class_id) : kind) + "  " +
                      state_name(d->state) + (d->plugin ? std::string(" by ") + d->plugin : "");
            x.list.push_back({{"relid", d->relid},
                              {"instance", guid_text(d->instance_id)},
                              {"class", guid_text(d->class_id)},
                              {"class_name", kind},
                              {"state", state_name(d->state)},
                              {"plugin", d->plugin ? d->plugin : ""}});
        },
        &ctx);
    out.event("devices", "devices:" + ctx.text, {{"devices", ctx.list}});
}

/// Host lost: stop the devices (their clients get errors), then start again until the host
/// is back; it re-offers its devices and the plugins probe them again.
void reconnect(satori_shim *shim, Output &out, const std::string &path)
{
    out.event("host_lost", "host lost: devices removed, reconnecting to " + path, {{"path", path}});
    satori_shim_stop(shim);
    for (uint32_t attempt = 1; !stop_requested(); attempt++) {
        g_host_lost = false;
        if (satori_shim_start(shim) == 0) {
            out.event("reconnected", "reconnected to " + path + " (attempt " +
                                         std::to_string(attempt) + ")",
                      {{"path", path}, {"attempts", attempt}});
            print_devices(shim, out);
            return;
        }
        sleep_unless_stopped(attempt < 10 ? 100u * attempt : 1000u);
    }
}

/// Runs until Ctrl-C (or @p duration_s), recovering from a lost host (--connect only).
void wait_running(satori_shim *shim, Output &out, double duration_s, const std::string &path)
{
    auto end = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<int64_t>(duration_s * 1000));
    while (!stop_requested() && (duration_s <= 0 || std::chrono::steady_clock::now() < end)) {
        if (g_host_lost && !path.empty())
            reconnect(shim, out, path);
        sleep_unless_stopped(100);
    }
}

int run_run(const RunOptions &o)
{
    if (!o.sim && o.connect.empty())
        return fail("run needs a host: use --sim (built in) or --connect PATH (satori-sim --listen PATH)");
    if (o.sim && !o.connect.empty())
        return fail("--sim and --connect exclude each other");
    if (!o.connect.empty() && (!o.disks.empty() || !o.nics.empty()))
        return fail("--disk and --nic configure the host: give them to satori-sim, not to satori run --connect");
    uint32_t max_vmbus = 0, host_max = 0;
    if (!o.max_vmbus_version.empty() && !parse_version(o.max_vmbus_version, max_vmbus))
        return fail("--max-vmbus-version must look like 5.3, not '" + o.max_vmbus_version + "'");
    if (!o.host_max_version.empty() && !parse_version(o.host_max_version, host_max))
        return fail("--host-max-version must look like 4.0, not '" + o.host_max_version + "'");
    std::string dir = o.plugins.empty() ? default_plugin_dir() : o.plugins;
    if (!std::filesystem::is_directory(dir))
        return fail("plugin directory " + dir + " does not exist (use --plugins DIR)");

    SimOptions so;
    so.host_max_version = host_max;
    so.heartbeat_interval_ms = o.heartbeat_interval_ms;
    so.heartbeat = o.connect.empty(); // with --connect the host is another process
    so.verbose = o.verbose > 0;
    for (const auto &text : o.disks) {
        DiskSpec d;
        std::string error;
        if (!parse_disk_spec(text, d, error))
            return fail(error);
        so.disks.push_back(d);
    }
    for (const auto &text : o.nics) {
        NicSpec n;
        std::string error;
        if (!parse_nic_spec(text, n, error))
            return fail(error);
        so.nics.push_back(n);
    }

    Output out(o.json);
    install_stop_handlers();
    SimSetup setup;
    if (std::string error; !make_sim_host(so, out, setup, error))
        return fail(error);
    auto &host = setup.host;
    InputRun input_run;
    if (std::string error; !input_run.setup(o.input, *host, out, error))
        return fail(error);

    satori_shim_config cfg{};
    cfg.struct_size = sizeof(cfg);
    cfg.log_level = o.verbose >= 2 ? SATORI_LOG_DEBUG : o.verbose ? SATORI_LOG_INFO : SATORI_LOG_WARN;
    cfg.log = on_shim_log;
    cfg.on_event = on_shim_event;
    cfg.cookie = &out;
    cfg.max_vmbus_version = max_vmbus;
    satori_shim *shim = nullptr;
    if (int32_t r = satori_shim_create(&cfg, &shim); r < 0)
        return fail(std::string("cannot create the shim: ") + satori_shim_strerror(r));

    if (!o.nbd_socket.empty() && satori_shim_set_option(shim, "blk.nbd_socket", o.nbd_socket.c_str()) < 0) {
        satori_shim_destroy(shim);
        return fail("--nbd-socket " + o.nbd_socket + ": not a usable socket path");
    }
    if (!o.nbd_tcp.empty() && satori_shim_set_option(shim, "blk.nbd_tcp", o.nbd_tcp.c_str()) < 0) {
        satori_shim_destroy(shim);
        return fail("--nbd-tcp " + o.nbd_tcp + ": expected 127.0.0.1:PORT");
    }
    for (size_t i = 0; i < setup.netvsps.size(); ++i) {
        const auto &mac = setup.netvsps[i]->config().mac;
        char text[64];
        std::snprintf(text, sizeof(text), "%s=%02x:%02x:%02x:%02x:%02x:%02x", so.nics[i].tap.c_str(),
                      mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        if (satori_shim_set_option(shim, "net.tap", text) < 0) {
            satori_shim_destroy(shim);
            return fail(std::string("--nic ") + text + ": the shim refused the interface name");
        }
    }
    if (std::string error; !input_run.configure_shim(shim, error)) {
        satori_shim_destroy(shim);
        return fail(error);
    }
    uint32_t loaded = 0;
    satori_shim_load_plugin_dir(shim, dir.c_str(), &loaded);
    if (loaded == 0)
        out.event("warning", "no plugin could be loaded from " + dir, {{"dir", dir}});
    satori_socket_host *remote = nullptr;
    if (!o.connect.empty()) {
        if (int32_t r = satori_shim_connect_socket(shim, o.connect.c_str(), &remote); r < 0) {
            satori_shim_destroy(shim);
            return fail("--connect " + o.connect + ": " + satori_shim_strerror(r));
        }
    } else {
        satori_shim_connect_hvlink(shim, host->hvlink());
    }
    if (int32_t r = satori_shim_start(shim); r < 0) {
        satori_shim_destroy(shim);
        satori_socket_host_free(remote);
        if (!o.connect.empty())
            return fail("cannot attach to the host at " + o.connect + ": " + satori_shim_strerror(r) +
                        " (is `satori-sim --listen " + o.connect + "` running?)");
        return fail(std::string("cannot start: ") + satori_shim_strerror(r));
    }
    print_devices(shim, out);
    input_run.start();
    char secs[32];
    std::snprintf(secs, sizeof(secs), "%g", o.duration_s);
    out.event("running", o.duration_s > 0 ? std::string("running for ") + secs + " s"
                                          : "running; press Ctrl-C to stop");
    wait_running(shim, out, o.duration_s, o.connect);

    out.event("stopping", "stopping");
    input_run.stop();
    satori_shim_stop(shim);
    satori_shim_destroy(shim);
    satori_socket_host_free(remote);
    nlohmann::json summary = nlohmann::json::object();
    std::string text = "stopped";
    if (auto hb = host->heartbeat()) {
        auto s = hb->stats();
        summary["heartbeat"] = {{"sent", s.sent}, {"answered", s.answered}, {"wrong", s.wrong},
                                {"late", s.late}, {"negotiated", s.negotiated}};
        text += "; heartbeats sent " + std::to_string(s.sent) + ", answered " +
                std::to_string(s.answered) + ", wrong " + std::to_string(s.wrong);
    }
    if (setup.storvsp) {
        auto s = setup.storvsp->stats();
        summary["storage"] = {{"commands", s.srbs},         {"errors", s.srb_errors},
                              {"bytes_read", s.bytes_read}, {"bytes_written", s.bytes_written},
                              {"flushes", s.flushes},       {"unmapped_blocks", s.unmapped_blocks}};
        text += "; storage: " + std::to_string(s.srbs) + " SCSI commands, " +
                std::to_string(s.bytes_read) + " bytes read, " + std::to_string(s.bytes_written) +
                " bytes written";
    }
    for (const auto &vsp : setup.netvsps) {
        auto s = vsp->stats();
        summary["network"].push_back({{"nic", vsp->config().name}, {"tx_frames", s.tx_frames},
                                      {"rx_frames", s.rx_frames}, {"rx_dropped", s.rx_dropped},
                                      {"nvsp_version", s.nvsp_version}});
        text += "; " + vsp->config().name + ": " + std::to_string(s.tx_frames) + " frames from the guest, " +
                std::to_string(s.rx_frames) + " to it (" + std::to_string(s.rx_dropped) + " dropped)";
    }
    input_run.summarize(summary, text);
    host.reset();
    out.event("stopped", text, summary);
    return 0;
}

} // namespace

void add_run_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand("run", "Load plugins and drive the devices of a host");
    auto o = std::make_shared<RunOptions>();
    cmd->add_flag("--sim", o->sim, "Use the built-in simulated Hyper-V host");
    cmd->add_option("--connect", o->connect,
                    "Attach to a host in another process over this Unix socket "
                    "(satori-sim --listen PATH); reconnects when it restarts");
    cmd->add_option("--plugins", o->plugins, "Plugin directory (default: the installed plugins)");
    cmd->add_option("--max-vmbus-version", o->max_vmbus_version,
                    "Newest VMBus version the guest proposes, e.g. 4.0");
    cmd->add_option("--host-max-version", o->host_max_version,
                    "Newest VMBus version the simulated host accepts, e.g. 3.0");
    cmd->add_option("--heartbeat-interval", o->heartbeat_interval_ms,
                    "Milliseconds between the simulated host's heartbeats")
        ->check(CLI::Range(10u, 3600000u));
    cmd->add_option("--duration", o->duration_s, "Stop after this many seconds (default: until Ctrl-C)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--disk", o->disks,
                    "Disk image for the simulated SCSI controller: PATH[,ro][,lun=N] (repeatable)");
    cmd->add_option("--nic", o->nics,
                    "Simulated network adapter on the virtual switch, backed by a TAP interface: "
                    "tap=NAME[,mac=..][,mtu=N] (repeatable)");
    cmd->add_option("--nbd-socket", o->nbd_socket, "Unix socket of the NBD server for the disks");
    cmd->add_option("--nbd-tcp", o->nbd_tcp, "Also serve NBD on TCP, e.g. 127.0.0.1:10809");
    add_input_options(cmd, o->input);
    cmd->add_flag("--json", o->json, "One JSON object per line instead of status lines");
    cmd->add_flag("-v,--verbose", o->verbose, "More log output (repeat for debug)");
    cmd->callback([o, &rc] { rc = run_run(*o); });
}

} // namespace satori::tool
