// SPDX-License-Identifier: MIT
// tests/disk_images/test_image_detect.cpp — formats are told apart by content, never name.
#include "image_fixture.hpp"

using namespace satori::test::img;
using satori::sim::DiskFormat;

TEST_CASE("format detection reads the content, not the file name", "[disk_images][detect]")
{
    require_qemu_img();
    TempDir dir;
    // Misleading names on purpose.
    REQUIRE(sh("qemu-img create -q -f vhdx " + shq(dir / "a.img") + " 8M").first == 0);
    REQUIRE(sh("qemu-img create -q -f vpc -o subformat=dynamic,force_size=on " +
               shq(dir / "b.vhdx") + " 8M")
                .first == 0);
    REQUIRE(sh("qemu-img create -q -f vpc -o subformat=fixed,force_size=on " + shq(dir / "c.raw") +
               " 8M")
                .first == 0);
    REQUIRE(sh("qemu-img create -q -f raw " + shq(dir / "d.vhd") + " 8M").first == 0);
    struct Case {
        std::string name;
        DiskFormat want;
    } cases[] = {{"a.img", DiskFormat::vhdx},
                 {"b.vhdx", DiskFormat::vhd},
                 {"c.raw", DiskFormat::vhd},
                 {"d.vhd", DiskFormat::raw}};
    for (auto &c : cases) {
        DiskFormat got = DiskFormat::automatic;
        std::string msg;
        INFO(c.name);
        REQUIRE(satori::sim::detect_disk_format(dir / c.name, got, msg));
        CHECK(got == c.want);
        auto opened = satori::sim::open_disk(dir / c.name, true);
        REQUIRE(opened);
        CHECK(opened.disk->size_bytes() == 8 * kMiB);
    }
}

TEST_CASE("a forced format that does not match the content is refused", "[disk_images][detect]")
{
    require_qemu_img();
    TempDir dir;
    REQUIRE(sh("qemu-img create -q -f raw " + shq(dir / "d.img") + " 8M").first == 0);
    auto as_vhdx = satori::sim::open_disk(dir / "d.img", true, DiskFormat::vhdx);
    CHECK_FALSE(as_vhdx);
    CHECK(as_vhdx.message.rfind(dir / "d.img", 0) == 0);
    CHECK(as_vhdx.message.find("VHDX file identifier") != std::string::npos);
    auto as_vhd = satori::sim::open_disk(dir / "d.img", true, DiskFormat::vhd);
    CHECK_FALSE(as_vhd);
    CHECK(as_vhd.message.find("footer") != std::string::npos);
    DiskFormat f;
    CHECK(satori::sim::parse_disk_format("vhdx", f));
    CHECK(f == DiskFormat::vhdx);
    CHECK_FALSE(satori::sim::parse_disk_format("qcow2", f));
}
