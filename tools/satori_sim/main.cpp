// SPDX-License-Identifier: MIT
// satori-sim — the simulated Hyper-V host as its own program: serves its devices to one
// guest at a time over the out-of-process transport (docs/transport.md), so that
// `satori run --connect PATH` (or any other guest) attaches from another process.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <satori/sim/transport.hpp>

#include "common.hpp"
#include "output.hpp"
#include "sim_setup.hpp"

namespace {

using namespace satori;
using namespace satori::tool;

struct Options {
    std::string listen;
    std::vector<std::string> disks;
    std::string host_max_version;
    uint32_t heartbeat_interval_ms = 1000;
    double duration_s = 0;
    bool no_eventfd = false;
    bool json = false;
    int verbose = 0;
};

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

const char *kind_name(sim::TransportEvent::Kind k)
{
    switch (k) {
    case sim::TransportEvent::Kind::guest_connected:
        return "guest_connected";
    case sim::TransportEvent::Kind::guest_disconnected:
        return "guest_disconnected";
    case sim::TransportEvent::Kind::guest_refused:
        return "guest_refused";
    }
    return "transport";
}

int run(const Options &o)
{
    SimOptions so;
    if (!o.host_max_version.empty() && !parse_version(o.host_max_version, so.host_max_version))
        return fail("--host-max-version must look like 4.0, not '" + o.host_max_version + "'");
    so.heartbeat_interval_ms = o.heartbeat_interval_ms;
    so.verbose = o.verbose > 0;
    for (const auto &text : o.disks) {
        DiskSpec d;
        std::string error;
        if (!parse_disk_spec(text, d, error)) return fail(error);
        so.disks.push_back(d);
    }
    Output out(o.json);
    install_stop_handlers();
    SimSetup setup;
    if (std::string error; !make_sim_host(so, out, setup, error)) return fail(error);

    sim::TransportConfig tc;
    tc.path = o.listen;
    tc.features = o.no_eventfd ? 0 : sim::kTransportFeatureEventfd;
    tc.log_level = o.verbose ? sim::LogLevel::info : sim::LogLevel::warn;
    tc.log = [](sim::LogLevel level, std::string_view line) {
        std::fprintf(stderr, "satori-sim: %s: %.*s\n", sim::to_string(level),
                     static_cast<int>(line.size()), line.data());
    };
    tc.on_event = [&out](const sim::TransportEvent &ev) {
        out.event(kind_name(ev.kind), ev.message, {{"guest", ev.guest}, {"clean", ev.clean}});
    };
    sim::TransportServer server(*setup.host, tc);
    if (server.start() < 0) return fail("cannot listen: " + server.error());
    out.event("listening", "listening on " + o.listen + " (satori run --connect " + o.listen + ")",
              {{"path", o.listen}});
    if (o.duration_s > 0)
        sleep_unless_stopped(static_cast<uint32_t>(o.duration_s * 1000));
    else
        while (!stop_requested())
            sleep_unless_stopped(1000);
    out.event("stopping", "stopping");
    server.stop();
    auto ts = server.stats();
    nlohmann::json summary = {
        {"guests_accepted", ts.guests_accepted}, {"guests_lost", ts.guests_lost},
        {"guests_refused", ts.guests_refused},   {"protocol_errors", ts.protocol_errors},
        {"records_in", ts.records_in},           {"records_out", ts.records_out},
        {"eventfds_bound", ts.eventfds_bound}};
    std::string text = "stopped; guests accepted " + std::to_string(ts.guests_accepted) +
                       ", lost " + std::to_string(ts.guests_lost) + ", refused " +
                       std::to_string(ts.guests_refused) + ", protocol errors " +
                       std::to_string(ts.protocol_errors);
    if (setup.storvsp) {
        auto s = setup.storvsp->stats();
        summary["storage"] = {
            {"commands", s.srbs}, {"bytes_read", s.bytes_read}, {"bytes_written", s.bytes_written}};
    }
    setup.host.reset();
    out.event("stopped", text, summary);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"satori-sim: the simulated Hyper-V host, serving guests over a Unix socket"};
    Options o;
    app.add_option("--listen", o.listen,
                   "Socket path guests connect to (satori run --connect PATH)")
        ->required();
    app.add_option("--disk", o.disks,
                   "Disk image for the simulated SCSI controller: PATH[,ro][,lun=N] (repeatable)");
    app.add_option("--host-max-version", o.host_max_version,
                   "Newest VMBus version the host accepts, e.g. 3.0");
    app.add_option("--heartbeat-interval", o.heartbeat_interval_ms,
                   "Milliseconds between heartbeats")
        ->check(CLI::Range(10u, 3600000u));
    app.add_option("--duration", o.duration_s, "Stop after this many seconds (default: Ctrl-C)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--no-eventfd", o.no_eventfd,
                 "Refuse the EVENTFD feature: every signal travels as a record");
    app.add_flag("--json", o.json, "One JSON object per line instead of status lines");
    app.add_flag("-v,--verbose", o.verbose, "More log output");
    CLI11_PARSE(app, argc, argv);
    return run(o);
}
