// SPDX-License-Identifier: MIT
// tests/sdk/test_heartbeat_plugin.cpp — the built heartbeat.so, loaded with dlopen like the
// shim loads it, driven through its descriptor by the fake host.
#include <satori/satori.h>
#include <satori/sdk/guid.hpp>

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <dlfcn.h>

#include "support/sdk_fake_host.hpp"
#include "support/sdk_ic_messages.hpp"

#ifdef SATORI_HEARTBEAT_PLUGIN

using satori::test::FakeChannel;
using satori::test::FakeHost;
namespace icm = satori::test::ic;

namespace {

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte> &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

class LoadedPlugin {
  public:
    explicit LoadedPlugin(const char *path) : handle_(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {}
    LoadedPlugin(const LoadedPlugin &) = delete;
    LoadedPlugin &operator=(const LoadedPlugin &) = delete;
    ~LoadedPlugin()
    {
        if (handle_) dlclose(handle_);
    }
    satori_plugin_entry_fn entry() const
    {
        return handle_ ? reinterpret_cast<satori_plugin_entry_fn>(
                             dlsym(handle_, SATORI_PLUGIN_ENTRY_NAME))
                       : nullptr;
    }

  private:
    void *handle_;
};

} // namespace

TEST_CASE("heartbeat.so negotiates and answers heartbeats", "[heartbeat][plugin]")
{
    LoadedPlugin so(SATORI_HEARTBEAT_PLUGIN);
    INFO(dlerror());
    const satori_plugin_entry_fn entry = so.entry();
    REQUIRE(entry != nullptr);

    FakeHost host;
    satori_plugin desc{};
    desc.struct_size = sizeof(desc);
    REQUIRE(entry(host.table(), &desc) == 0);
    CHECK(std::string(desc.name) == "heartbeat");
    REQUIRE(desc.class_count == 1);
    CHECK(satori::Guid(desc.classes[0]) == satori::guids::kHeartbeat);
    REQUIRE(desc.description != nullptr);

    satori_device_info info = satori::test::make_device_info(satori::guids::kHeartbeat.to_c());
    void *device = nullptr;
    REQUIRE(desc.probe(desc.cookie, host.device(), &info, &device) == 0);
    REQUIRE(host.channels.size() == 1);
    FakeChannel &ch = host.last_channel();
    CHECK(ch.params.ring_bytes_out == 16384);
    CHECK(ch.params.ring_bytes_in == 16384);

    host.deliver(ch, icm::message({.type = 0}, icm::negotiate_body({{1, 0}, {3, 0}}, {{3, 0}})),
                 0x1234);
    REQUIRE(ch.sent.size() == 1);
    CHECK(ch.sent[0].type == SATORI_PKT_DATA_INBAND);
    CHECK(ch.sent[0].trans_id == 0x1234);
    CHECK(ch.sent[0].flags == 0);
    CHECK(ch.sent[0].data ==
          icm::message({.type = 0, .flags = 0x5, .body_size = 16},
                       concat(icm::negotiate_body({{3, 0}}, {{3, 0}}), std::vector<std::byte>(4))));
    CHECK(host.logged("heartbeat: negotiated framework 3.0, message 3.0"));

    for (uint64_t seq = 10; seq < 13; ++seq)
        host.deliver(ch, icm::message({.type = 1}, icm::heartbeat_body(seq)), 100 + seq);
    REQUIRE(ch.sent.size() == 4);
    CHECK(ch.sent[3].trans_id == 112);
    CHECK(ch.sent[3].data == icm::message({.type = 1, .flags = 0x5}, icm::heartbeat_body(13)));

    host.deliver(ch, icm::message({.type = 1, .pipe_size = 500}, icm::heartbeat_body(1)), 7);
    CHECK(ch.sent.size() == 4);
    CHECK(host.logged("dropped a malformed message"));

    host.deliver(ch, icm::message({.type = 9}, {}), 8);
    host.deliver(ch, icm::message({.type = 9}, {}), 9);
    CHECK(ch.sent.size() == 6);
    int unsupported_warnings = 0;
    for (const auto &line : host.logs)
        unsupported_warnings += line.text.find("unsupported message type 9") != std::string::npos;
    CHECK(unsupported_warnings == 1);

    host.deliver(ch, icm::message({.type = 1}, icm::heartbeat_body(1)), 1, SATORI_PKT_COMP);
    CHECK(ch.sent.size() == 6);

    desc.remove(device, host.device());
    CHECK(ch.close_calls == 1);
    CHECK(host.logged("removed after 3 heartbeats"));
    desc.unload(desc.cookie);
}

TEST_CASE("heartbeat.so refuses a shim of another ABI major", "[heartbeat][plugin]")
{
    LoadedPlugin so(SATORI_HEARTBEAT_PLUGIN);
    const satori_plugin_entry_fn entry = so.entry();
    REQUIRE(entry != nullptr);
    FakeHost host(SATORI_ABI_VERSION(2, 0));
    satori_plugin desc{};
    desc.struct_size = sizeof(desc);
    CHECK(entry(host.table(), &desc) == -SATORI_EPROTONOSUPPORT);
}

#endif // SATORI_HEARTBEAT_PLUGIN
