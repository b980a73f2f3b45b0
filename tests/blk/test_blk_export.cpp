// SPDX-License-Identifier: MIT
// tests/blk/test_blk_export.cpp — disks become NBD exports: names, URIs in events, what
// nbdinfo sees, TCP, options, socket files, read-only exports, capacity and media changes.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <set>

#include <nlohmann/json.hpp>

#include "support/blk_fixture.hpp"
#include "support/blk_libnbd.hpp"
#include "support/blk_nbd_raw.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;

namespace {

nlohmann::json nbdinfo_json(const std::string &uri, const std::string &extra = "")
{
    auto r = run_process(std::string(kNbdinfo.path) + " --json " + extra + " " + shell_quote(uri));
    INFO(joined(r));
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(joined(r));
}

bool exists(const std::string &path)
{
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("a disk is exported at a URI the events name, and withdrawn at stop", "[blk][export]")
{
    BlkFixture f;
    f.add_disk(ramdisk_config(1));
    REQUIRE(f.start() == 0);

    auto added = f.events_of(SATORI_SHIM_EV_EXPORT_ADDED);
    REQUIRE(added.size() == 1);
    CHECK(added[0].detail == "nbd+unix:///sda?socket=" + f.socket);
    CHECK(added[0].plugin == "test-ramdisk");
    CHECK(added[0].message.find("exports disk sda (67108864 bytes, 512-byte blocks)") !=
          std::string::npos);
    CHECK(exists(f.socket));

    REQUIRE(satori_shim_stop(f.shim) == 0);
    auto removed = f.events_of(SATORI_SHIM_EV_EXPORT_REMOVED);
    REQUIRE(removed.size() == 1);
    CHECK(removed[0].detail == added[0].detail);
    CHECK_FALSE(exists(f.socket));
    CHECK(f.log_contains("NBD server stopped"));
}

TEST_CASE("nbdinfo sees the size, the block sizes and the disk's features",
          "[blk][export][nbdinfo]")
{
    if (!kNbdinfo.found()) FAIL(kNbdinfo.missing());
    BlkFixture f;
    auto cfg = ramdisk_config(1);
    cfg.disk_flags |= SATORI_BLK_F_ROTATIONAL;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);

    auto j = nbdinfo_json(f.uri());
    REQUIRE(j["exports"].size() == 1);
    auto e = j["exports"][0];
    CHECK(j["protocol"] == "newstyle-fixed");
    CHECK(j["structured"] == true);
    CHECK(e["export-name"] == "sda");
    CHECK(e["export-size"] == 64ull << 20);
    CHECK(e["block_size_minimum"] == 512);
    CHECK(e["block_size_preferred"] == 4096);
    CHECK(e["block_size_maximum"] == 1 << 20);
    CHECK(e["is_read_only"] == false);
    CHECK(e["is_rotational"] == true);
    CHECK(e["can_flush"] == true);
    CHECK(e["can_fua"] == true);
    CHECK(e["can_trim"] == true);
    CHECK(e["can_zero"] == true);
    CHECK(e["can_multi_conn"] == true);
    CHECK(e["can_df"] == false);

    SECTION("a 4096-byte-sector disk without cache, discard or FUA")
    {
        auto c2 = ramdisk_config(2, 8 << 20);
        c2.disk_flags = 0;
        c2.logical_block_size = 4096;
        c2.physical_block_size = 0;
        c2.max_transfer_bytes = 256 << 10;
        std::strcpy(c2.name, "plain");
        f.add_disk(c2); // hot-added: offered, probed and exported while the shim runs
        REQUIRE(f.wait_events(SATORI_SHIM_EV_EXPORT_ADDED, 2));
        auto j2 = nbdinfo_json(f.uri("plain"));
        auto e2 = j2["exports"][0];
        CHECK(e2["export-size"] == 8 << 20);
        CHECK(e2["block_size_minimum"] == 4096);
        CHECK(e2["block_size_preferred"] == 4096);
        CHECK(e2["block_size_maximum"] == 256 << 10);
        CHECK(e2["can_flush"] == false);
        CHECK(e2["can_fua"] == false);
        CHECK(e2["can_trim"] == false);
        CHECK(e2["can_zero"] == false);
    }
}

TEST_CASE("disks are named sda, sdb, ... unless the plugin names them", "[blk][export]")
{
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 1 << 20));
    auto named = ramdisk_config(2, 1 << 20);
    std::strcpy(named.name, "data0");
    f.add_disk(named);
    f.add_disk(ramdisk_config(3, 1 << 20));
    REQUIRE(f.start() == 0);

    std::set<std::string> uris;
    for (auto &e : f.events_of(SATORI_SHIM_EV_EXPORT_ADDED))
        uris.insert(e.detail);
    CHECK(uris == std::set<std::string>{f.uri("sda"), f.uri("sdb"), f.uri("data0")});

    RawNbd c(f.socket);
    REQUIRE(c.hello());
    REQUIRE(c.send_option(nbd::kOptList, {}));
    std::set<std::string> names;
    for (;;) {
        auto r = c.read_opt_reply();
        REQUIRE(r);
        if (r->type != nbd::kRepServer) {
            CHECK(r->type == nbd::kRepAck);
            break;
        }
        REQUIRE(r->data.size() >= 4);
        uint32_t n = static_cast<uint32_t>(r->data[0] << 24 | r->data[1] << 16 | r->data[2] << 8 |
                                           r->data[3]);
        REQUIRE(n <= r->data.size() - 4);
        names.insert(std::string(r->data.begin() + 4, r->data.begin() + 4 + n));
        // what follows the name is the description, for humans
        CHECK(std::string(r->data.begin() + 4 + n, r->data.end()).find("ramdisk") == 0);
    }
    CHECK(names == std::set<std::string>{"sda", "sdb", "data0"});
}

