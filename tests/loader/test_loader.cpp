// SPDX-License-Identifier: MIT
// tests/loader/test_loader.cpp — loading plugins: good ones bind, bad ones are skipped with
// a clear reason, a failing probe does not affect the others.
#include <cstring>
#include <string>

#include <satori/sim/host.hpp>

#include "support/shim_fixture.hpp"

#include <catch2/catch.hpp>

using satori::test::ShimFixture;

namespace {

const std::string kDir = SATORI_TEST_PLUGIN_DIR;

satori::sim::Guid test_class(uint8_t n)
{
    return satori::sim::Guid::from_fields(0x5a7f0000, 0x0000, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, n});
}

/// A device model that accepts everything and does nothing: enough to be offered.
class NullVsp final : public satori::sim::Vsp {
public:
    NullVsp(uint8_t n, uint8_t instance)
        : Vsp({test_class(n),
               satori::sim::Guid::from_fields(0x1e570000u + instance, 0, 0, {0, 0, 0, 0, 0, 0, 0, instance}),
               "null-" + std::to_string(n)})
    {
    }
};

bool mentions(const satori::test::RecordedEvent &e, const std::string &a)
{
    return e.message.find(a) != std::string::npos;
}

const satori::test::RecordedEvent *find_rejected(ShimFixture &f, const std::string &file)
{
    static satori::test::RecordedEvent found;
    for (auto &e : f.events_of(SATORI_SHIM_EV_PLUGIN_REJECTED))
        if (mentions(e, file)) {
            found = e;
            return &found;
        }
    return nullptr;
}

} // namespace

TEST_CASE("a plugin directory loads the good plugins and names what is wrong with the rest",
          "[loader]")
{
    ShimFixture f;
    uint32_t loaded = 0;
    REQUIRE(satori_shim_load_plugin_dir(f.shim, kDir.c_str(), &loaded) == 0);
    CHECK(loaded == 3); // good, newer_minor, probe_fails

    auto *major = find_rejected(f, "wrong_major.so");
    REQUIRE(major);
    CHECK(major->status == -SATORI_EPROTONOSUPPORT);
    CHECK(mentions(*major, "built for Satori ABI 2.0"));
    CHECK(mentions(*major, "provides ABI 1.0"));

    auto *entry = find_rejected(f, "no_entry.so");
    REQUIRE(entry);
    CHECK(entry->status == -SATORI_ENOENT);
    CHECK(mentions(*entry, "no satori_plugin_entry symbol"));

    auto *refused = find_rejected(f, "entry_refuses.so");
    REQUIRE(refused);
    CHECK(refused->status == -SATORI_EPROTONOSUPPORT);
    CHECK(mentions(*refused, "refused to load"));
}

TEST_CASE("a plugin built for a newer minor loads and both sides use the shim's minor",
          "[loader][version]")
{
    ShimFixture f;
    REQUIRE(satori_shim_load_plugin(f.shim, (kDir + "/newer_minor.so").c_str()) == 0);
    auto loaded = f.events_of(SATORI_SHIM_EV_PLUGIN_LOADED);
    REQUIRE(loaded.size() == 1);
    CHECK(loaded[0].plugin == "test-newer-minor");
    CHECK(loaded[0].value == SATORI_ABI_VERSION(1, 0));
    CHECK(mentions(loaded[0], "built for ABI 1.7, using 1.0"));
}

TEST_CASE("a missing file is reported with the loader's reason", "[loader]")
{
    ShimFixture f;
    CHECK(satori_shim_load_plugin(f.shim, "/nonexistent/plugin.so") == -SATORI_ENOENT);
    auto *e = find_rejected(f, "/nonexistent/plugin.so");
    REQUIRE(e);
    CHECK(mentions(*e, "cannot load"));
}

TEST_CASE("two plugins with the same name: the second is refused", "[loader]")
{
    ShimFixture f;
    REQUIRE(satori_shim_load_plugin(f.shim, (kDir + "/good.so").c_str()) == 0);
    CHECK(satori_shim_load_plugin(f.shim, (kDir + "/good.so").c_str()) == -SATORI_EEXIST);
    auto *e = find_rejected(f, "good.so");
    REQUIRE(e);
    CHECK(mentions(*e, "already loaded"));
}

TEST_CASE("a failing probe leaves the other devices working", "[loader][probe]")
{
    ShimFixture f;
    f.host->add_device(std::make_shared<NullVsp>(1, 1)); // test-good
    f.host->add_device(std::make_shared<NullVsp>(4, 2)); // test-probe-fails
    f.host->add_device(std::make_shared<NullVsp>(9, 3)); // nobody drives class 9
    REQUIRE(satori_shim_load_plugin_dir(f.shim, kDir.c_str(), nullptr) == 0);
    REQUIRE(satori_shim_load_plugin(f.shim, SATORI_HEARTBEAT_PLUGIN) == 0);
    REQUIRE(f.start() == 0);

    auto rows = f.devices();
    REQUIRE(rows.size() == 3);
    int bound = 0, failed = 0, unbound = 0;
    for (auto &r : rows) {
        if (r.state == SATORI_SHIM_DEV_BOUND) {
            bound++;
            CHECK(r.plugin == "test-good");
        } else if (r.state == SATORI_SHIM_DEV_FAILED) {
            failed++;
            CHECK(r.plugin == "test-probe-fails");
            CHECK(r.status == -SATORI_EIO);
        } else {
            unbound++;
            CHECK(r.state == SATORI_SHIM_DEV_OFFERED);
        }
    }
    CHECK(bound == 1);
    CHECK(failed == 1);
    CHECK(unbound == 1);
    CHECK(f.events_of(SATORI_SHIM_EV_NO_DRIVER).size() == 1);
    auto failures = f.events_of(SATORI_SHIM_EV_PROBE_FAILED);
    REQUIRE(failures.size() == 1);
    CHECK(mentions(failures[0], "test-probe-fails failed to probe"));
    CHECK(f.log_contains("left 2 pages of DMA memory; freeing them"));

    REQUIRE(satori_shim_stop(f.shim) == 0);
    auto removed = f.events_of(SATORI_SHIM_EV_REMOVED);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].plugin == "test-good");
}

TEST_CASE("start without a back end fails with a clear message", "[loader]")
{
    ShimFixture f;
    CHECK(satori_shim_start(f.shim) == -SATORI_EINVAL);
    CHECK(f.log_contains("no back end attached"));
}

TEST_CASE("inspect describes a plugin without keeping it loaded", "[loader][info]")
{
    satori_shim_plugin_info info{};
    info.struct_size = sizeof(info);
    char err[512] = "";
    REQUIRE(satori_shim_inspect_plugin((kDir + "/good.so").c_str(), &info, err, sizeof(err)) == 0);
    CHECK(std::string(info.name) == "test-good");
    CHECK(std::string(info.version) == "1.0.0");
    CHECK(info.abi_version == SATORI_ABI_VERSION(1, 0));
    CHECK(info.class_count == 1);
    CHECK(satori_shim_inspect_plugin((kDir + "/wrong_major.so").c_str(), &info, err, sizeof(err)) ==
          -SATORI_EPROTONOSUPPORT);
    CHECK(std::string(err).find("rebuild the plugin against Satori 1.x") != std::string::npos);
}
