// SPDX-License-Identifier: MIT
// fuzz target ring_read — the shim's ring buffer (shim_gpl/core/ring*.c) against a host that
// rewrites indices, lengths and descriptors in shared memory between every step of the guest.
//
// Input: a script of steps. The host side pokes bytes into the data area, moves write_index
// (in ring) or read_index (out ring), sets pending_send_sz / interrupt_mask / feature bits;
// the guest side drains the in ring (mask, read with a fuzzed buffer size, parse the copy as
// the channel does, commit, unmask) and writes packets into the out ring.
// Checked after every step: the reader's private position stays an 8-aligned index inside
// the data area, a packet handed out fits the buffer and is framed by its descriptor, and a
// refused read consumed nothing.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <satori/channel.h>
#include <satori/errno.h>

#include "channel.h"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "ring.h"
#include "vmbus_proto.h"

namespace {

using satori::fuzz::FuzzInput;

constexpr uint32_t kRingBytes = 3 * 4096; // control page + 8 KiB of data

struct alignas(4096) RingMem {
    uint8_t bytes[kRingBytes];
};

void check_reader(const ring &rb)
{
    FUZZ_CHECK(rb.priv_read < rb.data_size && rb.priv_read % 8 == 0);
    // batch_bytes may exceed data_size: a host that overwrites uncommitted space lets the
    // reader consume more than a ring's worth before it commits. Harmless: commit publishes
    // priv_read (checked above) and unmask only says "go on reading".
}

void guest_read(ring &rb, FuzzInput &in)
{
    static uint8_t buf[kRingBytes];
    const uint32_t cap = in.take<uint16_t>() % (sizeof(buf) + 1);
    const uint32_t before = rb.priv_read;
    uint32_t len = 0;
    const int32_t r = ring_read(&rb, buf, cap, &len);
    if (r != 0) {
        FUZZ_CHECK(r == -SATORI_EAGAIN || r == -SATORI_ENOBUFS || r == -SATORI_EPROTO);
        FUZZ_CHECK(rb.priv_read == before); // nothing consumed
        if (r == -SATORI_ENOBUFS) FUZZ_CHECK(len > cap);
        return;
    }
    FUZZ_CHECK(len <= cap && len >= RING_DESC_BYTES && len % 8 == 0);
    satori_packet pkt{};
    const char *why = nullptr;
    if (vmbus_packet_parse(buf, len, &pkt, &why) == 0) {
        FUZZ_CHECK(pkt.data_len <= len);
        FUZZ_CHECK(static_cast<const uint8_t *>(pkt.data) + pkt.data_len == buf + len);
        const size_t ranges = size_t{pkt.range_count} * sizeof(vmbus_xfer_range);
        FUZZ_CHECK(pkt.range_count == 0 || sizeof(vmpacket_xfer_pages) + ranges <= len);
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < pkt.data_len; ++i) // touch every byte handed to a plugin
            sink = sink + static_cast<const uint8_t *>(pkt.data)[i];
    } else {
        FUZZ_CHECK(why != nullptr);
    }
}

void guest_write(ring &rb, FuzzInput &in)
{
    static uint8_t payload[9000];
    const uint32_t n = in.take<uint16_t>() % sizeof(payload);
    std::memset(payload, 0xa5, n);
    vmpacket_desc d{};
    d.type = VM_PKT_DATA_INBAND;
    d.offset8 = 2;
    d.len8 = static_cast<uint16_t>((sizeof(d) + n + 7) / 8);
    d.trans_id = in.take<uint64_t>();
    const ring_iov iov[2] = {{&d, sizeof(d)}, {payload, n}};
    bool signal = false;
    const int32_t r = ring_write(&rb, iov, n ? 2 : 1, &signal);
    FUZZ_CHECK(r == 0 || r == -SATORI_EAGAIN || r == -SATORI_EMSGSIZE || r == -SATORI_EPROTO);
    (void)ring_can_write(&rb, ring_packet_bytes(sizeof(d) + n));
    (void)ring_bytes_to_write(&rb);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static RingMem in_mem, out_mem;
    ring in_ring{}, out_ring{};
    FUZZ_CHECK(ring_init(&in_ring, in_mem.bytes, kRingBytes) == 0);
    FUZZ_CHECK(ring_init(&out_ring, out_mem.bytes, kRingBytes) == 0);
    std::memset(in_ring.data, 0, in_ring.data_size);
    std::memset(out_ring.data, 0, out_ring.data_size);

    FuzzInput in(data, size);
    for (unsigned steps = 0; !in.empty() && steps < 4096; ++steps) {
        switch (in.small(12)) {
        case 0: { // host writes bytes into the in ring's data area (wrapping)
            const uint32_t off = in.take<uint16_t>() % in_ring.data_size;
            const auto b = in.blob(512);
            for (size_t i = 0; i < b.size(); ++i)
                in_ring.data[(off + i) % in_ring.data_size] = b[i];
            break;
        }
        case 1: // host publishes a write_index, often a sane one
            in_ring.ctl->write_index = in.take<uint8_t>() & 1 ? in.take<uint32_t>()
                                                             : (in.take<uint16_t>() * 8u) % in_ring.data_size;
            break;
        case 2: // host writes a well-framed packet header at the guest's position
        {
            vmpacket_desc d{};
            d.type = in.take<uint16_t>();
            d.offset8 = in.take<uint8_t>();
            d.len8 = in.take<uint8_t>();
            d.flags = in.take<uint8_t>();
            d.trans_id = in.take<uint64_t>();
            const uint32_t at = in_ring.priv_read;
            for (size_t i = 0; i < sizeof(d); ++i)
                in_ring.data[(at + i) % in_ring.data_size] = reinterpret_cast<uint8_t *>(&d)[i];
            const uint32_t bytes = (uint32_t{d.len8} * 8u + RING_TRAILER_BYTES) % in_ring.data_size;
            in_ring.ctl->write_index = (at + bytes) % in_ring.data_size;
            break;
        }
        case 3: guest_read(in_ring, in); break;
        case 4: {
            const bool batch = in_ring.batch_bytes != 0;
            (void)ring_read_commit(&in_ring);
            FUZZ_CHECK(in_ring.batch_bytes == 0);
            if (batch) FUZZ_CHECK(in_ring.ctl->read_index == in_ring.priv_read);
            break;
        }
        case 5: ring_read_mask(&in_ring); break;
        case 6: (void)ring_read_unmask(&in_ring); break;
        case 7: in_ring.ctl->pending_send_sz = in.take<uint32_t>(); break;
        case 8: in_ring.ctl->read_index = in.take<uint32_t>(); break; // host scribbles ours
        case 9: guest_write(out_ring, in); break;
        case 10: // host consumes (or lies about consuming) the out ring
            out_ring.ctl->read_index = in.take<uint8_t>() & 1 ? in.take<uint32_t>()
                                                              : out_ring.ctl->write_index;
            break;
        case 11:
            out_ring.ctl->interrupt_mask = in.take<uint32_t>();
            out_ring.ctl->feature_bits = in.take<uint32_t>();
            break;
        }
        check_reader(in_ring);
        (void)ring_bytes_to_read(&in_ring);
    }
    return 0;
}
