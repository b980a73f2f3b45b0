// SPDX-License-Identifier: MIT
// fuzz target disk_image — the simulator's disk-image readers (sim/src/disk: format
// detection, VHD footer/header/BAT/parent locators, VHDX headers/region table/metadata/
// BAT/log replay) on an untrusted image file.
//
// Input: [mode byte] + the image bytes. The image is written to a memfd and opened through
// /proc/self/fd (read-only, or read-write so a VHDX log is replayed); a valid image is then
// read (and, read-write, written) at a few places chosen from its size.
// Checked: no memory error; an image that opens reports a sane geometry, and reads inside
// it succeed or fail with an error code, never crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <satori/sim/disk.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    const int fd = ::memfd_create("fuzz-image", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    size_t off = 1;
    while (off < size) {
        const ssize_t n = ::write(fd, data + off, size - off);
        FUZZ_CHECK(n > 0);
        off += static_cast<size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    static const satori::sim::DiskFormat formats[] = {
        satori::sim::DiskFormat::automatic, satori::sim::DiskFormat::vhd,
        satori::sim::DiskFormat::vhdx, satori::sim::DiskFormat::raw};
    const bool read_only = (mode & 0x10) == 0;
    auto r = satori::sim::open_disk(path, read_only, formats[mode % 4]);
    if (r) {
        auto &disk = *r.disk;
        const uint64_t bytes = disk.size_bytes();
        const uint32_t sector = disk.logical_sector_size();
        FUZZ_CHECK(sector >= 512 && sector % 512 == 0);
        FUZZ_CHECK(bytes % sector == 0);
        std::vector<std::byte> buf(64 * 1024);
        const uint64_t sectors = bytes / sector;
        for (uint64_t i = 0; i < 4 && sectors > 0; ++i) {
            const uint64_t at = (sectors / 4 * i + (mode >> 5) * 7) % sectors * sector;
            const size_t len = static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - at));
            (void)disk.read(at, std::span(buf.data(), len));
            if (!read_only && !disk.read_only())
                (void)disk.write(at, std::span<const std::byte>(buf.data(), std::min<size_t>(len, sector)));
        }
        if (!read_only) (void)disk.flush();
        (void)disk.description();
    } else {
        FUZZ_CHECK(r.error < 0 && !r.message.empty());
    }
    ::close(fd);
    return 0;
}
