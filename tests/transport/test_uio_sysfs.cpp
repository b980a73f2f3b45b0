// SPDX-License-Identifier: MIT
// tests/transport/test_uio_sysfs.cpp — the uio_hv_generic back end's sysfs discovery and
// class binding against a fake /sys tree built here (no Hyper-V on the test machines).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern "C" {
#include "backends/uio/uio_sysfs.h"
}

#include <satori/errno.h>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

struct FakeSys {
    FakeSys()
    {
        char tmpl[] = "/tmp/satori-fakesys-XXXXXX";
        root = mkdtemp(tmpl);
        fs::create_directories(root + "/bus/vmbus/devices");
    }
    ~FakeSys() { fs::remove_all(root); }

    void write(const std::string &rel, const std::string &text)
    {
        fs::create_directories(fs::path(root + "/" + rel).parent_path());
        std::ofstream(root + "/" + rel) << text;
    }
    std::string read(const std::string &rel)
    {
        std::ifstream in(root + "/" + rel);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    /// A device as the kernel lays it out; bound to uio_hv_generic when @p uio >= 0.
    void device(const std::string &name, const std::string &cls, int uio,
                std::vector<std::pair<std::string, std::string>> maps, std::vector<int> relids)
    {
        std::string d = "bus/vmbus/devices/" + name;
        write(d + "/class_id", "{" + cls + "}\n");
        write(d + "/device_id", "{" + name + "}\n");
        write(d + "/monitor_id", "3\n");
        for (int r : relids)
            fs::create_directories(root + "/" + d + "/channels/" + std::to_string(r));
        if (uio >= 0) {
            fs::create_directories(root + "/bus/vmbus/drivers/uio_hv_generic");
            fs::create_directory_symlink("../../../../bus/vmbus/drivers/uio_hv_generic",
                                         root + "/" + d + "/driver");
            for (size_t i = 0; i < maps.size(); i++) {
                std::string m =
                    d + "/uio/uio" + std::to_string(uio) + "/maps/map" + std::to_string(i);
                write(m + "/name", maps[i].first + "\n");
                write(m + "/size", maps[i].second + "\n");
            }
        }
    }
    std::string root;
};

const char *kScsi = "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f";
const char *kNet = "f8615163-df3e-46c5-913f-f2d2f965ed0e";
const char *kGood = "00000000-0000-0000-0000-0000000000aa";
const char *kBad = "00000000-0000-0000-0000-0000000000bb";

std::vector<uio_vmbus_dev> scan(const std::string &root, uint32_t &skipped, std::string &err)
{
    std::vector<uio_vmbus_dev> out;
    char buf[512];
    int32_t n = uio_scan(
        root.c_str(),
        [](void *c, const uio_vmbus_dev *d) {
            static_cast<std::vector<uio_vmbus_dev> *>(c)->push_back(*d);
        },
        &out, &skipped, buf, sizeof(buf));
    err = buf;
    REQUIRE(n == static_cast<int32_t>(out.size()));
    return out;
}

} // namespace

TEST_CASE("uio: GUIDs parse into wire order", "[uio]")
{
    uint8_t g[16];
    REQUIRE(uio_parse_guid("{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}", g));
    CHECK(g[0] == 0xd9);
    CHECK(g[3] == 0xba);
    CHECK(g[4] == 0xa1);
    CHECK(g[6] == 0x29);
    CHECK(g[8] == 0xb6);
    CHECK(g[15] == 0x7f);
    CHECK(uio_parse_guid("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", g));
    CHECK_FALSE(uio_parse_guid("ba6163d9-04a1-4d29-b605-72e2ffb1dc7", g));
    CHECK_FALSE(uio_parse_guid("ba6163d9x04a1-4d29-b605-72e2ffb1dc7f", g));
    CHECK_FALSE(uio_parse_guid("{ba6163d9-04a1-4d29-b605-72e2ffb1dc7g}", g));
    CHECK_FALSE(uio_parse_guid("", g));
}

