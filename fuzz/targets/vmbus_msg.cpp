// SPDX-License-Identifier: MIT
// fuzz target vmbus_msg — the shim's VMBus client (shim_gpl/core/vmbus_conn.c, vmbus_gpadl.c,
// channel*.c, requestor.c) driven by a hostile host: every message type, GPADL sequences,
// channel open/close, rescinds, events, and packets in the opened channels' rings.
//
// Single-threaded and deterministic: whenever the guest waits for an answer (connect, GPADL,
// open, teardown, unload, post back-off) the fuzz host delivers the next "burst" of messages
// from the input. A message may be sent raw or "patched": bytes 8..16 copied from the
// guest's last message (relid + GPADL handle / open id), or bytes 8..12 from 12..16 (the
// handle of a GPADL_TEARDOWN), so answers match easily.
// After the handshake the input is a script of guest actions and host packets.
// Checked: no memory error or leak (every allocation of core/ is returned at the end, except
// ring memory the core says it keeps because the host never released it).
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <satori/channel.h>
#include <satori/errno.h>
#include <satori/hvlink.h>

#include "channel.h"
#include "channel_internal.h"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "fuzz_os.hpp"
#include "vmbus.h"
#include "vmbus_proto.h"

namespace {

using satori::fuzz::FuzzInput;
using satori::fuzz::FuzzOs;

struct Offer {
    vmbus_offer *o;
    bool rescinded = false;
    vmbus_channel *ch = nullptr;
    bool closed_cb = false;
};

struct Harness {
    FuzzInput &in;
    FuzzOs os;
    vmbus_conn *conn = nullptr;
    uint8_t last_guest_msg[VMBUS_MSG_MAX]{};
    uint32_t busy_posts = 0;
    std::vector<Offer> offers;
    std::vector<vmbus_channel *> interrupted;
    std::vector<std::pair<size_t, uint32_t>> gpadl_handles;
    unsigned depth = 0;

    explicit Harness(FuzzInput &input) : in(input) {}

    void deliver_burst()
    {
        if (depth > 0) return; // a message handler that waits again gets nothing new
        ++depth;
        const unsigned n = in.small(6);
        for (unsigned i = 0; i < n && !in.empty(); ++i) {
            const uint8_t mode = in.take<uint8_t>();
            uint8_t msg[VMBUS_MSG_MAX + 8]{};
            const uint32_t len = 8u + in.take<uint8_t>() % (VMBUS_MSG_MAX - 8 + 9); // up to 248
            const auto b = in.bytes(len);
            std::memcpy(msg, b.data(), b.size());
            if (mode & 1) std::memcpy(msg + 8, last_guest_msg + 8, 8);
            if (mode & 2) std::memcpy(msg + 8, last_guest_msg + 12, 4); // GPADL_TORNDOWN
            vmbus_conn_on_message(conn, msg, len);
        }
        os.now += 1'000'000;
        --depth;
    }

    static uint32_t post(void *ctx, uint32_t, uint32_t, const void *payload, uint32_t size)
    {
        auto *h = static_cast<Harness *>(ctx);
        FUZZ_CHECK(size <= VMBUS_MSG_MAX && size >= 8);
        std::memset(h->last_guest_msg, 0, sizeof(h->last_guest_msg));
        std::memcpy(h->last_guest_msg, payload, size);
        if (h->busy_posts > 0) {
            --h->busy_posts;
            return SATORI_HV_STATUS_INSUFFICIENT_BUFFERS;
        }
        return SATORI_HV_STATUS_SUCCESS;
    }
    static uint32_t signal(void *, uint32_t, uint16_t) { return SATORI_HV_STATUS_SUCCESS; }

    static void on_offer(void *ctx, vmbus_offer *o)
    {
        auto *h = static_cast<Harness *>(ctx);
        vmbus_offer_get(h->conn, o);
        h->offers.push_back({o});
    }
    static void on_rescind(void *ctx, vmbus_offer *o)
    {
        for (auto &of : static_cast<Harness *>(ctx)->offers)
            if (of.o == o) of.rescinded = true;
    }
    static void on_interrupt(void *ctx, vmbus_channel *ch)
    {
        static_cast<Harness *>(ctx)->interrupted.push_back(ch);
    }

