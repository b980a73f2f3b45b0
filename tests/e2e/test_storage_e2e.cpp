// SPDX-License-Identifier: MIT
// tests/e2e/test_storage_e2e.cpp — a disk image served by `satori run --sim --disk`, used by
// real NBD clients: every byte goes client -> NBD server (shim) -> storvsc plugin -> VMBus
// ring -> simulated storvsp -> image file, and back.
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <libnbd.h>

#include "storage_fixture.hpp"

using namespace satori::test;
using nlohmann::json;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

struct Nbd {
    explicit Nbd(const std::string &uri) : h(nbd_create())
    {
        REQUIRE(h);
        if (nbd_connect_uri(h, uri.c_str()) != 0)
            FAIL("nbd_connect_uri " << uri << ": " << nbd_get_error());
    }
    ~Nbd()
    {
        nbd_shutdown(h, 0);
        nbd_close(h);
    }
    nbd_handle *h;
};

} // namespace

TEST_CASE("nbdinfo sees the disk's size and block sizes", "[e2e][storage]")
{
    require_tool("nbdinfo", "libnbd-bin");
    TempDir dir;
    make_sparse_file(dir / "disk.img", 48 * kMiB);
    SatoriStorage satori(dir, {dir / "disk.img"});
    auto r = run_process("nbdinfo --json '" + satori.uri() + "'");
    REQUIRE(r.exit_code == 0);
    std::string text;
    for (auto &l : r.lines)
        text += l;
    auto exp = json::parse(text)["exports"][0];
    CHECK(exp["export-size"] == 48 * kMiB);
    CHECK(exp["block_size_minimum"] == 512);
    CHECK(exp["block_size_preferred"] == 4096);
    CHECK(exp["block_size_maximum"].get<uint64_t>() >= 65536);
    CHECK(exp["can_flush"] == true);
    CHECK(exp["can_trim"] == true);
    CHECK(exp["is_read_only"] == false);
}

TEST_CASE("nbdcopy moves 64 MiB in and out byte for byte and qemu-img reads the same", "[e2e][storage]")
{
    require_tool("nbdcopy", "libnbd-bin");
    require_tool("qemu-img", "qemu-utils");
    TempDir dir;
    write_random_file(dir / "src.bin", 64 * kMiB, 42);
    make_sparse_file(dir / "disk.img", 64 * kMiB);
    SatoriStorage satori(dir, {dir / "disk.img"});

    REQUIRE(run_process("nbdcopy '" + dir / "src.bin" + "' '" + satori.uri() + "'").exit_code == 0);
    REQUIRE(run_process("nbdcopy '" + satori.uri() + "' '" + dir / "out.bin" + "'").exit_code == 0);
    CHECK(files_equal(dir / "src.bin", dir / "out.bin"));
    REQUIRE(run_process("qemu-img convert -f raw -O raw '" + satori.uri() + "' '" +
                        dir / "qemu.raw" + "'")
                .exit_code == 0);
    CHECK(files_equal(dir / "src.bin", dir / "qemu.raw"));
    REQUIRE(satori.stop() == 0);
    CHECK(files_equal(dir / "src.bin", dir / "disk.img")); // and it is on the image file
}

TEST_CASE("fio randrw with verify at queue depth 32 finds no errors", "[e2e][storage]")
{
    require_tool("fio", "fio");
    TempDir dir;
    make_sparse_file(dir / "disk.img", 64 * kMiB);
    SatoriStorage satori(dir, {dir / "disk.img"});
    auto r = run_process("fio --name=verify --ioengine=nbd --uri='" + satori.uri() +
                         "' --rw=randrw --bs=4k --iodepth=32 --size=32M --verify=crc32c "
                         "--do_verify=1 --verify_fatal=1 --output-format=json 2>&1");
    std::string text;
    for (auto &l : r.lines)
        text += l + "\n";
    INFO(text);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(text.substr(text.find('{')));
    auto job = j["jobs"][0];
    CHECK(job["error"] == 0);
    CHECK(job["write"]["io_bytes"].get<uint64_t>() > 0);
    CHECK(job["read"]["io_bytes"].get<uint64_t>() > 0);
}

