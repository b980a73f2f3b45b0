// SPDX-License-Identifier: MIT
// Host->guest packets (vmbus.md §2, §8.5 writer duties) and the ring test hooks.
#include "vmbus/channel_runtime.hpp"

#include <chrono>
#include <cstring>

#include <satori/errno.h>

namespace satori::sim::detail {

namespace {

constexpr uint32_t kMaxPacketBytes = 0xFFFFu * 8; // len8 is 16 bits
/// Poll interval while waiting for ring space on a guest that does not signal freed space.
constexpr auto kPollWithoutFeature = std::chrono::milliseconds(10);

size_t round_up8(size_t n)
{
    return (n + 7) & ~size_t{7};
}

/// Descriptor + header + payload + zero padding; nullopt-like empty vector if too big.
std::vector<std::byte> build_packet(uint16_t type, uint16_t flags, uint64_t transaction_id,
                                    std::span<const std::byte> header,
                                    std::span<const std::byte> payload)
{
    const size_t header_end = ring::kDescriptorBytes + header.size();
    const size_t total = round_up8(header_end + payload.size());
    if (total > kMaxPacketBytes || header_end % 8 != 0) return {};
    ring::Descriptor d{type, static_cast<uint16_t>(header_end / 8),
                       static_cast<uint16_t>(total / 8), flags, transaction_id};
    std::vector<std::byte> pkt(total);
    std::memcpy(pkt.data(), &d, sizeof(d));
    if (!header.empty()) std::memcpy(pkt.data() + sizeof(d), header.data(), header.size());
    if (!payload.empty()) std::memcpy(pkt.data() + header_end, payload.data(), payload.size());
    return pkt;
}

} // namespace

int32_t ChannelRuntime::send_inband(std::span<const std::byte> payload, uint64_t transaction_id,
                                    bool completion_requested)
{
    const auto pkt =
        build_packet(ring::kTypeInband, completion_requested ? ring::kFlagCompletionRequested : 0,
                     transaction_id, {}, payload);
    return pkt.empty() ? -SATORI_EMSGSIZE : send_packet(pkt);
}

int32_t ChannelRuntime::send_completion(uint64_t transaction_id, std::span<const std::byte> payload)
{
    const auto pkt = build_packet(ring::kTypeCompletion, 0, transaction_id, {}, payload);
    return pkt.empty() ? -SATORI_EMSGSIZE : send_packet(pkt);
}

int32_t ChannelRuntime::send_xfer_pages(uint16_t pageset_id, std::span<const XferPageRange> ranges,
                                        std::span<const std::byte> payload, uint64_t transaction_id,
                                        bool completion_requested)
{
    if (ranges.size() > kMaxPacketBytes / 8) return -SATORI_EMSGSIZE;
    // {pageset u16, sender_owns_set u8, reserved u8, range_cnt u32, ranges[]} (vmbus.md §2.4)
    std::vector<std::byte> header(8 + ranges.size() * 8);
    const auto count = static_cast<uint32_t>(ranges.size());
    std::memcpy(header.data(), &pageset_id, 2);
    std::memcpy(header.data() + 4, &count, 4);
    for (size_t i = 0; i < ranges.size(); ++i) {
        std::memcpy(header.data() + 8 + i * 8, &ranges[i].byte_count, 4);
        std::memcpy(header.data() + 12 + i * 8, &ranges[i].byte_offset, 4);
    }
    const auto pkt = build_packet(ring::kTypeXferPages,
                                  completion_requested ? ring::kFlagCompletionRequested : 0,
                                  transaction_id, header, payload);
    return pkt.empty() ? -SATORI_EMSGSIZE : send_packet(pkt);
}

int32_t ChannelRuntime::send_packet(std::span<const std::byte> packet)
{
    std::unique_lock lock(send_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return -SATORI_ENODEV;
    if (out_broken_) return -SATORI_EPROTO;
    const auto deadline = std::chrono::steady_clock::now() + env_->send_timeout;
    for (;;) {
        bool signal = false;
        std::string why;
        switch (out_.write(packet, signal, why)) {
        case ring::OutgoingRing::Status::ok:
            out_.clear_pending();
            Counters::bump(env_->counters->packets_sent);
            if (signal) signal_guest();
            return 0;
        case ring::OutgoingRing::Status::too_big:
            env_->log->warn("relid ", p_.relid, ": ", packet.size(),
                            "-byte packet can never fit the host->guest ring");
            return -SATORI_EMSGSIZE;
        case ring::OutgoingRing::Status::corrupt:
            out_broken_ = true;
            env_->log->error("relid ", p_.relid, ": ", why, "; host stops writing this channel");
            Counters::bump(env_->counters->ring_errors);
            return -SATORI_EPROTO;
        case ring::OutgoingRing::Status::full:
            if (const int32_t err = wait_for_space(
                    lock, deadline, static_cast<uint32_t>(packet.size() + ring::kTrailerBytes));
                err != 0) {
                out_.clear_pending();
                return err;
            }
            break;
        }
    }
}

int32_t ChannelRuntime::wait_for_space(std::unique_lock<std::mutex> &send_lock,
                                       std::chrono::steady_clock::time_point deadline,
                                       uint32_t needed)
{
    (void)send_lock; // held throughout: one blocked writer at a time keeps the ring in order
    // The guest promises to signal freed space only if it set the feature bit on its ring.
    const bool guest_signals_space =
        (in_.memory().word(ring::kFeatureBits).load(std::memory_order_relaxed) &
         ring::kFeaturePendingSendSize) != 0;
    std::unique_lock lock(event_mutex_);
    const uint64_t seq = signal_seq_;
    lock.unlock();
    if (out_.announce_pending(needed)) return 0;
    lock.lock();
    for (;;) {
        if (stop_) return -SATORI_ENODEV;
        if (signal_seq_ != seq) return 0; // the guest signalled: re-check space
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            env_->log->warn("relid ", p_.relid, ": host->guest ring full for ",
                            env_->send_timeout.count(), " ms (needs ", needed,
                            " bytes); the guest does not read or does not signal");
            return -SATORI_EAGAIN;
        }
        auto until = deadline;
        if (!guest_signals_space && now + kPollWithoutFeature < until)
            until = now + kPollWithoutFeature;
        if (event_cv_.wait_until(lock, until) == std::cv_status::timeout && !guest_signals_space)
            return 0; // poll
    }
}

int32_t ChannelRuntime::inject(std::span<const std::byte> bytes)
{
    std::vector<std::byte> pkt(round_up8(bytes.size()));
    if (!bytes.empty()) std::memcpy(pkt.data(), bytes.data(), bytes.size());
    std::lock_guard lock(send_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return -SATORI_ENODEV;
    bool signal = false;
    std::string why;
    switch (out_.write(pkt, signal, why)) {
    case ring::OutgoingRing::Status::ok:
        if (signal) signal_guest();
        return 0;
    case ring::OutgoingRing::Status::full:
        return -SATORI_EAGAIN;
    case ring::OutgoingRing::Status::too_big:
        return -SATORI_EMSGSIZE;
    case ring::OutgoingRing::Status::corrupt:
        return -SATORI_EPROTO;
    }
    return -SATORI_EIO;
}

int32_t ChannelRuntime::access_word(RingSide side, RingWord word, uint32_t *write, uint32_t *read)
{
    const auto offset = static_cast<size_t>(word);
    if (offset % 4 != 0 || offset > ring::kHeaderBytes - 4) return -SATORI_EINVAL;
    std::lock_guard lock(send_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return -SATORI_ENODEV;
    std::lock_guard reader_lock(reader_mutex_);
    ring::RingMemory &mem = side == RingSide::guest_to_host ? in_.memory() : out_.memory();
    auto w = mem.word(offset);
    if (write) {
        // The host would overwrite its own index on its next packet: freeze that ring so the
        // injected value is what the guest sees.
        if (side == RingSide::host_to_guest && word == RingWord::write_index) out_broken_ = true;
        if (side == RingSide::guest_to_host && word == RingWord::read_index) in_stopped_ = true;
        w.store(*write, std::memory_order_seq_cst);
    }
    if (read) *read = w.load(std::memory_order_seq_cst);
    return 0;
}

int32_t ChannelRuntime::raise_signal()
{
    std::lock_guard lock(send_mutex_);
    if (closed_.load(std::memory_order_relaxed)) return -SATORI_ENODEV;
    signal_guest();
    return 0;
}

} // namespace satori::sim::detail
