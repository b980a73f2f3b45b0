// SPDX-License-Identifier: MIT
// tests/sim/test_disk_raw.cpp — the raw image backend (open errors, read-only, sparse files,
// hole punching) and MemoryDisk.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <satori/errno.h>
#include <satori/sim/disk.hpp>

using namespace satori::sim;
namespace fs = std::filesystem;

namespace {

class TempDir {
  public:
    TempDir()
    {
        static int n = 0;
        path_ = fs::temp_directory_path() /
                ("satori-disk-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string file(const std::string &name, uint64_t size, bool sparse = true) const
    {
        const fs::path p = path_ / name;
        std::ofstream f(p, std::ios::binary);
        if (size > 0) {
            if (sparse) {
                f.seekp(static_cast<long>(size) - 1);
                f.put('\0');
            } else {
                std::string zeros(size, '\0');
                f.write(zeros.data(), static_cast<long>(size));
            }
        }
        return p.string();
    }
    fs::path path() const { return path_; }

  private:
    fs::path path_;
};

/// open_raw_disk as an unprivileged user (root would bypass file permissions): the error
/// message, or "" if it opened.
std::string open_unprivileged(const std::string &path, bool read_only)
{
    if (::geteuid() != 0) {
        DiskOpenResult r = open_raw_disk(path, read_only);
        return r.message;
    }
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
        DiskOpenResult r = open_raw_disk(path, read_only);
        const ssize_t n = ::write(fds[1], r.message.data(), r.message.size());
        ::_exit(n < 0 ? 3 : 0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
        out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

uint64_t allocated_bytes(const std::string &path)
{
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<uint64_t>(st.st_blocks) * 512;
}

std::vector<std::byte> bytes(size_t n, uint8_t seed)
{
    std::vector<std::byte> b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = std::byte(static_cast<uint8_t>(seed + i));
    return b;
}

} // namespace

TEST_CASE("open_raw_disk explains each bad path in one line", "[sim][disk][raw]")
{
    TempDir dir;
    SECTION("missing")
    {
        const std::string p = (dir.path() / "nope.img").string();
        DiskOpenResult r = open_raw_disk(p, false);
        CHECK_FALSE(r);
        CHECK(r.error == -SATORI_ENOENT);
        CHECK(r.message == p + ": no such file");
    }
    SECTION("missing directory on the way")
    {
        const std::string p = (dir.path() / "no" / "such.img").string();
        CHECK(open_raw_disk(p, true).message == p + ": no such file");
    }
    SECTION("a directory")
    {
        const std::string p = dir.path().string();
        DiskOpenResult r = open_raw_disk(p, false);
        CHECK(r.error == -SATORI_EINVAL);
        CHECK(r.message == p + ": not a regular file or block device");
    }
    SECTION("a character device")
    {
        CHECK(open_raw_disk("/dev/null", true).message ==
              "/dev/null: not a regular file or block device");
    }
    SECTION("a FIFO (and opening it does not block)")
    {
        const std::string p = (dir.path() / "fifo").string();
        REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
        CHECK(open_raw_disk(p, true).message == p + ": not a regular file or block device");
    }
    SECTION("empty")
    {
        const std::string p = dir.file("empty.img", 0);
        DiskOpenResult r = open_raw_disk(p, false);
        CHECK(r.error == -SATORI_EINVAL);
        CHECK(r.message == p + ": empty image (0 bytes)");
    }
    SECTION("not a multiple of 512")
    {
        const std::string p = dir.file("odd.img", 1000, false);
        DiskOpenResult r = open_raw_disk(p, true);
        CHECK(r.error == -SATORI_EINVAL);
        CHECK(r.message == p + ": size 1000 bytes is not a multiple of 512");
    }
    SECTION("not readable")
    {
        const std::string p = dir.file("secret.img", 4096);
        REQUIRE(::chmod(p.c_str(), 0000) == 0);
        ::chmod(dir.path().c_str(), 0755);
        CHECK(open_unprivileged(p, true) == p + ": not readable (permission denied)");
    }
    SECTION("not writable")
    {
        const std::string p = dir.file("shared.img", 4096);
        REQUIRE(::chmod(p.c_str(), 0444) == 0);
        ::chmod(dir.path().c_str(), 0755);
        CHECK(open_unprivileged(p, false) ==
              p + ": not writable (permission denied); add ,ro to attach it read-only");
        CHECK(open_unprivileged(p, true).empty());
    }
}

TEST_CASE("a raw disk reads and writes its file and stays sparse", "[sim][disk][raw]")
{
    TempDir dir;
    const std::string p = dir.file("big.img", uint64_t{1} << 30);
    const uint64_t before = allocated_bytes(p);
    DiskOpenResult r = open_raw_disk(p, false);
    REQUIRE(r);
    CHECK(r.error == 0);
    CHECK(r.message.empty());
    DiskBackend &d = *r.disk;
    CHECK(allocated_bytes(p) == before); // nothing written at open
    CHECK(d.size_bytes() == uint64_t{1} << 30);
    CHECK(d.logical_sector_size() == 512);
    CHECK(d.physical_sector_size() == 512);
    CHECK_FALSE(d.read_only());
    CHECK(d.description() == "raw " + p);

    const auto data = bytes(8192, 7);
    CHECK(d.write(512 * 1000, data) == 0);
    CHECK(d.flush() == 0);
    std::vector<std::byte> back(8192);
    CHECK(d.read(512 * 1000, back) == 0);
    CHECK(back == data);
    CHECK(allocated_bytes(p) < (uint64_t{1} << 20)); // still sparse
    std::ifstream f(p, std::ios::binary);
    f.seekg(512 * 1000);
    std::vector<char> raw(8192);
    f.read(raw.data(), 8192);
    CHECK(std::memcmp(raw.data(), data.data(), data.size()) == 0);

    // Out of range is an I/O error, never a short read or a grown file.
    CHECK(d.read((uint64_t{1} << 30) - 512, back) == -SATORI_EIO);
    CHECK(d.write(uint64_t{1} << 30, std::span(data.data(), 512)) == -SATORI_EIO);
    CHECK(fs::file_size(p) == uint64_t{1} << 30);

    if (d.supports_discard()) {
        CHECK(d.discard_zeroes());
        CHECK(d.discard(512 * 1000, 4096) == 0);
        CHECK(d.read(512 * 1000, back) == 0);
        CHECK(std::all_of(back.begin(), back.begin() + 4096,
                          [](std::byte b) { return b == std::byte{0}; }));
        CHECK(std::equal(back.begin() + 4096, back.end(), data.begin() + 4096));
        CHECK(fs::file_size(p) == uint64_t{1} << 30);
    } else {
        WARN("the temp file system cannot punch holes");
    }
}

TEST_CASE("a read-only raw disk refuses writes and discards", "[sim][disk][raw]")
{
    TempDir dir;
    const std::string p = dir.file("ro.img", 1 << 20);
    DiskOpenResult r = open_raw_disk(p, true);
    REQUIRE(r);
    CHECK(r.disk->read_only());
    CHECK_FALSE(r.disk->supports_discard());
    CHECK(r.disk->description() == "raw " + p + " (ro)");
    const auto data = bytes(512, 1);
    CHECK(r.disk->write(0, data) == -SATORI_EPERM);
    CHECK(r.disk->discard(0, 512) == -SATORI_EPERM);
    CHECK(r.disk->flush() == 0);
    std::vector<std::byte> back(512);
    CHECK(r.disk->read(0, back) == 0);
    CHECK(back == std::vector<std::byte>(512));
}

TEST_CASE("MemoryDisk", "[sim][disk][memory]")
{
    MemoryDisk d(1 << 20, 4096);
    CHECK(d.size_bytes() == 1 << 20);
    CHECK(d.logical_sector_size() == 4096);
    CHECK(d.physical_sector_size() == 4096);
    CHECK(d.supports_discard());
    CHECK(d.discard_zeroes());
    const auto data = bytes(8192, 3);
    CHECK(d.write(4096, data) == 0);
    CHECK(d.snapshot(4096, 8192) == data);
    CHECK(d.discard(4096, 4096) == 0);
    CHECK(d.snapshot(4096, 4096) == std::vector<std::byte>(4096));
    CHECK(d.write((1 << 20) - 4096, data) == -SATORI_EIO);
    d.resize(2 << 20);
    CHECK(d.size_bytes() == 2 << 20);
    d.set_read_only(true);
    CHECK(d.write(0, data) == -SATORI_EPERM);
    CHECK(d.flush() == 0);
    CHECK(d.flushes() == 1);
    CHECK(d.description() == "memory 2097152 bytes (ro)");
}