TEST_CASE("trim then read returns zeroes when the disk says so", "[e2e][storage]")
{
    TempDir dir;
    write_random_file(dir / "disk.img", 8 * kMiB, 7);
    SatoriStorage satori(dir, {dir / "disk.img"});
    Nbd nbd(satori.uri());
    REQUIRE(nbd_can_trim(nbd.h) == 1);
    std::vector<char> buf(1 * kMiB);
    REQUIRE(nbd_pread(nbd.h, buf.data(), buf.size(), 2 * kMiB, 0) == 0);
    bool any_nonzero = false;
    for (char c : buf)
        any_nonzero |= c != 0;
    REQUIRE(any_nonzero);
    REQUIRE(nbd_trim(nbd.h, 1 * kMiB, 2 * kMiB, 0) == 0);
    REQUIRE(nbd_flush(nbd.h, 0) == 0);
    REQUIRE(nbd_pread(nbd.h, buf.data(), buf.size(), 2 * kMiB, 0) == 0);
    for (size_t i = 0; i < buf.size(); i++)
        if (buf[i] != 0)
            FAIL("byte " << i << " of the trimmed range is not zero");
    // the neighbours are untouched
    REQUIRE(nbd_pread(nbd.h, buf.data(), 4096, 3 * kMiB, 0) == 0);
    any_nonzero = false;
    for (size_t i = 0; i < 4096; i++)
        any_nonzero |= buf[i] != 0;
    CHECK(any_nonzero);
}

TEST_CASE("a read-only disk refuses writes with EPERM", "[e2e][storage]")
{
    TempDir dir;
    write_random_file(dir / "disk.img", 4 * kMiB, 9);
    SatoriStorage satori(dir, {dir / "disk.img,ro"});
    Nbd nbd(satori.uri());
    CHECK(nbd_is_read_only(nbd.h) == 1);
    std::vector<char> buf(4096, 'x');
    CHECK(nbd_pwrite(nbd.h, buf.data(), buf.size(), 0, 0) == -1);
    CHECK(nbd_get_errno() == EPERM);
    REQUIRE(nbd_pread(nbd.h, buf.data(), buf.size(), 0, 0) == 0); // reads still work
}

TEST_CASE("two disks on two LUNs are two exports", "[e2e][storage]")
{
    TempDir dir;
    write_random_file(dir / "a.img", 2 * kMiB, 1);
    write_random_file(dir / "b.img", 3 * kMiB, 2);
    SatoriStorage satori(dir, {dir / "a.img,lun=0", dir / "b.img,lun=3"});
    Nbd a(satori.uri(0)), b(satori.uri(1));
    int64_t sa = nbd_get_size(a.h), sb = nbd_get_size(b.h);
    CHECK(((sa == 2 * (int64_t)kMiB && sb == 3 * (int64_t)kMiB) ||
           (sa == 3 * (int64_t)kMiB && sb == 2 * (int64_t)kMiB)));
}

TEST_CASE("acknowledged writes followed by FLUSH survive SIGKILL", "[e2e][storage][crash]")
{
    TempDir dir;
    make_sparse_file(dir / "disk.img", 16 * kMiB);
    std::vector<char> pattern(1 * kMiB);
    for (size_t i = 0; i < pattern.size(); i++)
        pattern[i] = static_cast<char>(i * 31 + 7);
    {
        SatoriStorage satori(dir, {dir / "disk.img"});
        Nbd nbd(satori.uri());
        for (uint64_t off = 0; off < 8 * kMiB; off += kMiB)
            REQUIRE(nbd_pwrite(nbd.h, pattern.data(), pattern.size(), off, 0) == 0);
        REQUIRE(nbd_flush(nbd.h, 0) == 0);
        satori.process().signal(SIGKILL);
        CHECK(satori.process().wait_exit() == 128 + SIGKILL);
    }
    std::ifstream img(dir / "disk.img", std::ios::binary);
    std::vector<char> got(pattern.size());
    for (uint64_t off = 0; off < 8 * kMiB; off += kMiB) {
        img.seekg(static_cast<std::streamoff>(off));
        img.read(got.data(), static_cast<std::streamsize>(got.size()));
        REQUIRE(std::memcmp(got.data(), pattern.data(), got.size()) == 0);
    }
}

TEST_CASE("bad --disk options get one clear error each", "[e2e][storage][cli]")
{
    TempDir dir;
    make_sparse_file(dir / "odd.img", 1000);
    std::ofstream(dir / "empty.img").close();
    struct Case {
        std::string arg;
        std::string message;
    };
    std::vector<Case> cases = {
        {dir / "missing.img", "missing.img"},
        {dir / "odd.img", "not a multiple of 512"},
        {dir / "empty.img", "empty"},
        {dir.path(), "not a regular file"},
        {dir / "odd.img,lun=300", "lun must be a number from 0 to 254"},
        {dir / "odd.img,bogus", "unknown option 'bogus'"},
    };
    for (auto &c : cases) {
        INFO(c.arg);
        auto r = run_process(std::string(SATORI_TOOL) + " run --sim --plugins " + SATORI_PLUGIN_DIR +
                             " --disk '" + c.arg + "' 2>&1");
        CHECK(r.exit_code == 1);
        REQUIRE(r.lines.size() >= 1);
        CHECK(r.lines.back().rfind("satori: error: ", 0) == 0);
        CHECK(r.lines.back().find(c.message) != std::string::npos);
    }
}
