// SPDX-License-Identifier: MIT
// tests/disk_images/test_vhd_qemu.cpp — fixed and dynamic VHD, both ways with qemu-img.
#include "image_fixture.hpp"

using namespace satori::test::img;

namespace {

std::string vpc_opts(const std::string &sub)
{
    return "-o subformat=" + sub + ",force_size=on";
}

} // namespace

TEST_CASE("VHD made by qemu-img reads the same bytes as qemu-img reads", "[disk_images][vhd][qemu]")
{
    require_qemu_img();
    const std::string sub = GENERATE(as<std::string>{}, "fixed", "dynamic");
    const uint64_t size = GENERATE(1 * kMiB, 5 * kMiB + 7 * 512);
    INFO(sub << " " << size);
    TempDir dir;
    make_reference(dir / "ref.raw", size, 11);
    REQUIRE(sh("qemu-img convert -f raw -O vpc " + vpc_opts(sub) + " " + shq(dir / "ref.raw") +
               " " + shq(dir / "img.vhd"))
                .first == 0);
    auto opened = satori::sim::open_vhd_disk(dir / "img.vhd", true);
    REQUIRE(opened);
    REQUIRE(opened.disk->size_bytes() == size);
    CHECK(read_disk(*opened.disk) == read_file(dir / "ref.raw"));
    CHECK(opened.disk->description().find(sub) != std::string::npos);
}

TEST_CASE("VHD written by Satori reads back the same in qemu-img", "[disk_images][vhd][qemu]")
{
    require_qemu_img();
    const std::string sub = GENERATE(as<std::string>{}, "fixed", "dynamic");
    const uint64_t size = GENERATE(1 * kMiB, 9 * kMiB + 3 * 512);
    INFO(sub << " " << size);
    TempDir dir;
    make_reference(dir / "ref.raw", size, 12);
    REQUIRE(sh("qemu-img convert -f raw -O vpc " + vpc_opts(sub) + " " + shq(dir / "ref.raw") +
               " " + shq(dir / "img.vhd"))
                .first == 0);
    auto ref = read_file(dir / "ref.raw");
    {
        auto opened = satori::sim::open_vhd_disk(dir / "img.vhd", false);
        REQUIRE(opened);
        random_writes(*opened.disk, ref, 2 * kMiB, 99);
        CHECK(read_disk(*opened.disk) == ref);
    }
    write_file(dir / "want.raw", ref);
    auto cmp =
        sh("qemu-img compare -f vpc -F raw " + shq(dir / "img.vhd") + " " + shq(dir / "want.raw"));
    INFO(cmp.second);
    CHECK(cmp.first == 0);
    auto again = satori::sim::open_vhd_disk(dir / "img.vhd", true);
    REQUIRE(again);
    CHECK(read_disk(*again.disk) == ref);
}

TEST_CASE("VHD created by Satori is what qemu-img expects", "[disk_images][vhd][qemu]")
{
    require_qemu_img();
    using Type = satori::sim::VhdCreateOptions::Type;
    const Type type = GENERATE(Type::fixed, Type::dynamic);
    TempDir dir;
    const uint64_t size = 6 * kMiB + 512;
    satori::sim::VhdCreateOptions opt;
    opt.type = type;
    opt.size_bytes = size;
    std::string msg;
    REQUIRE(satori::sim::create_vhd(dir / "new.vhd", opt, msg) == 0);
    auto info = sh("qemu-img info -f vpc --output=json " + shq(dir / "new.vhd"));
    INFO(info.second);
    CHECK(info.second.find("\"virtual-size\": " + std::to_string(size)) != std::string::npos);
    std::vector<std::byte> ref(size);
    {
        auto opened = satori::sim::open_vhd_disk(dir / "new.vhd", false);
        REQUIRE(opened);
        random_writes(*opened.disk, ref, opt.block_size, 5);
    }
    write_file(dir / "want.raw", ref);
    auto cmp =
        sh("qemu-img compare -f vpc -F raw " + shq(dir / "new.vhd") + " " + shq(dir / "want.raw"));
    INFO(cmp.second);
    CHECK(cmp.first == 0);
    // Creating over an existing file is refused.
    CHECK(satori::sim::create_vhd(dir / "new.vhd", opt, msg) != 0);
    CHECK(msg.find("new.vhd") != std::string::npos);
}

TEST_CASE("discard on a dynamic VHD unmaps whole blocks and zeros the rest",
          "[disk_images][vhd][discard]")
{
    require_qemu_img();
    TempDir dir;
    const uint64_t size = 8 * kMiB;
    make_reference(dir / "ref.raw", size, 21);
    REQUIRE(sh("qemu-img convert -f raw -O vpc " + vpc_opts("dynamic") + " " +
               shq(dir / "ref.raw") + " " + shq(dir / "img.vhd"))
                .first == 0);
    auto ref = read_file(dir / "ref.raw");
    {
        auto opened = satori::sim::open_vhd_disk(dir / "img.vhd", false);
        REQUIRE(opened);
        auto &d = *opened.disk;
        REQUIRE(d.supports_discard());
        REQUIRE(d.discard_zeroes());
        // Block 1 entirely, then half of block 3 (VHD blocks are 2 MiB).
        REQUIRE(d.discard(2 * kMiB, 2 * kMiB) == 0);
        REQUIRE(d.discard(6 * kMiB + 4096, kMiB) == 0);
        std::fill_n(ref.begin() + 2 * kMiB, 2 * kMiB, std::byte{0});
        std::fill_n(ref.begin() + 6 * kMiB + 4096, kMiB, std::byte{0});
        CHECK(read_disk(d) == ref);
        // A discarded block is allocated again on the next write.
        std::vector<std::byte> one(512, std::byte{0x5a});
        REQUIRE(d.write(2 * kMiB + 512, one) == 0);
        std::fill_n(ref.begin() + 2 * kMiB + 512, 512, std::byte{0x5a});
        CHECK(read_disk(d) == ref);
    }
    write_file(dir / "want.raw", ref);
    CHECK(sh("qemu-img compare -f vpc -F raw " + shq(dir / "img.vhd") + " " + shq(dir / "want.raw"))
              .first == 0);
}

TEST_CASE("VHD from qemu-img without force_size has the CHS size qemu-img reports",
          "[disk_images][vhd][qemu]")
{
    require_qemu_img();
    TempDir dir;
    REQUIRE(
        sh("qemu-img create -q -f vpc -o subformat=dynamic " + shq(dir / "chs.vhd") + " 10000000")
            .first == 0);
    auto info = sh("qemu-img info -f vpc --output=json " + shq(dir / "chs.vhd"));
    const auto pos = info.second.find("\"virtual-size\": ");
    REQUIRE(pos != std::string::npos);
    const uint64_t qemu_size = std::stoull(info.second.substr(pos + 16));
    auto opened = satori::sim::open_vhd_disk(dir / "chs.vhd", true);
    REQUIRE(opened);
    CHECK(opened.disk->size_bytes() == qemu_size);
}