TEST_CASE("with blk.nbd_tcp the export is also served on TCP", "[blk][export][tcp]")
{
    if (!kNbdinfo.found()) FAIL(kNbdinfo.missing());
    BlkFixture f;
    REQUIRE(satori_shim_set_option(f.shim, "blk.nbd_tcp", "127.0.0.1:0") == 0);
    f.add_disk(ramdisk_config(1, 4 << 20));
    REQUIRE(f.start() == 0);

    auto added = f.events_of(SATORI_SHIM_EV_EXPORT_ADDED);
    REQUIRE(added.size() == 2);
    std::string tcp_uri;
    for (auto &e : added)
        if (e.detail.rfind("nbd://127.0.0.1:", 0) == 0) tcp_uri = e.detail;
    REQUIRE_FALSE(tcp_uri.empty());
    CHECK(tcp_uri.substr(tcp_uri.size() - 4) == "/sda");
    auto j = nbdinfo_json(tcp_uri);
    CHECK(j["exports"][0]["export-size"] == 4 << 20);

    REQUIRE(satori_shim_stop(f.shim) == 0);
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_REMOVED).size() == 2);
}

TEST_CASE("blk options are checked and fixed once the shim runs", "[blk][export][options]")
{
    BlkFixture f;
    CHECK(satori_shim_set_option(f.shim, "blk.no_such_key", "1") == -SATORI_ENOENT);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_tcp", "localhost:10809") == -SATORI_EINVAL);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_tcp", "127.0.0.1:70000") == -SATORI_EINVAL);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_tcp", "127.0.0.1:") == -SATORI_EINVAL);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_tcp", "127.0.0.1") == -SATORI_EINVAL);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_tcp", "") == 0);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_socket", ("/" + std::string(200, 'x')).c_str()) ==
          -SATORI_EINVAL);
    REQUIRE(f.start() == 0);
    CHECK(satori_shim_set_option(f.shim, "blk.nbd_socket", "/tmp/x.sock") == -SATORI_EBUSY);
}

TEST_CASE("a relative socket path is taken from the current directory", "[blk][export][socket]")
{
    BlkFixture f;
    char old[4096];
    REQUIRE(getcwd(old, sizeof(old)));
    REQUIRE(chdir(f.dir.c_str()) == 0);
    int32_t r = satori_shim_set_option(f.shim, "blk.nbd_socket", "rel/nbd.sock");
    REQUIRE(chdir(old) == 0);
    REQUIRE(r == 0);
    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    auto added = f.events_of(SATORI_SHIM_EV_EXPORT_ADDED);
    REQUIRE(added.size() == 1);
    CHECK(added[0].detail == "nbd+unix:///sda?socket=" + f.dir + "/rel/nbd.sock");
    RawNbd c(f.dir + "/rel/nbd.sock");
    CHECK(c.open());
}

TEST_CASE("a stale socket file is replaced", "[blk][export][socket]")
{
    BlkFixture f;
    // a socket file nobody listens on, as a crashed server leaves it
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, f.socket.c_str(), sizeof(sa.sun_path) - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0);
    close(fd);

    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    CHECK(f.log_contains("removing stale socket " + f.socket));
    REQUIRE(f.events_of(SATORI_SHIM_EV_EXPORT_ADDED).size() == 1);
    RawNbd c(f.socket);
    CHECK(c.open("sda"));
}

TEST_CASE("a live server's socket is left alone, and so is a file that is not a socket",
          "[blk][export][socket]")
{
    BlkFixture f;
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path;
    SECTION("another server listens")
    {
        path = f.socket;
        std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
        REQUIRE(bind(other, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0);
        REQUIRE(listen(other, 4) == 0);
    }
    SECTION("a regular file")
    {
        path = f.path("not-a-socket");
        write_random_file(path, 16, 1);
        REQUIRE(satori_shim_set_option(f.shim, "blk.nbd_socket", path.c_str()) == 0);
    }
    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_ADDED).empty());
    auto failed = f.events_of(SATORI_SHIM_EV_PROBE_FAILED);
    REQUIRE(failed.size() == 1);
    CHECK((f.log_contains("another server listens on " + path) ||
           f.log_contains(path + " exists and is not a socket")));
    struct stat st;
    CHECK(lstat(path.c_str(), &st) == 0); // still there
    close(other);
}

