// SPDX-License-Identifier: MIT
// tests/sdk/test_entry.cpp — SATORI_PLUGIN's satori_plugin_entry: host checks, descriptor.
#include <satori/sdk/plugin.hpp>

#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include "support/sdk_capture_stderr.hpp"
#include "support/sdk_fake_host.hpp"

namespace {

class EntryDevice final : public satori::Device {
  public:
    using satori::Device::Device;
    static constexpr const char *kDescription = "entry test device";
};

} // namespace

// The test executable's own plugin entry, exactly as a plugin defines it.
SATORI_PLUGIN("entry-test", "2.3.4", EntryDevice, satori::guids::kScsi, satori::guids::kIde);

using satori::test::FakeHost;

namespace {

satori_plugin fresh_descriptor(uint32_t size = sizeof(satori_plugin))
{
    satori_plugin out{};
    out.struct_size = size;
    return out;
}

} // namespace

TEST_CASE("the entry fills the whole descriptor", "[sdk][entry]")
{
    FakeHost host;
    satori_plugin out = fresh_descriptor();
    REQUIRE(satori_plugin_entry(host.table(), &out) == 0);

    CHECK(out.struct_size == sizeof(satori_plugin));
    CHECK(out.abi_version == SATORI_ABI_VERSION_CURRENT);
    CHECK(std::string(out.name) == "entry-test");
    CHECK(std::string(out.version) == "2.3.4");
    CHECK(std::string(out.description) == "entry test device");
    REQUIRE(out.class_count == 2);
    CHECK(satori::Guid(out.classes[0]) == satori::guids::kScsi);
    CHECK(satori::Guid(out.classes[1]) == satori::guids::kIde);
    CHECK(out.reserved0 == 0);
    CHECK(out.cookie != nullptr);
    CHECK(out.probe != nullptr);
    CHECK(out.remove != nullptr);
    CHECK(out.on_subchannel != nullptr);
    CHECK(out.suspend != nullptr);
    CHECK(out.resume != nullptr);
    CHECK(out.unload != nullptr);
    out.unload(out.cookie);
}

TEST_CASE("the entry writes only the fields that fit a smaller descriptor", "[sdk][entry]")
{
    FakeHost host;
    const uint32_t size = offsetof(satori_plugin, suspend); // an older shim's descriptor
    satori_plugin out = fresh_descriptor(size);
    out.suspend = reinterpret_cast<int32_t (*)(void *, satori_device *)>(0x1);
    out.resume = reinterpret_cast<int32_t (*)(void *, satori_device *)>(0x2);
    out.unload = reinterpret_cast<void (*)(void *)>(0x3);

    REQUIRE(satori_plugin_entry(host.table(), &out) == 0);
    CHECK(out.struct_size == size);
    CHECK(out.on_subchannel != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(out.suspend) == 0x1);
    CHECK(reinterpret_cast<uintptr_t>(out.resume) == 0x2);
    CHECK(reinterpret_cast<uintptr_t>(out.unload) == 0x3);

    SECTION("a descriptor larger than ours is cut to our size")
    {
        satori_plugin big = fresh_descriptor(sizeof(satori_plugin) + 64);
        REQUIRE(satori_plugin_entry(host.table(), &big) == 0);
        CHECK(big.struct_size == sizeof(satori_plugin));
    }
}

TEST_CASE("a host of another ABI major is refused with a message naming both versions",
          "[sdk][entry][version]")
{
    const uint32_t major = GENERATE(0u, 2u);
    FakeHost host(SATORI_ABI_VERSION(major, 7));
    satori_plugin out = fresh_descriptor();
    satori::test::CaptureStderr err;
    CHECK(satori_plugin_entry(host.table(), &out) == -SATORI_EPROTONOSUPPORT);
    const std::string text = err.text();
    CHECK(text.find("built for Satori ABI 1.0") != std::string::npos);
    CHECK(text.find("provides ABI " + std::to_string(major) + ".7") != std::string::npos);
    CHECK(host.logs.empty()); // another major's table layout is unknown: not used
    CHECK(out.probe == nullptr);
}

TEST_CASE("a newer minor of the same major is accepted", "[sdk][entry][version]")
{
    FakeHost host(SATORI_ABI_VERSION(SATORI_ABI_VERSION_MAJOR, 9));
    satori_plugin out = fresh_descriptor();
    CHECK(satori_plugin_entry(host.table(), &out) == 0);
    CHECK(out.abi_version == SATORI_ABI_VERSION_CURRENT);
}

TEST_CASE("the entry refuses broken tables", "[sdk][entry]")
{
    FakeHost host;
    satori_plugin out = fresh_descriptor();
    satori::test::CaptureStderr err;

    SECTION("no host")
    {
        CHECK(satori_plugin_entry(nullptr, &out) == -SATORI_EINVAL);
    }
    SECTION("a host table too small to hold its version")
    {
        host.mutable_table().struct_size = 4;
        CHECK(satori_plugin_entry(host.table(), &out) == -SATORI_EINVAL);
    }
    SECTION("a host table without bus operations")
    {
        host.mutable_table().bus = nullptr;
        CHECK(satori_plugin_entry(host.table(), &out) == -SATORI_EINVAL);
        CHECK(host.logged("no bus operations"));
    }
    SECTION("no descriptor")
    {
        CHECK(satori_plugin_entry(host.table(), nullptr) == -SATORI_EINVAL);
    }
    SECTION("a descriptor too small for the ABI version")
    {
        out.struct_size = 4;
        CHECK(satori_plugin_entry(host.table(), &out) == -SATORI_EINVAL);
        CHECK(out.struct_size == 4);
    }
}