    static void pkt_cb(void *, satori_channel *, const satori_packet *pkt)
    {
        FUZZ_CHECK(pkt->data_len <= pkt->raw_len);
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < pkt->data_len; ++i)
            sink = sink + static_cast<const uint8_t *>(pkt->data)[i];
    }
    static void closed_cb(void *cookie, satori_channel *, int32_t reason)
    {
        FUZZ_CHECK(reason < 0);
        static_cast<Offer *>(cookie)->closed_cb = true;
    }

    Offer *pick_offer()
    {
        if (offers.empty()) return nullptr;
        return &offers[in.take<uint8_t>() % offers.size()];
    }

    void host_packet(Offer &of)
    {
        ring &r = of.ch->in;
        vmpacket_desc d{};
        d.type = in.take<uint8_t>() % 2 ? VM_PKT_COMP : in.take<uint16_t>();
        d.flags = in.take<uint8_t>() % 4 == 0 ? in.take<uint16_t>() : 0;
        d.trans_id = in.take<uint8_t>() % 2 ? in.take<uint64_t>() : in.take<uint8_t>() % 8;
        const auto payload = in.blob(600);
        d.offset8 = in.take<uint8_t>() % 4 == 0 ? in.take<uint8_t>() : 2;
        const uint32_t body = static_cast<uint32_t>(sizeof(d) + payload.size());
        d.len8 = static_cast<uint16_t>((body + 7) / 8);
        const uint32_t total = d.len8 * 8u + RING_TRAILER_BYTES;
        uint32_t w = r.ctl->write_index % r.data_size & ~7u;
        std::vector<uint8_t> bytes(total, 0);
        std::memcpy(bytes.data(), &d, sizeof(d));
        if (!payload.empty()) std::memcpy(bytes.data() + sizeof(d), payload.data(), payload.size());
        const uint64_t trailer = uint64_t{w} << 32;
        std::memcpy(bytes.data() + total - 8, &trailer, 8);
        for (uint32_t i = 0; i < total; ++i)
            r.data[(w + i) % r.data_size] = bytes[i];
        r.ctl->write_index = (w + total) % r.data_size;
        vmbus_conn_on_event(conn, of.o->relid);
    }

    void guest_send(Offer &of)
    {
        uint8_t payload[64]{};
        satori_send s{};
        s.struct_size = sizeof(s);
        s.type = SATORI_PKT_DATA_INBAND;
        s.flags = in.take<uint8_t>() % 2 ? SATORI_PKT_FLAG_COMPLETION_REQUESTED : 0;
        s.trans_id = in.take<uint8_t>();
        s.data = payload;
        s.data_len = in.take<uint8_t>() % sizeof(payload);
        (void)vmbus_channel_send(of.ch, &s);
    }

    void open_channel(Offer &of)
    {
        static const satori_channel_callbacks cbs = {sizeof(satori_channel_callbacks), 0, pkt_cb,
                                                     nullptr, closed_cb};
        vmbus_channel_params p{};
        p.ring_bytes_out = 8192;
        p.ring_bytes_in = 8192 + 4096 * (in.take<uint8_t>() % 2);
        p.max_packet_bytes = 512;
        p.max_outstanding = 4;
        p.cb = &cbs;
        p.cookie = &of;
        vmbus_channel *ch = nullptr;
        if (vmbus_channel_open(conn, of.o, &p, &ch) == 0) of.ch = ch;
    }

    void close_channel(Offer &of)
    {
        vmbus_channel_detach(of.ch);
        vmbus_channel_close(of.ch);
        std::erase(interrupted, of.ch);
        of.ch = nullptr;
    }

