// SPDX-License-Identifier: MIT
// tests/disk_images/test_vhdx_log.cpp — BAT updates go through the VHDX log: a process that
// dies between "log durable" and "BAT in place" leaves an image whose log replay (by Satori
// or by qemu-img) completes the update.
#include "image_fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "vhdx_format.hpp"
#include "vhdx_hooks.hpp"

using namespace satori::test::img;
namespace vhdx = satori::sim::disk::vhdx;

namespace {

const char *g_crash_at = nullptr;

void crash_hook(const char *point)
{
    if (std::strcmp(point, g_crash_at) == 0) _exit(42); // no destructors: a crash
}

/// In a child process: opens @p path, writes 0x77 over [at, at + len) and dies at @p point.
void crash_while_writing(const std::string &path, uint64_t at, size_t len, const char *point)
{
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        g_crash_at = point;
        vhdx::test_crash_hook = crash_hook;
        auto opened = satori::sim::open_vhdx_disk(path, false);
        if (!opened) _exit(1);
        std::vector<std::byte> data(len, std::byte{0x77});
        (void)opened.disk->write(at, data);
        _exit(2); // the crash point was never reached
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 42);
}

/// Whether the current header names a pending log.
bool log_pending(const std::string &path)
{
    vhdx::Header h[2];
    bool ok[2];
    for (int i = 0; i < 2; ++i)
        ok[i] = vhdx::parse_header(read_at(path, vhdx::kHeaderOffset[i], vhdx::kHeaderSize), h[i])
                    .empty();
    const int cur = ok[0] && (!ok[1] || h[0].sequence >= h[1].sequence) ? 0 : 1;
    return !h[cur].log_guid.is_zero();
}

bool block_present(const std::string &path, uint64_t blk)
{
    return vhdx::bat_state(vhdx_bat_entry(path, blk, kMiB)) == vhdx::kPayloadFullyPresent;
}

} // namespace

TEST_CASE("a crash after the log entry and before the BAT write is replayed on open",
          "[disk_images][vhdx][log]")
{
    require_qemu_img();
    const char *point = GENERATE("log-written", "bat-written");
    INFO(point);
    TempDir dir;
    REQUIRE(
        sh("qemu-img create -q -f vhdx -o block_size=1M " + shq(dir / "img.vhdx") + " 8M").first ==
        0);
    std::vector<std::byte> a(64 * kKiB, std::byte{0x11});
    {
        auto opened = satori::sim::open_vhdx_disk(dir / "img.vhdx", false);
        REQUIRE(opened);
        REQUIRE(opened.disk->write(0, a) == 0);
        REQUIRE(opened.disk->flush() == 0);
    }
    CHECK_FALSE(log_pending(dir / "img.vhdx")); // a clean close leaves no log
    crash_while_writing(dir / "img.vhdx", 3 * kMiB, 4096, point);
    REQUIRE(log_pending(dir / "img.vhdx"));
    if (std::string(point) == "log-written") // the BAT in place still says "not present"
        CHECK_FALSE(block_present(dir / "img.vhdx", 3));
    std::filesystem::copy_file(dir / "img.vhdx", dir / "qemu.vhdx");

    SECTION("Satori refuses it read-only, with the reason")
    {
        auto ro = satori::sim::open_vhdx_disk(dir / "img.vhdx", true);
        REQUIRE_FALSE(ro);
        CHECK(ro.message.find("pending log") != std::string::npos);
    }
    SECTION("Satori replays it read-write; the new block is allocated, nothing else changed")
    {
        {
            auto rw = satori::sim::open_vhdx_disk(dir / "img.vhdx", false);
            INFO(rw.message);
            REQUIRE(rw);
            auto all = read_disk(*rw.disk);
            CHECK(std::equal(a.begin(), a.end(), all.begin()));
            // The guest's write never happened (it crashed first): the block reads zeros.
            CHECK(std::all_of(all.begin() + 64 * kKiB, all.end(),
                              [](std::byte b) { return b == std::byte{0}; }));
        }
        CHECK_FALSE(log_pending(dir / "img.vhdx"));
        CHECK(block_present(dir / "img.vhdx", 3));
        auto check = sh("qemu-img check -f vhdx " + shq(dir / "img.vhdx"));
        INFO(check.second);
        CHECK(check.first == 0);
    }
    SECTION("qemu-img replays Satori's log too")
    {
        auto check = sh("qemu-img check -r all -f vhdx " + shq(dir / "qemu.vhdx"));
        INFO(check.second);
        CHECK(check.first == 0);
        CHECK_FALSE(log_pending(dir / "qemu.vhdx"));
        CHECK(block_present(dir / "qemu.vhdx", 3));
        auto rw = satori::sim::open_vhdx_disk(dir / "qemu.vhdx", true);
        REQUIRE(rw);
        auto all = read_disk(*rw.disk);
        CHECK(std::equal(a.begin(), a.end(), all.begin()));
    }
    SECTION("a damaged log entry is refused, naming the log")
    {
        vhdx::Header h;
        REQUIRE(vhdx::parse_header(
                    read_at(dir / "img.vhdx", vhdx::kHeaderOffset[0], vhdx::kHeaderSize), h)
                    .empty());
        // Flip a byte inside every possible entry header of the log.
        for (uint64_t at = 0; at < h.log_length; at += 4096) {
            auto b = read_at(dir / "img.vhdx", h.log_offset + at + 40, 1);
            b[0] ^= std::byte{0xff};
            patch(dir / "img.vhdx", h.log_offset + at + 40, b);
        }
        auto rw = satori::sim::open_vhdx_disk(dir / "img.vhdx", false);
        REQUIRE_FALSE(rw);
        CHECK(rw.message.find("log") != std::string::npos);
    }
}
