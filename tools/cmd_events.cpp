// SPDX-License-Identifier: MIT
// satori events — connect to the shim's HID event stream and print what arrives.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.hpp"
#include "common.hpp"
#include "input_run.hpp"

namespace satori::tool {

namespace {

struct EventsOptions {
    std::string socket;
    std::string dev;
    bool json = false;
    double duration_s = 0;
    double wait_s = 0;
};

int run_events(const EventsOptions &o)
{
    const std::string path = o.socket.empty() ? default_events_socket() : o.socket;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sa.sun_path)) return fail("--socket " + path + ": path too long");
    std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path.c_str());
    install_stop_handlers();
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<int64_t>(o.wait_s * 1000));
    int fd = -1;
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0) break;
        if (fd >= 0) close(fd);
        fd = -1;
        if (std::chrono::steady_clock::now() >= give_up || stop_requested())
            return fail("cannot connect to " + path +
                        " (is `satori run --sim --mouse --keyboard` running?)");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(o.duration_s * 1000));
    std::string buf;
    char chunk[4096];
    int rc = 0;
    while (!stop_requested()) {
        if (o.duration_s > 0 && std::chrono::steady_clock::now() >= end) break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) {
            std::fprintf(stderr, "satori: the event stream closed\n");
            break;
        }
        buf.append(chunk, static_cast<size_t>(n));
        for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
            const std::string line = buf.substr(0, nl);
            buf.erase(0, nl + 1);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) continue;
            if (!o.dev.empty() && j.contains("dev") && j.value("dev", "") != o.dev) continue;
            if (o.json)
                std::printf("%s\n", line.c_str());
            else
                std::printf("%s\n", describe_input_line(j).c_str());
            std::fflush(stdout);
        }
    }
    close(fd);
    return rc;
}

} // namespace

void add_events_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand("events", "Print the HID event stream of a running shim");
    auto o = std::make_shared<EventsOptions>();
    cmd->add_option("--socket", o->socket,
                    "Event stream socket (default $XDG_RUNTIME_DIR/satori/events.sock)");
    cmd->add_option("--dev", o->dev, "Only this device, e.g. mouse0 or kbd0");
    cmd->add_flag("--json", o->json, "Print the JSON lines as they arrive");
    cmd->add_option("--duration", o->duration_s, "Stop after this many seconds")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--wait", o->wait_s, "Keep trying to connect for this many seconds")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([o, &rc] { rc = run_events(*o); });
}

} // namespace satori::tool
