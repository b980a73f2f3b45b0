// SPDX-License-Identifier: MIT
// tests/support/ring_host.hpp — the host's side of one ring, written independently of
// core/ (byte-at-a-time modular copies, no shared helpers) so it can check the guest's
// ring code rather than agree with it. Single-threaded use only.
#pragma once

#include <cstdint>
#include <optional>

#include "barrier.h"
#include "ring.h"
#include "support/ring_packet.hpp"

namespace satori::test {

class HostRing {
  public:
    void attach(hv_ring_ctl *ctl, uint8_t *data, uint32_t data_size)
    {
        ctl_ = ctl;
        data_ = data;
        size_ = data_size;
        pos_ = 0;
        signals_ = guest_signals_ = 0;
    }

    // ---- control page words, as the host sees them ----
    uint32_t write_index() const { return barrier_load_acquire_u32(&ctl_->write_index); }
    uint32_t read_index() const { return barrier_load_acquire_u32(&ctl_->read_index); }
    uint32_t interrupt_mask() const { return barrier_load_acquire_u32(&ctl_->interrupt_mask); }
    uint32_t pending_send_sz() const { return barrier_load_acquire_u32(&ctl_->pending_send_sz); }
    uint32_t feature_bits() const { return barrier_load_acquire_u32(&ctl_->feature_bits); }
    void set_write_index(uint32_t v) { barrier_store_release_u32(&ctl_->write_index, v); }
    void set_read_index(uint32_t v) { barrier_store_release_u32(&ctl_->read_index, v); }
    void set_interrupt_mask(uint32_t v) { barrier_store_release_u32(&ctl_->interrupt_mask, v); }
    void set_pending_send_sz(uint32_t v) { barrier_store_release_u32(&ctl_->pending_send_sz, v); }
    void set_feature_bits(uint32_t v) { barrier_store_release_u32(&ctl_->feature_bits, v); }

    // ---- raw data area, offsets taken modulo the data size ----
    void poke(uint32_t off, const Bytes &bytes)
    {
        for (size_t i = 0; i < bytes.size(); ++i)
            data_[(off + i) % size_] = bytes[i];
    }
    Bytes peek(uint32_t off, uint32_t n) const
    {
        Bytes out(n);
        for (uint32_t i = 0; i < n; ++i)
            out[i] = data_[(uint64_t{off} + i) % size_];
        return out;
    }
    uint64_t trailer_at(uint32_t off) const
    {
        uint64_t v = 0;
        Bytes b = peek(off, 8);
        for (int i = 7; i >= 0; --i)
            v = (v << 8) | b[static_cast<size_t>(i)];
        return v;
    }

    uint32_t used() const { return (write_index() + size_ - read_index()) % size_; }
    uint32_t free_bytes() const { return size_ - used(); }

    // ---- the host as writer (the guest's "in" ring) ----
    // Appends @packet (descriptor .. payload, unpadded), zero padding and the trailer if
    // it fits under the strict rule; counts a guest signal per spec §1.3.
    bool write(const Bytes &packet)
    {
        uint32_t start = write_index();
        uint32_t footprint = ring_footprint(packet);
        if (free_bytes() <= footprint) return false;
        poke(start, padded(packet));
        Bytes trailer(8, 0);
        for (int i = 0; i < 4; ++i)
            trailer[4 + static_cast<size_t>(i)] = uint8_t(start >> (8 * i));
        poke(start + round_up8(packet.size()), trailer);
        set_write_index((start + footprint) % size_);
        if (interrupt_mask() == 0 && read_index() == start) ++guest_signals_;
        return true;
    }
    // Signals this host raised to the guest (its writer's decisions).
    uint64_t guest_signals() const { return guest_signals_; }

    // ---- the host as reader (the guest's "out" ring) ----
    struct Packet {
        Bytes bytes;      // descriptor .. len8 * 8
        uint32_t start;   // ring offset of the descriptor
        uint64_t trailer; // the u64 after the packet
    };
    // Next packet after the host's private position, or nothing when empty.
    std::optional<Packet> read()
    {
        uint32_t w = write_index();
        if (pos_ == w) return std::nullopt;
        Bytes d = peek(pos_, sizeof(vmpacket_desc));
        uint32_t len = uint32_t{desc_of(d).len8} * 8u;
        Packet p{peek(pos_, len), pos_, trailer_at((pos_ + len) % size_)};
        pos_ = (pos_ + len + 8u) % size_;
        return p;
    }
    void publish() { set_read_index(pos_); }
    // Reads everything and publishes read_index: an idle, caught-up host.
    void drain()
    {
        while (read()) {
        }
        publish();
    }
    // Restart the host's private read position at the published read_index.
    void sync() { pos_ = read_index(); }
    uint32_t position() const { return pos_; }

    // Signals the guest's writer raised to this host (counted by the fixture).
    void note_signal() { ++signals_; }
    uint64_t signals() const { return signals_; }

  private:
    hv_ring_ctl *ctl_ = nullptr;
    uint8_t *data_ = nullptr;
    uint32_t size_ = 0;
    uint32_t pos_ = 0;
    uint64_t signals_ = 0;
    uint64_t guest_signals_ = 0;
};

} // namespace satori::test
