// SPDX-License-Identifier: MIT
// tests/disk_images/image_fixture.hpp — temporary directories, qemu-img, reference images
// and random I/O mirrored into a reference, for the VHD/VHDX tests.
#pragma once

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <satori/sim/disk.hpp>

#include "support/process.hpp"
#include "image_file.hpp"
#include "vhdx_format.hpp"

#include <catch2/catch.hpp>

namespace satori::test::img {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;

class TempDir {
  public:
    TempDir()
    {
        char tmpl[] = "/tmp/satori-img-XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string operator/(const std::string &name) const { return path_ + "/" + name; }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

/// Runs a shell command; returns its exit code and (stdout and stderr) text.
inline std::pair<int, std::string> sh(const std::string &cmd)
{
    auto r = run_process(cmd + " 2>&1");
    std::string text;
    for (auto &l : r.lines)
        text += l + "\n";
    return {r.exit_code, text};
}

/// Fails (never skips) when qemu-img is missing.
inline void require_qemu_img()
{
    if (sh("command -v qemu-img").first != 0)
        FAIL("qemu-img is not installed: install the Debian package qemu-utils");
}

/// A raw file of @p size bytes: random data in some 64 KiB pieces, holes elsewhere.
inline void make_reference(const std::string &path, uint64_t size, uint32_t seed)
{
    std::filesystem::remove(path);
    {
        std::ofstream(path, std::ios::binary).close();
    }
    std::filesystem::resize_file(path, size);
    std::mt19937_64 rng(seed);
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    std::vector<char> buf(64 * kKiB);
    for (uint64_t at = 0; at < size; at += 64 * kKiB) {
        if (rng() % 3 == 0) continue; // keep a hole
        for (auto &c : buf)
            c = static_cast<char>(rng());
        f.seekp(static_cast<std::streamoff>(at));
        f.write(buf.data(),
                static_cast<std::streamsize>(std::min<uint64_t>(buf.size(), size - at)));
    }
}

inline std::vector<std::byte> read_file(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(c.size());
    std::memcpy(out.data(), c.data(), c.size());
    return out;
}

inline void write_file(const std::string &path, const std::vector<std::byte> &data)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(data.data()),
               static_cast<std::streamsize>(data.size()));
}

/// Patches bytes of an existing file in place.
inline void patch(const std::string &path, uint64_t offset, const std::vector<std::byte> &bytes)
{
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<std::byte> read_at(const std::string &path, uint64_t offset, size_t len)
{
    std::vector<std::byte> out(len);
    std::ifstream f(path, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    f.read(reinterpret_cast<char *>(out.data()), static_cast<std::streamsize>(len));
    return out;
}

/// Every byte of @p disk.
inline std::vector<std::byte> read_disk(sim::DiskBackend &disk)
{
    std::vector<std::byte> out(disk.size_bytes());
    for (uint64_t at = 0; at < out.size(); at += 4 * kMiB) {
        const auto n = std::min<uint64_t>(4 * kMiB, out.size() - at);
        REQUIRE(disk.read(at, std::span(out.data() + at, n)) == 0);
    }
    return out;
}

/// Random writes (sizes and offsets in sectors, including the last sector and ranges across
/// @p block boundaries) applied to @p disk and to the same offsets of @p ref.
inline void random_writes(sim::DiskBackend &disk, std::vector<std::byte> &ref, uint64_t block,
                          uint32_t seed, int count = 40)
{
    std::mt19937_64 rng(seed);
    const uint64_t sectors = ref.size() / 512;
    auto one = [&](uint64_t first, uint64_t n) {
        std::vector<std::byte> data(n * 512);
        for (auto &b : data)
            b = static_cast<std::byte>(rng());
        REQUIRE(disk.write(first * 512, data) == 0);
        std::memcpy(ref.data() + first * 512, data.data(), data.size());
    };
    one(sectors - 1, 1); // the last sector
    if (ref.size() > block) {
        const uint64_t b = block / 512;
        one(b - 3, 6); // across the first block boundary
    }
    for (int i = 0; i < count; ++i) {
        const uint64_t n = 1 + rng() % std::min<uint64_t>(256, sectors);
        one(rng() % (sectors - n + 1), n);
    }
    REQUIRE(disk.flush() == 0);
}

inline std::string shq(const std::string &s)
{
    return "'" + s + "'";
}

/// The raw BAT entry of payload block @p blk of a VHDX with 512-byte sectors and
/// @p block_size blocks, read straight from the file (region table 1).
inline uint64_t vhdx_bat_entry(const std::string &path, uint64_t blk, uint64_t block_size)
{
    namespace dk = satori::sim::disk;
    auto rt = read_at(path, dk::vhdx::kRegionOffset[0], dk::vhdx::kRegionTableSize);
    for (uint32_t i = 0; i < dk::le32(rt.data() + 8) && i < 2047; ++i) {
        const std::byte *e = rt.data() + 16 + i * 32;
        if (dk::vhdx::read_guid(e) != dk::vhdx::kRegionBat) continue;
        const uint64_t ratio = (uint64_t{1} << 23) * 512 / block_size;
        return dk::le64(read_at(path, dk::le64(e + 16) + (blk + blk / ratio) * 8, 8).data());
    }
    FAIL("no BAT region in " + path);
    return 0;
}

} // namespace satori::test::img
