// SPDX-License-Identifier: MIT
// fuzz target sim_server — the simulated Hyper-V host (sim/) against a hostile guest, through
// the same hvlink table the shim uses: the VMBus server parsing every guest message
// (INITIATE_CONTACT, REQUESTOFFERS, GPADL_HEADER/BODY sequences, OPEN/CLOSECHANNEL, teardown,
// RELID_RELEASED, MODIFYCHANNEL, UNLOAD, ...), the host's ring reader on rings the guest
// builds in its memory, and the devices behind (heartbeat IC, storvsp).
//
// Input: a script of guest actions — post a message (raw, or with a relid the host offered
// patched in at offset 8), write bytes anywhere in guest memory (rings, GPADL pages),
// signal a channel's connection id, wait for the host. Each input is one guest connection;
// it ends with a disconnect, which must join every host thread.
// Checked: no memory error or exception in the host; connect/disconnect keep working.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <satori/hvlink.h>
#include <satori/sim/disk.hpp>
#include <satori/sim/host.hpp>
#include <satori/sim/storvsp.hpp>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

namespace {

using namespace satori;
using satori::fuzz::FuzzInput;

constexpr uint64_t kGuestBytes = 256 * 4096;
constexpr size_t kOfferRelid = 184;  // vmbus.md §3: OFFERCHANNEL child_relid
constexpr size_t kOfferConnId = 188; // ... connection_id

struct Guest {
    std::mutex mu;
    std::vector<uint32_t> relids;
    std::vector<uint32_t> conn_ids;
    uint64_t messages = 0;
};

sim::Host *g_host = nullptr;
int g_fd = -1;
std::byte *g_va = nullptr;
Guest g_guest;

void deliver(void *, uint32_t, uint32_t, uint32_t, const void *payload, uint32_t size)
{
    FUZZ_CHECK(size <= SATORI_HV_MESSAGE_PAYLOAD_MAX);
    std::lock_guard lock(g_guest.mu);
    ++g_guest.messages;
    uint32_t type = 0;
    if (size >= 4) std::memcpy(&type, payload, 4);
    if (type == 1 && size >= kOfferConnId + 4) { // OFFERCHANNEL
        uint32_t relid, conn;
        std::memcpy(&relid, static_cast<const uint8_t *>(payload) + kOfferRelid, 4);
        std::memcpy(&conn, static_cast<const uint8_t *>(payload) + kOfferConnId, 4);
        g_guest.relids.push_back(relid);
        g_guest.conn_ids.push_back(conn);
    }
}

void signal(void *, uint32_t, uint32_t, uint32_t) {}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    sim::HostConfig hc;
    hc.log_level = sim::LogLevel::error;
    hc.log = [](sim::LogLevel, std::string_view) {};
    hc.heartbeat = sim::HeartbeatConfig{};
    hc.send_timeout = std::chrono::milliseconds(50);
    g_host = new sim::Host(hc);
    sim::StorvspConfig sc;
    sc.worker_threads = 1;
    sim::LunConfig lun;
    lun.backend = std::make_shared<sim::MemoryDisk>(256 * 1024);
    sc.luns.push_back(lun);
    g_host->add_device(std::make_shared<sim::StorvspVsp>(sc));
    g_fd = ::memfd_create("fuzz-guest", MFD_CLOEXEC);
    FUZZ_CHECK(g_fd >= 0 && ::ftruncate(g_fd, kGuestBytes) == 0);
    void *p = ::mmap(nullptr, kGuestBytes, PROT_READ | PROT_WRITE, MAP_SHARED, g_fd, 0);
    FUZZ_CHECK(p != MAP_FAILED);
    g_va = static_cast<std::byte *>(p);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in(data, size);
    std::memset(g_va, 0, kGuestBytes);
    {
        std::lock_guard lock(g_guest.mu);
        g_guest.relids.clear();
        g_guest.conn_ids.clear();
    }
    static const satori_hvlink_guest guest = {sizeof(satori_hvlink_guest), SATORI_HVLINK_VERSION,
                                              nullptr, deliver, signal};
    const satori_hvlink_host *h = g_host->hvlink();
    FUZZ_CHECK(h->connect(h->host, &guest, g_fd, kGuestBytes) == 0);

    for (unsigned steps = 0; !in.empty() && steps < 256; ++steps) {
        switch (in.small(6)) {
        case 0:
        case 1: { // a control message
            const uint8_t mode = in.take<uint8_t>();
            uint8_t msg[256]{};
            const uint32_t len = in.take<uint8_t>() % 249; // past the 240-byte limit too
            const auto b = in.bytes(len);
            std::memcpy(msg, b.data(), b.size());
            if (mode & 1) {
                std::lock_guard lock(g_guest.mu);
                if (!g_guest.relids.empty())
                    std::memcpy(msg + 8, &g_guest.relids[(mode >> 1) % g_guest.relids.size()], 4);
            }
            (void)h->post_message(h->host, mode & 0x80 ? 4 : 1, 1, msg, len);
            break;
        }
        case 2: { // guest memory: rings, GPADL pages, packet payloads
            const uint32_t gpa = in.take<uint32_t>() % kGuestBytes;
            const auto b = in.blob(1024);
            const size_t n = std::min<size_t>(b.size(), kGuestBytes - gpa);
            if (n != 0) std::memcpy(g_va + gpa, b.data(), n);
            break;
        }
        case 3: { // signal a channel
            uint32_t conn = in.take<uint16_t>();
            {
                std::lock_guard lock(g_guest.mu);
                if (!g_guest.conn_ids.empty() && (conn & 0x8000) == 0)
                    conn = g_guest.conn_ids[conn % g_guest.conn_ids.size()];
            }
            (void)h->signal_event(h->host, conn, 0);
            break;
        }
        case 4: g_host->sync(); break;
        case 5: std::this_thread::yield(); break;
        }
    }
    g_host->sync();
    h->disconnect(h->host);
    return 0;
}
