// SPDX-License-Identifier: MIT
// tests/disk_images/test_vhd_differencing.cpp — a child VHD over a parent made by qemu-img.
#include "image_fixture.hpp"

using namespace satori::test::img;
using satori::sim::VhdCreateOptions;

namespace {

void make_parent(const TempDir &dir, const std::string &name, uint64_t size)
{
    make_reference(dir / "parent.raw", size, 31);
    REQUIRE(sh("qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on " +
               shq(dir / "parent.raw") + " " + shq(dir / name))
                .first == 0);
}

void make_child(const std::string &child, const std::string &parent)
{
    VhdCreateOptions opt;
    opt.type = VhdCreateOptions::Type::differencing;
    opt.parent = parent;
    std::string msg;
    INFO(msg);
    REQUIRE(satori::sim::create_vhd(child, opt, msg) == 0);
}

} // namespace

TEST_CASE("a differencing VHD reads through to its parent and writes only to itself",
          "[disk_images][vhd][differencing]")
{
    require_qemu_img();
    TempDir dir;
    const uint64_t size = 7 * kMiB + 512;
    make_parent(dir, "parent.vhd", size);
    make_child(dir / "child.vhd", dir / "parent.vhd");
    const auto parent_before = read_file(dir / "parent.vhd");
    auto ref = read_file(dir / "parent.raw");
    {
        auto opened = satori::sim::open_disk(dir / "child.vhd", false);
        REQUIRE(opened);
        CHECK(opened.disk->size_bytes() == size);
        CHECK(opened.disk->description().find("differencing") != std::string::npos);
        CHECK(read_disk(*opened.disk) == ref); // all from the parent
        CHECK_FALSE(opened.disk->supports_discard());
        random_writes(*opened.disk, ref, 2 * kMiB, 8);
        CHECK(read_disk(*opened.disk) == ref);
    }
    CHECK(read_file(dir / "parent.vhd") == parent_before); // the parent is untouched
    auto again = satori::sim::open_disk(dir / "child.vhd", true);
    REQUIRE(again);
    CHECK(read_disk(*again.disk) == ref);

    SECTION("the relative locator finds the parent after both move")
    {
        std::filesystem::create_directory(dir / "moved");
        std::filesystem::rename(dir / "child.vhd", dir / "moved/child.vhd");
        std::filesystem::rename(dir / "parent.vhd", dir / "moved/parent.vhd");
        auto moved = satori::sim::open_disk(dir / "moved/child.vhd", true);
        REQUIRE(moved);
        CHECK(read_disk(*moved.disk) == ref);
    }
    SECTION("the absolute locator finds the parent when only the child moves")
    {
        std::filesystem::create_directory(dir / "elsewhere");
        std::filesystem::rename(dir / "child.vhd", dir / "elsewhere/child.vhd");
        auto moved = satori::sim::open_disk(dir / "elsewhere/child.vhd", true);
        REQUIRE(moved);
        CHECK(read_disk(*moved.disk) == ref);
    }
    SECTION("a missing parent is named")
    {
        std::filesystem::remove(dir / "parent.vhd");
        auto r = satori::sim::open_disk(dir / "child.vhd", true);
        REQUIRE_FALSE(r);
        CHECK(r.message.find("parent image not found") != std::string::npos);
        CHECK(r.message.find("parent.vhd") != std::string::npos);
    }
    SECTION("a replaced parent (another unique id) is refused")
    {
        std::filesystem::remove(dir / "parent.vhd");
        make_parent(dir, "parent.vhd", size);
        auto r = satori::sim::open_disk(dir / "child.vhd", true);
        REQUIRE_FALSE(r);
        CHECK(r.message.find("unique id") != std::string::npos);
    }
}

TEST_CASE("a chain of differencing VHDs, and a loop in a chain", "[disk_images][vhd][differencing]")
{
    require_qemu_img();
    TempDir dir;
    const uint64_t size = 4 * kMiB;
    make_parent(dir, "base.vhd", size);
    make_child(dir / "mid.vhd", dir / "base.vhd");
    make_child(dir / "top.vhd", dir / "mid.vhd");
    auto ref = read_file(dir / "parent.raw");
    {
        auto mid = satori::sim::open_disk(dir / "mid.vhd", false);
        REQUIRE(mid);
        random_writes(*mid.disk, ref, 2 * kMiB, 1, 10);
    }
    {
        auto top = satori::sim::open_disk(dir / "top.vhd", false);
        REQUIRE(top);
        CHECK(read_disk(*top.disk) == ref);
        random_writes(*top.disk, ref, 2 * kMiB, 2, 10);
        CHECK(read_disk(*top.disk) == ref);
    }
    // mid.vhd replaced by a copy of top.vhd: top's parent is then itself through mid.vhd.
    std::filesystem::copy_file(dir / "top.vhd", dir / "mid.vhd",
                               std::filesystem::copy_options::overwrite_existing);
    auto r = satori::sim::open_disk(dir / "top.vhd", true);
    REQUIRE_FALSE(r);
    INFO(r.message);
    CHECK((r.message.find("loops") != std::string::npos ||
           r.message.find("unique id") != std::string::npos));
    // A file whose locator names itself.
    std::filesystem::copy_file(dir / "top.vhd", dir / "self.vhd");
    std::filesystem::remove(dir / "mid.vhd");
    std::filesystem::create_symlink(dir / "self.vhd", dir / "mid.vhd");
    auto s = satori::sim::open_disk(dir / "self.vhd", true);
    REQUIRE_FALSE(s);
    INFO(s.message);
    CHECK(s.message.find("loops back") != std::string::npos);
}
