// SPDX-License-Identifier: MIT
#include "common.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace satori::tool {

std::string guid_text(const satori_guid &g)
{
    const uint8_t *b = g.b;
    char s[37];
    std::snprintf(s, sizeof(s),
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[3],
                  b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return s;
}

std::string class_name(const satori_guid &g)
{
    struct Known {
        satori_guid guid;
        const char *name;
    };
    static const Known known[] = {
        {SATORI_GUID_HEARTBEAT, "heartbeat"}, {SATORI_GUID_SCSI, "scsi"},
        {SATORI_GUID_IDE, "ide"},             {SATORI_GUID_NIC, "network"},
        {SATORI_GUID_MOUSE, "mouse"},         {SATORI_GUID_KEYBOARD, "keyboard"},
    };
    for (const auto &k : known)
        if (std::memcmp(k.guid.b, g.b, 16) == 0)
            return k.name;
    return "";
}

std::string version_text(uint32_t v)
{
    return std::to_string(v >> 16) + "." + std::to_string(v & 0xffff);
}

std::string default_plugin_dir()
{
    if (const char *env = std::getenv("SATORI_PLUGIN_DIR"); env && *env)
        return env;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        return "lib/satori/plugins";
    return (exe.parent_path() / ".." / "lib" / "satori" / "plugins").lexically_normal().string();
}

int fail(const std::string &msg)
{
    std::fprintf(stderr, "satori: error: %s\n", msg.c_str());
    return 1;
}

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
} // namespace

bool stop_requested() { return g_stop.load(); }

void install_stop_handlers()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

void sleep_unless_stopped(uint32_t ms)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop_requested() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

} // namespace satori::tool
