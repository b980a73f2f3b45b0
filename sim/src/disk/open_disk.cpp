// SPDX-License-Identifier: MIT
// Format detection by content and the one entry point that opens any supported image.
#include <satori/sim/disk.hpp>

#include <array>

#include <satori/errno.h>

#include "image_file.hpp"

namespace satori::sim {

bool parse_disk_format(const std::string &text, DiskFormat &out)
{
    if (text == "auto")
        out = DiskFormat::automatic;
    else if (text == "raw")
        out = DiskFormat::raw;
    else if (text == "vhd" || text == "vpc")
        out = DiskFormat::vhd;
    else if (text == "vhdx")
        out = DiskFormat::vhdx;
    else
        return false;
    return true;
}

const char *to_string(DiskFormat format) noexcept
{
    switch (format) {
    case DiskFormat::automatic:
        return "auto";
    case DiskFormat::raw:
        return "raw";
    case DiskFormat::vhd:
        return "vhd";
    case DiskFormat::vhdx:
        return "vhdx";
    }
    return "?";
}

bool detect_disk_format(const std::string &path, DiskFormat &out, std::string &message)
{
    disk::ImageFile f;
    if (f.open(path, true, message) != 0) {
        // Missing files, block devices and the like: the raw opener gives its own answer.
        out = DiskFormat::raw;
        message.clear();
        return true;
    }
    const uint64_t size = f.size();
    std::array<std::byte, 8> head{};
    if (size >= 8 && f.read(0, head) == 0) {
        if (disk::bytes_equal(head.data(), "vhdxfile", 8)) {
            out = DiskFormat::vhdx;
            return true;
        }
    }
    std::array<std::byte, 8> tail{};
    if (size >= 512 && f.read(size - 512, tail) == 0 &&
        disk::bytes_equal(tail.data(), "conectix", 8)) {
        out = DiskFormat::vhd;
        return true;
    }
    // A dynamic VHD whose last footer is damaged still starts with the footer copy: call it
    // a VHD so that opening it reports the damage instead of serving it as raw bytes.
    if (size >= 512 && disk::bytes_equal(head.data(), "conectix", 8)) {
        out = DiskFormat::vhd;
        return true;
    }
    out = DiskFormat::raw;
    return true;
}

DiskOpenResult open_disk(const std::string &path, bool read_only, DiskFormat format)
{
    if (format == DiskFormat::automatic) {
        std::string message;
        if (!detect_disk_format(path, format, message)) return {nullptr, -SATORI_EIO, message};
    }
    switch (format) {
    case DiskFormat::vhd:
        return open_vhd_disk(path, read_only);
    case DiskFormat::vhdx:
        return open_vhdx_disk(path, read_only);
    default:
        return open_raw_disk(path, read_only);
    }
}

} // namespace satori::sim
