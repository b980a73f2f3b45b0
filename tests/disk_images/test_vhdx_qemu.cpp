// SPDX-License-Identifier: MIT
// tests/disk_images/test_vhdx_qemu.cpp — fixed and dynamic VHDX, both ways with qemu-img.
#include "image_fixture.hpp"

using namespace satori::test::img;

TEST_CASE("VHDX made by qemu-img reads the same bytes as qemu-img reads",
          "[disk_images][vhdx][qemu]")
{
    require_qemu_img();
    const std::string opts = GENERATE(as<std::string>{}, "subformat=dynamic",
                                      "subformat=dynamic,block_size=1M", "subformat=fixed");
    const uint64_t size = GENERATE(1 * kMiB, 11 * kMiB + 5 * 512);
    INFO(opts << " " << size);
    TempDir dir;
    make_reference(dir / "ref.raw", size, 41);
    REQUIRE(sh("qemu-img convert -f raw -O vhdx -o " + opts + " " + shq(dir / "ref.raw") + " " +
               shq(dir / "img.vhdx"))
                .first == 0);
    auto opened = satori::sim::open_vhdx_disk(dir / "img.vhdx", true);
    INFO(opened.message);
    REQUIRE(opened);
    REQUIRE(opened.disk->size_bytes() == size);
    CHECK(opened.disk->logical_sector_size() == 512);
    CHECK(read_disk(*opened.disk) == read_file(dir / "ref.raw"));
}

TEST_CASE("VHDX written by Satori passes qemu-img check and reads back the same",
          "[disk_images][vhdx][qemu]")
{
    require_qemu_img();
    const std::string opts = GENERATE(as<std::string>{}, "subformat=dynamic",
                                      "subformat=dynamic,block_size=1M", "subformat=fixed");
    const uint64_t size = GENERATE(1 * kMiB, 11 * kMiB + 5 * 512);
    INFO(opts << " " << size);
    TempDir dir;
    REQUIRE(sh("qemu-img create -q -f vhdx -o " + opts + " " + shq(dir / "img.vhdx") + " " +
               std::to_string(size))
                .first == 0);
    std::vector<std::byte> ref(size);
    {
        auto opened = satori::sim::open_vhdx_disk(dir / "img.vhdx", false);
        INFO(opened.message);
        REQUIRE(opened);
        random_writes(*opened.disk, ref, kMiB, 77);
        CHECK(read_disk(*opened.disk) == ref);
    }
    auto check = sh("qemu-img check -f vhdx " + shq(dir / "img.vhdx"));
    INFO(check.second);
    CHECK(check.first == 0);
    write_file(dir / "want.raw", ref);
    auto cmp = sh("qemu-img compare -f vhdx -F raw " + shq(dir / "img.vhdx") + " " +
                  shq(dir / "want.raw"));
    INFO(cmp.second);
    CHECK(cmp.first == 0);
    auto again = satori::sim::open_vhdx_disk(dir / "img.vhdx", true);
    REQUIRE(again);
    CHECK(read_disk(*again.disk) == ref);
}

TEST_CASE("a 3 GiB sparse VHDX: writes at the ends, qemu-img agrees", "[disk_images][vhdx][qemu]")
{
    require_qemu_img();
    TempDir dir;
    const uint64_t size = 3ull << 30;
    REQUIRE(sh("qemu-img create -q -f vhdx " + shq(dir / "big.vhdx") + " 3G").first == 0);
    REQUIRE(sh("qemu-img create -q -f raw " + shq(dir / "want.raw") + " 3G").first == 0);
    const uint64_t offsets[] = {0, (1ull << 30) - 4096, size / 2 + 12345 * 512, size - 8192};
    {
        auto opened = satori::sim::open_vhdx_disk(dir / "big.vhdx", false);
        REQUIRE(opened);
        REQUIRE(opened.disk->size_bytes() == size);
        for (uint64_t at : offsets) {
            std::vector<std::byte> data(8192);
            for (size_t i = 0; i < data.size(); ++i)
                data[i] = static_cast<std::byte>((at >> 9) + i * 7);
            REQUIRE(opened.disk->write(at, data) == 0);
            patch(dir / "want.raw", at, data);
        }
        REQUIRE(opened.disk->flush() == 0);
    }
    CHECK(std::filesystem::file_size(dir / "big.vhdx") < 512 * kMiB); // still sparse
    auto check = sh("qemu-img check -f vhdx " + shq(dir / "big.vhdx"));
    INFO(check.second);
    CHECK(check.first == 0);
    auto cmp = sh("qemu-img compare -f vhdx -F raw " + shq(dir / "big.vhdx") + " " +
                  shq(dir / "want.raw"));
    INFO(cmp.second);
    CHECK(cmp.first == 0);
}

TEST_CASE("discard on a VHDX zeroes whole blocks in the BAT", "[disk_images][vhdx][discard]")
{
    require_qemu_img();
    const std::string sub = GENERATE(as<std::string>{}, "dynamic", "fixed");
    const bool fixed = sub == "fixed";
    INFO(sub);
    TempDir dir;
    const uint64_t size = 8 * kMiB;
    make_reference(dir / "ref.raw", size, 51);
    REQUIRE(sh("qemu-img convert -f raw -O vhdx -o block_size=1M,subformat=" + sub + " " +
               shq(dir / "ref.raw") + " " + shq(dir / "img.vhdx"))
                .first == 0);
    auto ref = read_file(dir / "ref.raw");
    {
        auto opened = satori::sim::open_vhdx_disk(dir / "img.vhdx", false);
        REQUIRE(opened);
        auto &d = *opened.disk;
        REQUIRE(d.supports_discard());
        REQUIRE(d.discard(kMiB, 2 * kMiB) == 0);       // blocks 1 and 2
        REQUIRE(d.discard(5 * kMiB + 512, 4096) == 0); // inside block 5
        std::fill_n(ref.begin() + kMiB, 2 * kMiB, std::byte{0});
        std::fill_n(ref.begin() + 5 * kMiB + 512, 4096, std::byte{0});
        CHECK(read_disk(d) == ref);
    }
    // Dynamic: blocks 1 and 2 are "zero" in the BAT now. Fixed (leave blocks allocated):
    // they stay present. Block 5 is present either way.
    namespace vhdx = satori::sim::disk::vhdx;
    const uint64_t freed = fixed ? vhdx::kPayloadFullyPresent : vhdx::kPayloadZero;
    CHECK(vhdx::bat_state(vhdx_bat_entry(dir / "img.vhdx", 1, kMiB)) == freed);
    CHECK(vhdx::bat_state(vhdx_bat_entry(dir / "img.vhdx", 2, kMiB)) == freed);
    CHECK(vhdx::bat_state(vhdx_bat_entry(dir / "img.vhdx", 5, kMiB)) == vhdx::kPayloadFullyPresent);
    CHECK(sh("qemu-img check -f vhdx " + shq(dir / "img.vhdx")).first == 0);
    write_file(dir / "want.raw", ref);
    CHECK(
        sh("qemu-img compare -f vhdx -F raw " + shq(dir / "img.vhdx") + " " + shq(dir / "want.raw"))
            .first == 0);
}
