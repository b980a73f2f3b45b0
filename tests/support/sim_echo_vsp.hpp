// SPDX-License-Identifier: MIT
// tests/support/sim_echo_vsp.hpp — a small VSP for simulator tests: records what it sees,
// echoes in-band packets, completes requests, and reflects GPA-direct buffers.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <satori/sim/vsp.hpp>

#include "support/sim_wire.hpp"

namespace satori::sim::testing {

inline Guid test_guid(uint8_t n)
{
    return Guid::from_fields(0x5a7021d0u + n, 0x1234, 0x4321, {0x80, 0, 0, 0, 0, 0, 0, n});
}

class EchoVsp : public Vsp {
  public:
    explicit EchoVsp(uint8_t n, uint16_t subchannels_on_open = 0)
        : Vsp(make_info(n)), subchannels_(subchannels_on_open)
    {
    }

    static VspInfo make_info(uint8_t n)
    {
        VspInfo info;
        info.class_id = test_guid(n);
        info.instance_id = test_guid(static_cast<uint8_t>(n + 100));
        info.name = "echo" + std::to_string(n);
        info.offer_flags = 0x1;
        info.user_defined[0] = n;
        info.user_defined[119] = 0xEE;
        return info;
    }

    void on_open(HostChannel &ch) override
    {
        if (subchannels_ && ch.sub_channel_index() == 0) ch.offer_subchannels(subchannels_);
        std::lock_guard lock(mutex_);
        ++opens_;
        user_data_.assign(ch.open_user_data().begin(), ch.open_user_data().end());
        cv_.notify_all();
    }
    void on_packet(HostChannel &ch, const HostPacket &pkt) override
    {
        Bytes payload(pkt.payload.begin(), pkt.payload.end());
        if (pkt.type == PacketType::data_using_gpa_direct) {
            // Reflect: read the guest buffer, write it back reversed, complete with its size.
            Bytes data(pkt.gpa_bytes());
            last_gpa_status_ = ch.read_gpa(pkt, 0, data);
            std::reverse(data.begin(), data.end());
            if (last_gpa_status_ == 0) last_gpa_status_ = ch.write_gpa(pkt, 0, data);
            Bytes done(8);
            put<uint64_t>(done, 0, data.size());
            ch.send_completion(pkt.transaction_id, done);
        } else if (pkt.completion_requested()) {
            ch.send_completion(pkt.transaction_id, payload);
        } else if (echo_) {
            ch.send_inband(payload, pkt.transaction_id);
        }
        std::lock_guard lock(mutex_);
        packets_.push_back(payload);
        types_.push_back(pkt.type);
        cv_.notify_all();
    }
    void on_close(HostChannel &) override
    {
        std::lock_guard lock(mutex_);
        ++closes_;
        cv_.notify_all();
    }

    bool wait_opens(size_t n)
    {
        return wait([&] { return opens_ >= n; });
    }
    bool wait_closes(size_t n)
    {
        return wait([&] { return closes_ >= n; });
    }
    bool wait_packets(size_t n)
    {
        return wait([&] { return packets_.size() >= n; });
    }
    size_t opens() const
    {
        std::lock_guard lock(mutex_);
        return opens_;
    }
    size_t closes() const
    {
        std::lock_guard lock(mutex_);
        return closes_;
    }
    size_t packet_count() const
    {
        std::lock_guard lock(mutex_);
        return packets_.size();
    }
    Bytes packet(size_t i) const
    {
        std::lock_guard lock(mutex_);
        return packets_.at(i);
    }
    Bytes user_data() const
    {
        std::lock_guard lock(mutex_);
        return user_data_;
    }
    int32_t last_gpa_status() const { return last_gpa_status_; }
    void set_echo(bool on) { echo_ = on; }

  private:
    template <class P> bool wait(P pred)
    {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, std::chrono::seconds(3), pred);
    }
    uint16_t subchannels_;
    std::atomic<bool> echo_{true};
    std::atomic<int32_t> last_gpa_status_{0};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    Bytes user_data_;
    size_t opens_ = 0, closes_ = 0;
    std::vector<Bytes> packets_;
    std::vector<PacketType> types_;
};

} // namespace satori::sim::testing