TEST_CASE("the default socket lives in a private directory", "[blk][export][socket]")
{
    BlkFixture f;
    std::string runtime = f.path("run");
    REQUIRE(mkdir(runtime.c_str(), 0700) == 0);
    std::string old = getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "";
    setenv("XDG_RUNTIME_DIR", runtime.c_str(), 1);
    REQUIRE(satori_shim_set_option(f.shim, "blk.nbd_socket", "") == 0);
    f.add_disk(ramdisk_config(1, 1 << 20));
    int32_t r = f.start();
    if (old.empty())
        unsetenv("XDG_RUNTIME_DIR");
    else
        setenv("XDG_RUNTIME_DIR", old.c_str(), 1);
    REQUIRE(r == 0);
    auto added = f.events_of(SATORI_SHIM_EV_EXPORT_ADDED);
    REQUIRE(added.size() == 1);
    CHECK(added[0].detail == "nbd+unix:///sda?socket=" + runtime + "/satori/nbd.sock");
    struct stat st;
    REQUIRE(stat((runtime + "/satori").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("a read-only export refuses writes with EPERM", "[blk][export][readonly]")
{
    BlkFixture f;
    auto cfg = ramdisk_config(1, 4 << 20);
    cfg.disk_flags |= SATORI_BLK_F_READ_ONLY;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);
    std::memset(f.ram(1), 0x5a, 4096);

    RawNbd c(f.socket);
    RawNbd::Export e;
    REQUIRE(c.open("sda", &e));
    CHECK((e.flags & nbd::kTflagReadOnly));
    CHECK_FALSE(
        (e.flags & (nbd::kTflagSendTrim | nbd::kTflagSendWriteZeroes | nbd::kTflagSendFua)));
    std::vector<uint8_t> buf(4096, 0xee);
    REQUIRE(c.send_request(nbd::kCmdWrite, 1, 0, 4096));
    REQUIRE(c.write_all(buf.data(), buf.size()));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 1);
    CHECK(r->error == nbd::kEPERM);
    REQUIRE(c.send_request(nbd::kCmdTrim, 2, 0, 4096));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kEPERM);
    REQUIRE(c.send_request(nbd::kCmdWriteZeroes, 3, 0, 4096));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kEPERM);
    REQUIRE(c.send_request(nbd::kCmdRead, 4, 0, 4096));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
    REQUIRE(c.read_exact(buf.data(), buf.size()));
    CHECK(buf == std::vector<uint8_t>(4096, 0x5a));
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_OPS, SATORI_BLK_OP_WRITE) == 0);

    SECTION("libnbd, with its own checks off, gets EPERM from the server")
    {
        SATORI_REQUIRE_LIBNBD();
#if defined(SATORI_HAVE_LIBNBD)
        Nbd n(f.uri(), false);
        REQUIRE(n.ok());
        CHECK(nbd_is_read_only(n.h()) == 1);
        CHECK(n.pwrite(buf.data(), 4096, 0) == EPERM);
        CHECK(n.pread(buf.data(), 4096, 4096) == 0);
#endif
    }
    SECTION("nbdcopy into it fails")
    {
        if (!kNbdcopy.found()) FAIL(kNbdcopy.missing());
        std::string src = f.path("src.img");
        write_random_file(src, 4 << 20, 3);
        auto p =
            run(std::string(kNbdcopy.path) + " " + shell_quote(src) + " " + shell_quote(f.uri()));
        CHECK(p.exit_code != 0);
    }
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE("set_capacity and media_changed reach clients", "[blk][export][capacity]")
{
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 8 << 20));
    REQUIRE(f.start() == 0);

    RawNbd old(f.socket);
    REQUIRE(old.open());
    REQUIRE(f.ctl(1, BLK_RAMDISK_CTL_SET_CAPACITY, (4 << 20) / 512) == 0);
    CHECK(f.log_contains("blk sda: capacity 16384 -> 8192 blocks"));

    // the connected client still believes 8 MiB; the shim checks against 4 MiB now
    std::vector<uint8_t> buf(4096);
    REQUIRE(old.send_request(nbd::kCmdRead, 1, 6 << 20, 4096));
    auto r = old.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kEINVAL);
    REQUIRE(old.send_request(nbd::kCmdWrite, 2, 6 << 20, 4096));
    REQUIRE(old.write_all(buf.data(), buf.size()));
    r = old.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kENOSPC);

    RawNbd fresh(f.socket);
    RawNbd::Export e;
    REQUIRE(fresh.open("sda", &e));
    CHECK(e.size == 4u << 20);

    REQUIRE(f.ctl(1, BLK_RAMDISK_CTL_MEDIA, 0) == 0);
    REQUIRE(fresh.send_request(nbd::kCmdRead, 3, 0, 4096));
    r = fresh.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kEIO);
    REQUIRE(f.ctl(1, BLK_RAMDISK_CTL_MEDIA, 1) == 0);
    REQUIRE(fresh.send_request(nbd::kCmdRead, 4, 0, 4096));
    r = fresh.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
    REQUIRE(fresh.read_exact(buf.data(), buf.size()));
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}