TEST_CASE("uio: discovery reads devices, channels and map sizes from sysfs", "[uio]")
{
    FakeSys sys;
    sys.device("00000000-0000-0000-0000-000000000002", kNet, 0,
               {{"txrx_rings", "0x200000"},
                {"int_page", "0x1000"},
                {"monitor_page", "0x1000"},
                {"recv_buf", "0x1000000"},
                {"send_buf", "0x1000000"}},
               {14, 15, 16});
    sys.device("00000000-0000-0000-0000-000000000001", kScsi, -1, {}, {2});
    uint32_t skipped = 99;
    std::string err;
    auto devs = scan(sys.root, skipped, err);
    CHECK(skipped == 0);
    REQUIRE(devs.size() == 2);
    // sorted by name
    CHECK(std::string(devs[0].name) == "00000000-0000-0000-0000-000000000001");
    CHECK(devs[0].uio_index == -1);
    CHECK(devs[0].map_count == 0);
    CHECK(std::string(devs[0].driver).empty());
    CHECK(devs[0].class_id[3] == 0xba);
    auto &net = devs[1];
    CHECK(std::string(net.driver) == "uio_hv_generic");
    CHECK(net.uio_index == 0);
    REQUIRE(net.map_count == 5);
    CHECK(std::string(net.maps[0].name) == "txrx_rings");
    CHECK(net.maps[0].size == 0x200000); // from sysfs, not a constant
    CHECK(net.maps[3].size == 0x1000000);
    CHECK(net.has_monitor);
    CHECK(net.monitor_id == 3);
    REQUIRE(net.channel_count == 3);
    CHECK(net.channels[0] == 14);
    CHECK(net.channels[2] == 16);
}

TEST_CASE("uio: malformed sysfs entries are skipped with a reason", "[uio]")
{
    FakeSys sys;
    sys.device(kGood, kScsi, -1, {}, {1});
    auto bad = GENERATE(0, 1, 2, 3, 4);
    CAPTURE(bad);
    std::string expect;
    switch (bad) {
    case 0:
        sys.device(kBad, kScsi, 1, {{"txrx_rings", "0x1001"}}, {});
        expect = "map size";
        break;
    case 1:
        sys.device(kBad, kScsi, 1, {{"txrx_rings", "lots"}}, {});
        expect = "map size";
        break;
    case 2:
        sys.device(kBad, "not-a-guid", -1, {}, {});
        expect = "class_id";
        break;
    case 3:
        sys.device(kBad, kScsi, -1, {}, {5000});
        expect = "relid";
        break;
    case 4:
        sys.device(kBad, kScsi, -1, {}, {});
        sys.write(std::string("bus/vmbus/devices/") + kBad + "/monitor_id", "300\n");
        expect = "monitor_id";
        break;
    }
    uint32_t skipped = 0;
    std::string err;
    auto devs = scan(sys.root, skipped, err);
    CHECK(devs.size() == 1);
    CHECK(skipped == 1);
    CHECK(err.find(std::string(kBad) + ": skipped") != std::string::npos);
    CHECK(err.find(expect) != std::string::npos);
}

TEST_CASE("uio: no VMBus is a clear error", "[uio]")
{
    char err[256];
    CHECK(uio_scan(
              "/nonexistent-satori", [](void *, const uio_vmbus_dev *) {}, nullptr, nullptr, err,
              sizeof(err)) == -SATORI_ENOENT);
    CHECK(std::string(err).find("no VMBus here") != std::string::npos);
}

TEST_CASE("uio: binding a class writes new_id, or explains why not", "[uio]")
{
    FakeSys sys;
    char err[512] = "";
    CHECK(uio_bind_class(sys.root.c_str(), kScsi, err, sizeof(err)) == -SATORI_ENOENT);
    CHECK(std::string(err).find("modprobe uio_hv_generic") != std::string::npos);
    sys.write("bus/vmbus/drivers/uio_hv_generic/new_id", "");
    CHECK(uio_bind_class(sys.root.c_str(), "nonsense", err, sizeof(err)) == -SATORI_EINVAL);
    CHECK(sys.read("bus/vmbus/drivers/uio_hv_generic/new_id").empty()); // nothing changed
    REQUIRE(uio_bind_class(sys.root.c_str(), (std::string("{") + kNet + "}").c_str(), err,
                           sizeof(err)) == 0);
    CHECK(sys.read("bus/vmbus/drivers/uio_hv_generic/new_id") == kNet); // the command recorded
}
