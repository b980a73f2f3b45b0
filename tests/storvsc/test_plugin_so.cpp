// SPDX-License-Identifier: MIT
// tests/storvsc/test_plugin_so.cpp — the built storvsc.so, loaded with dlopen as the shim
// loads it and driven through its descriptor: entry, device classes, probe against the fake
// storvsp, one block read, remove.
#include <string>

#include <catch2/catch.hpp>
#include <dlfcn.h>
#include <satori/satori.h>
#include <satori/sdk/guid.hpp>

#include "support/storvsc_fixture.hpp"

#ifdef SATORI_STORVSC_PLUGIN

using satori::test::stv::StorvscFixture;
using satori::test::stv::TestBuffer;

TEST_CASE_METHOD(StorvscFixture, "storvsc.so loads, probes, reads and removes", "[storvsc][plugin]")
{
    void *so = dlopen(SATORI_STORVSC_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    INFO((so ? "" : dlerror()));
    REQUIRE(so);
    auto entry = reinterpret_cast<satori_plugin_entry_fn>(dlsym(so, SATORI_PLUGIN_ENTRY_NAME));
    REQUIRE(entry);

    satori_plugin desc{};
    desc.struct_size = sizeof(desc);
    REQUIRE(entry(pf.host.table(), &desc) == 0);
    CHECK(std::string(desc.name) == "storvsc");
    CHECK(desc.abi_version == SATORI_ABI_VERSION_CURRENT);
    REQUIRE(desc.class_count == 2);
    CHECK(satori::Guid(desc.classes[0]) == satori::guids::kScsi);
    CHECK(satori::Guid(desc.classes[1]) == satori::guids::kIde);
    REQUIRE(desc.description != nullptr);
    CHECK(desc.on_subchannel != nullptr);

    satori_device_info info = satori::test::make_device_info(satori::guids::kScsi.to_c());
    void *device = nullptr;
    REQUIRE(desc.probe(desc.cookie, pf.host.device(), &info, &device) == 0);
    REQUIRE(device);
    REQUIRE(blk.live().size() == 1);
    TestBuffer b = buffer(4096);
    REQUIRE(blk.submit(disk(), SATORI_BLK_OP_READ, 0, 8, 1, {b.segment(0, 4096)}) == 0);
    CHECK(blk.result(disk(), 1) == 0);
    CHECK(logged("storvsc: protocol 6.0"));

    desc.remove(device, pf.host.device());
    CHECK(blk.live().empty());
    CHECK(mem.live() == 1);
    if (desc.unload) desc.unload(desc.cookie);
    dlclose(so);
}

#endif
