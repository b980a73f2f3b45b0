// SPDX-License-Identifier: MIT
// fuzz target storvsp_packet — the simulator's storage host against a hostile guest: the
// sim's packet parser (sim/src/ring/packet_parser.cpp: descriptor, GPA-direct ranges,
// transfer pages) and the storvsp VSP (handshake, vstor packets, SRBs, CDBs, the SCSI disk
// model over a memory disk, GPA copies) — the real classes, driven through a fake channel.
//
// Input: a script. Each packet step is the raw bytes the guest put in its ring (descriptor
// first; the harness frames len8/offset8 as the ring reader would); the sim parses it
// against 64 pages of guest memory and, if valid, hands it to StorvspVsp::on_packet. Other
// steps wait for the worker threads to finish. Checked: no memory error, no exception, no
// uninitialised byte sent, every GPA copy inside guest memory, commands finish in time.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <satori/sim/disk.hpp>
#include <satori/sim/storvsp.hpp>

#include "fake_host_channel.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "memory/guest_memory.hpp"
#include "ring/packet_parser.hpp"

namespace {

using namespace satori;
using satori::fuzz::FuzzInput;

constexpr size_t kGuestPages = 64;

std::unique_ptr<sim::detail::GuestMemory> g_mem;
std::byte *g_mem_va = nullptr;

bool wait_idle(const sim::StorvspVsp &vsp, std::chrono::milliseconds limit)
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (vsp.stats().in_flight != 0) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
}

void one_packet(sim::StorvspVsp &vsp, fuzz::FakeHostChannel &ch, FuzzInput &in)
{
    std::vector<uint8_t> raw = in.blob(2048);
    if (raw.size() < 16) raw.resize(16);
    raw.resize((raw.size() + 7) & ~size_t{7});
    // Frame it as IncomingRing does: len8 covers the copy, 2 <= offset8 <= len8.
    const uint16_t len8 = static_cast<uint16_t>(raw.size() / 8);
    uint16_t offset8;
    std::memcpy(&offset8, raw.data() + 2, 2);
    offset8 = static_cast<uint16_t>(2 + offset8 % (len8 - 1));
    std::memcpy(raw.data() + 2, &offset8, 2);
    std::memcpy(raw.data() + 4, &len8, 2);

    sim::HostPacket pkt;
    const std::string err = sim::detail::ring::parse_packet(
        std::as_bytes(std::span<const uint8_t>(raw)), *g_mem, pkt);
    if (!err.empty()) return;
    for (const auto &r : pkt.gpa_ranges)
        for (uint64_t pfn : r.pfns)
            FUZZ_CHECK(g_mem->pfn_valid(pfn));
    vsp.on_packet(ch, pkt);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    const int fd = ::memfd_create("fuzz-guest", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0 && ::ftruncate(fd, kGuestPages * 4096) == 0);
    int32_t err = 0;
    g_mem = sim::detail::GuestMemory::map(fd, kGuestPages * 4096, err);
    FUZZ_CHECK(g_mem != nullptr);
    g_mem_va = g_mem->at(0, kGuestPages * 4096);
    ::close(fd);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in(data, size);
    sim::StorvspConfig cfg;
    cfg.worker_threads = 1;
    cfg.io_queue_depth = 1 + in.small(16);
    cfg.max_transfer_bytes = 64 * 1024;
    if (in.take<uint8_t>() & 1) cfg.protocol_versions.push_back(sim::kVstorWin10);
    sim::LunConfig lun;
    lun.lun = 0;
    lun.backend = std::make_shared<sim::MemoryDisk>(256 * 1024, in.take<uint8_t>() & 1 ? 4096 : 512);
    lun.serial = "FUZZ0001";
    cfg.luns.push_back(lun);
    auto vsp = std::make_shared<sim::StorvspVsp>(cfg);
    std::memset(g_mem_va, 0x5a, kGuestPages * 4096);
    auto ch = std::make_shared<fuzz::FakeHostChannel>(*vsp, g_mem_va, kGuestPages * 4096);
    vsp->on_open(*ch);
    for (unsigned steps = 0; !in.empty() && steps < 256; ++steps) {
        switch (in.small(8)) {
        case 0: FUZZ_CHECK(wait_idle(*vsp, std::chrono::seconds(5))); break;
        case 1: (void)vsp->remove_lun(0); break;
        default: one_packet(*vsp, *ch, in); break;
        }
        if (ch->paused() && !wait_idle(*vsp, std::chrono::seconds(5))) FUZZ_CHECK(false);
    }
    FUZZ_CHECK(wait_idle(*vsp, std::chrono::seconds(5)));
    ch->close();
    vsp->on_close(*ch);
    return 0;
}