    void poll_interrupted()
    {
        std::vector<vmbus_channel *> todo;
        todo.swap(interrupted);
        for (vmbus_channel *ch : todo)
            for (auto &of : offers)
                if (of.ch == ch) vmbus_channel_poll(ch);
    }

    void step()
    {
        switch (in.small(9)) {
        case 0: deliver_burst(); break;
        case 1: vmbus_conn_on_event(conn, in.take<uint16_t>()); break;
        case 2:
            if (Offer *of = pick_offer(); of && !of->ch) open_channel(*of);
            break;
        case 3:
            if (Offer *of = pick_offer(); of && of->ch) host_packet(*of);
            break;
        case 4:
            if (Offer *of = pick_offer(); of && of->ch) guest_send(*of);
            break;
        case 5:
            if (Offer *of = pick_offer(); of && of->ch) close_channel(*of);
            break;
        case 6: { // a plugin GPADL over a few pages, later torn down
            Offer *of = pick_offer();
            if (!of) break;
            uint64_t pfns[24];
            const uint32_t pages = 1 + in.take<uint8_t>() % 24;
            for (uint32_t i = 0; i < pages; ++i)
                pfns[i] = 0x1000 + i;
            uint32_t handle = 0;
            if (vmbus_gpadl_create(conn, of->o, pfns, pages, &handle) == 0)
                gpadl_handles.emplace_back(static_cast<size_t>(of - offers.data()), handle);
            break;
        }
        case 7:
            if (!gpadl_handles.empty()) {
                const size_t i = in.take<uint8_t>() % gpadl_handles.size();
                (void)vmbus_gpadl_teardown(conn, offers[gpadl_handles[i].first].o,
                                           gpadl_handles[i].second);
                gpadl_handles.erase(gpadl_handles.begin() + static_cast<long>(i));
            }
            break;
        case 8: // the runtime's answer to a rescind: close, release the relid
            for (auto &of : offers)
                if (of.rescinded && of.o) {
                    if (of.ch) close_channel(of);
                    vmbus_offer_release(conn, of.o);
                    vmbus_offer_put(conn, of.o);
                    of.o = nullptr;
                }
            std::erase_if(offers, [](const Offer &of) { return of.o == nullptr; });
            break;
        }
        poll_interrupted();
    }

    void run()
    {
        os.on_wait = [this] { deliver_burst(); };
        vmbus_conn_params p{};
        p.os = &os.ops;
        static const hv_adapter hv_template{};
        hv_adapter hv = hv_template;
        hv.ctx = this;
        hv.post_message = post;
        hv.signal_event = signal;
        p.hv = &hv;
        p.ev = {this, nullptr, on_offer, on_rescind, on_interrupt};
        static const uint32_t versions[] = {0, 0x00050003, 0x00040001, 0x00030000, 0x0000000D};
        p.max_version = versions[in.small(5)];
        p.timeout_ns = 1'000'000;
        busy_posts = in.small(3);
        FUZZ_CHECK(vmbus_conn_create(&p, &conn) == 0);
        offers.reserve(64);
        if (vmbus_conn_connect(conn) == 0) {
            for (unsigned steps = 0; !in.empty() && steps < 512; ++steps)
                step();
        }
        for (auto &of : offers)
            if (of.ch) close_channel(of);
        gpadl_handles.clear();
        if (vmbus_conn_connected(conn)) (void)vmbus_conn_disconnect(conn);
        for (auto &of : offers)
            vmbus_offer_put(conn, of.o);
        offers.clear();
        vmbus_conn_destroy(conn);
        const long leaked = os.live - std::min(os.kept_gmem, os.live_gmem);
        if (leaked != 0)
            std::fprintf(stderr, "leaked: %ld allocations, %ld completions, %ld guest-memory blocks (%ld kept)\n",
                         os.live_mem, os.live_comp, os.live_gmem, os.kept_gmem);
        FUZZ_CHECK(leaked == 0);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in(data, size);
    Harness h(in);
    h.run();
    return 0;
}
