// SPDX-License-Identifier: MIT
// tests/disk_images/test_image_corrupt.cpp — a corpus of damaged images, each made from a
// valid one by changing one field, refused on open with one message naming the file and
// the problem.
#include "image_fixture.hpp"

#include "crc32c.hpp"
#include "image_file.hpp"
#include "vhd_format.hpp"
#include "vhdx_format.hpp"

using namespace satori::test::img;
namespace dk = satori::sim::disk;
namespace vhd = satori::sim::disk::vhd;
namespace vhdx = satori::sim::disk::vhdx;

namespace {

std::vector<std::byte> be(uint64_t v, int n)
{
    std::vector<std::byte> out(static_cast<size_t>(n));
    dk::store_be(out.data(), n, v);
    return out;
}
std::vector<std::byte> le(uint64_t v, int n)
{
    std::vector<std::byte> out(static_cast<size_t>(n));
    dk::store_le(out.data(), n, v);
    return out;
}

/// Re-seals a VHD footer (or dynamic header) after a field changed.
void reseal_vhd(const std::string &path, uint64_t at, size_t len, size_t checksum_field)
{
    auto raw = read_at(path, at, len);
    patch(path, at + checksum_field, be(vhd::checksum(raw, checksum_field), 4));
}

void reseal_crc(const std::string &path, uint64_t at, size_t len)
{
    auto raw = read_at(path, at, len);
    patch(path, at + 4, le(dk::crc32c_without_field(raw, 4), 4));
}

void expect_refused(const std::string &path, const std::string &words)
{
    auto r = satori::sim::open_disk(path, false);
    INFO("message: " << r.message);
    REQUIRE_FALSE(r);
    CHECK(r.message.rfind(path + ": ", 0) == 0);
    CHECK(r.message.find(words) != std::string::npos);
    CHECK(r.message.find('\n') == std::string::npos);
}

} // namespace

TEST_CASE("damaged VHD images are refused with a clear message", "[disk_images][vhd][corrupt]")
{
    require_qemu_img();
    TempDir dir;
    const std::string img = dir / "img.vhd";
    make_reference(dir / "ref.raw", 6 * kMiB, 61);
    REQUIRE(sh("qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on " +
               shq(dir / "ref.raw") + " " + shq(img))
                .first == 0);
    const uint64_t fsize = std::filesystem::file_size(img);
    const uint64_t footer = fsize - 512;
    auto dyn = read_at(img, footer, 512);
    const uint64_t dh = dk::be64(dyn.data() + vhd::kFtDataOffset);
    const uint64_t bat = dk::be64(read_at(img, dh + vhd::kDhTableOffset, 8).data());

    SECTION("flipped footer checksum")
    {
        auto b = read_at(img, footer + vhd::kFtChecksum, 1);
        b[0] ^= std::byte{1};
        patch(img, footer + vhd::kFtChecksum, b);
        expect_refused(img, "footer checksum mismatch");
    }
    SECTION("BAT entry past the end of the file")
    {
        patch(img, bat, be(fsize / 512 + 100, 4));
        expect_refused(img, "past the end");
    }
    SECTION("two BAT entries share a block")
    {
        auto first = read_at(img, bat, 4);
        REQUIRE(dk::be32(first.data()) != vhd::kBatUnused);
        patch(img, bat + 4, first);
        expect_refused(img, "overlap");
    }
    SECTION("dynamic header checksum")
    {
        patch(img, dh + vhd::kDhBlockSize, be(3 << 20, 4));
        expect_refused(img, "dynamic header checksum mismatch");
    }
    SECTION("block size not a power of two")
    {
        patch(img, dh + vhd::kDhBlockSize, be(3 << 20, 4));
        reseal_vhd(img, dh, 1024, vhd::kDhChecksum);
        expect_refused(img, "block size");
    }
    SECTION("huge virtual size")
    {
        patch(img, footer + vhd::kFtCurrentSize, be(uint64_t{1} << 50, 8));
        patch(img, footer + vhd::kFtCreatorApp,
              {std::byte{'w'}, std::byte{'i'}, std::byte{'n'}, std::byte{' '}});
        reseal_vhd(img, footer, 512, vhd::kFtChecksum);
        expect_refused(img, "larger than");
    }
    SECTION("virtual size larger than the BAT covers")
    {
        patch(img, footer + vhd::kFtCurrentSize, be(64 * kMiB, 8));
        patch(img, footer + vhd::kFtCreatorApp,
              {std::byte{'w'}, std::byte{'i'}, std::byte{'n'}, std::byte{' '}});
        reseal_vhd(img, footer, 512, vhd::kFtChecksum);
        expect_refused(img, "blocks are needed");
    }
    SECTION("BAT offset outside the file")
    {
        patch(img, dh + vhd::kDhTableOffset, be(fsize * 4, 8));
        reseal_vhd(img, dh, 1024, vhd::kDhChecksum);
        expect_refused(img, "lies outside the file");
    }
    SECTION("truncated file")
    {
        std::filesystem::resize_file(img, 300);
        auto r = satori::sim::open_vhd_disk(img, false);
        REQUIRE_FALSE(r);
        CHECK(r.message.find("too small") != std::string::npos);
    }
    SECTION("a truncated fixed disk")
    {
        REQUIRE(sh("qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on " +
                   shq(dir / "ref.raw") + " " + shq(dir / "fixed.vhd"))
                    .first == 0);
        auto ft = read_at(dir / "fixed.vhd", 6 * kMiB, 512);
        std::filesystem::resize_file(dir / "fixed.vhd", 3 * kMiB);
        patch(dir / "fixed.vhd", 3 * kMiB, ft);
        expect_refused(dir / "fixed.vhd", "truncated");
    }
}

