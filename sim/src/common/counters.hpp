// SPDX-License-Identifier: MIT
// Host-wide counters, bumped from every simulator thread.
#pragma once

#include <atomic>
#include <cstdint>

#include <satori/sim/host.hpp>

namespace satori::sim::detail {

struct Counters {
    using C = std::atomic<uint64_t>;
    C messages_received{0}, messages_sent{0}, protocol_errors{0};
    C gpadls_created{0}, gpadls_failed{0}, gpadls_torn_down{0};
    C channels_opened{0}, channels_closed{0}, offers_sent{0}, rescinds_sent{0};
    C guest_signals{0}, host_signals{0};
    C packets_received{0}, packets_sent{0}, packets_dropped{0}, ring_errors{0};

    static void bump(C &c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }

    HostCounters snapshot() const noexcept
    {
        auto v = [](const C &c) { return c.load(std::memory_order_relaxed); };
        HostCounters s;
        s.messages_received = v(messages_received);
        s.messages_sent = v(messages_sent);
        s.protocol_errors = v(protocol_errors);
        s.gpadls_created = v(gpadls_created);
        s.gpadls_failed = v(gpadls_failed);
        s.gpadls_torn_down = v(gpadls_torn_down);
        s.channels_opened = v(channels_opened);
        s.channels_closed = v(channels_closed);
        s.offers_sent = v(offers_sent);
        s.rescinds_sent = v(rescinds_sent);
        s.guest_signals = v(guest_signals);
        s.host_signals = v(host_signals);
        s.packets_received = v(packets_received);
        s.packets_sent = v(packets_sent);
        s.packets_dropped = v(packets_dropped);
        s.ring_errors = v(ring_errors);
        return s;
    }
};

} // namespace satori::sim::detail