TEST_CASE("damaged VHDX images are refused with a clear message", "[disk_images][vhdx][corrupt]")
{
    require_qemu_img();
    TempDir dir;
    const std::string img = dir / "img.vhdx";
    make_reference(dir / "ref.raw", 6 * kMiB, 62);
    REQUIRE(sh("qemu-img convert -f raw -O vhdx -o block_size=1M " + shq(dir / "ref.raw") + " " +
               shq(img))
                .first == 0);
    const uint64_t fsize = std::filesystem::file_size(img);
    // Find the BAT and metadata regions from region table 1.
    auto rt = read_at(img, vhdx::kRegionOffset[0], vhdx::kRegionTableSize);
    uint64_t bat = 0, meta = 0;
    size_t bat_entry = 0, meta_entry = 0;
    for (uint32_t i = 0; i < dk::le32(rt.data() + 8); ++i) {
        const std::byte *e = rt.data() + 16 + i * 32;
        if (vhdx::read_guid(e) == vhdx::kRegionBat) {
            bat = dk::le64(e + 16);
            bat_entry = i;
        }
        if (vhdx::read_guid(e) == vhdx::kRegionMetadata) {
            meta = dk::le64(e + 16);
            meta_entry = i;
        }
    }
    REQUIRE(bat != 0);
    REQUIRE(meta != 0);
    auto meta_item = [&](const satori::sim::Guid &id) -> uint64_t {
        auto t = read_at(img, meta, 64 * 1024);
        for (uint16_t i = 0; i < dk::le16(t.data() + 10); ++i) {
            const std::byte *e = t.data() + 32 + i * 32;
            if (vhdx::read_guid(e) == id) return meta + dk::le32(e + 16);
        }
        FAIL("metadata item missing");
        return 0;
    };
    auto both_region_tables = [&](size_t entry, size_t field, std::vector<std::byte> v) {
        for (uint64_t at : vhdx::kRegionOffset) {
            patch(img, at + 16 + entry * 32 + field, v);
            reseal_crc(img, at, vhdx::kRegionTableSize);
        }
    };

    SECTION("one bad header: the other one is used")
    {
        auto b = read_at(img, vhdx::kHeaderOffset[0] + 100, 1);
        b[0] ^= std::byte{0xff};
        patch(img, vhdx::kHeaderOffset[0] + 100, b);
        auto r = satori::sim::open_disk(img, true);
        INFO(r.message);
        CHECK(r);
    }
    SECTION("both headers bad")
    {
        for (uint64_t at : vhdx::kHeaderOffset) {
            auto b = read_at(img, at + 100, 1);
            b[0] ^= std::byte{0xff};
            patch(img, at + 100, b);
        }
        expect_refused(img, "both VHDX headers are invalid");
    }
    SECTION("both region tables bad")
    {
        for (uint64_t at : vhdx::kRegionOffset)
            patch(img, at + 4, le(0x12345678, 4));
        expect_refused(img, "region tables are invalid");
    }
    SECTION("BAT entry past the end of the file")
    {
        patch(img, bat, le(vhdx::bat_entry(vhdx::kPayloadFullyPresent, fsize + 64 * kMiB), 8));
        expect_refused(img, "past the end of the file");
    }
    SECTION("BAT entry in the metadata region")
    {
        patch(img, bat, le(vhdx::bat_entry(vhdx::kPayloadFullyPresent, meta), 8));
        expect_refused(img, "points into");
    }
    SECTION("BAT entry with an invalid state")
    {
        patch(img, bat, le(vhdx::kPayloadPartiallyPresent, 8));
        expect_refused(img, "partially present");
    }
    SECTION("overlapping regions")
    {
        both_region_tables(meta_entry, 16, le(bat, 8));
        expect_refused(img, "overlap");
    }
    SECTION("region past the end of the file")
    {
        both_region_tables(bat_entry, 16, le(fsize / kMiB * kMiB + 16 * kMiB, 8));
        expect_refused(img, "inside the file");
    }
    SECTION("huge virtual size")
    {
        patch(img, meta_item(vhdx::kMetaVirtualDiskSize), le(uint64_t{1} << 60, 8));
        expect_refused(img, "virtual disk size");
    }
    SECTION("virtual size larger than the BAT region holds")
    {
        patch(img, meta_item(vhdx::kMetaVirtualDiskSize), le(uint64_t{1} << 40, 8));
        expect_refused(img, "too small");
    }
    SECTION("block size not a power of two")
    {
        patch(img, meta_item(vhdx::kMetaFileParameters), le(3 * kMiB, 4));
        expect_refused(img, "block size");
    }
    SECTION("logical sector size 1000")
    {
        patch(img, meta_item(vhdx::kMetaLogicalSector), le(1000, 4));
        expect_refused(img, "logical sector size");
    }
    SECTION("a differencing VHDX (has-parent) is refused, not misread")
    {
        patch(img, meta_item(vhdx::kMetaFileParameters) + 4, le(2, 4));
        expect_refused(img, "differencing VHDX");
    }
    SECTION("truncated below the headers")
    {
        std::filesystem::resize_file(img, 100 * 1024);
        expect_refused(img, "too small");
    }
}
