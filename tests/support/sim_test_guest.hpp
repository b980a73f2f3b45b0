// SPDX-License-Identifier: MIT
// tests/support/sim_test_guest.hpp — a raw VMBus guest for simulator tests, built directly
// on the hvlink tables and a memfd (it does not use the shim).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <satori/hvlink.h>
#include <satori/sim/host.hpp>

#include "support/sim_wire.hpp"

namespace satori::sim::testing {

using namespace std::chrono_literals;

constexpr uint32_t kV5_3 = 0x00050003;

/// Guest "physical" memory: a memfd, GPA = offset, with a page bump allocator.
class GuestMemfd {
  public:
    explicit GuestMemfd(size_t bytes) : size_(bytes)
    {
        fd_ = ::memfd_create("satori-test-guest", MFD_CLOEXEC);
        if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(bytes)) != 0)
            throw std::runtime_error("memfd");
        void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap");
        base_ = static_cast<std::byte *>(p);
    }
    ~GuestMemfd()
    {
        ::munmap(base_, size_);
        ::close(fd_);
    }
    GuestMemfd(const GuestMemfd &) = delete;
    GuestMemfd &operator=(const GuestMemfd &) = delete;

    int fd() const { return fd_; }
    size_t size() const { return size_; }
    std::byte *at(uint64_t gpa) const { return base_ + gpa; }
    /// Page-aligned GPA of @p pages fresh (zeroed) pages; page 0 is never handed out.
    uint64_t alloc_pages(size_t pages)
    {
        std::lock_guard lock(mutex_);
        const uint64_t gpa = next_;
        next_ += pages * 4096;
        if (next_ > size_) throw std::runtime_error("test guest memory exhausted");
        return gpa;
    }
    static std::vector<uint64_t> pfns(uint64_t gpa, size_t pages)
    {
        std::vector<uint64_t> out;
        for (size_t i = 0; i < pages; ++i)
            out.push_back((gpa >> 12) + i);
        return out;
    }

  private:
    size_t size_;
    int fd_ = -1;
    std::byte *base_ = nullptr;
    std::mutex mutex_;
    uint64_t next_ = 4096;
};

struct Delivered {
    uint32_t vp = 0, sint = 0, type = 0;
    Bytes bytes;
    uint32_t msgtype() const { return get<uint32_t>(bytes, 0); }
    template <class T> T at(size_t off) const { return get<T>(bytes, off); }
};

/// The guest half of hvlink: records messages and signals, answers nothing by itself.
class TestGuest {
  public:
    /// Called inside deliver_message / signal_event (before the message is queued).
    std::function<void(const Delivered &)> on_deliver;
    std::function<void(uint32_t flag)> on_signal;

    explicit TestGuest(Host &host, size_t mem_bytes = 64u << 20)
        : host_(host), link_(host.hvlink()), mem_(mem_bytes)
    {
        table_.struct_size = sizeof(table_);
        table_.version = SATORI_HVLINK_VERSION;
        table_.guest = this;
        table_.deliver_message = [](void *g, uint32_t vp, uint32_t sint, uint32_t type,
                                    const void *payload, uint32_t size) {
            static_cast<TestGuest *>(g)->delivered(vp, sint, type, payload, size);
        };
        table_.signal_event = [](void *g, uint32_t vp, uint32_t sint, uint32_t flag) {
            static_cast<TestGuest *>(g)->signalled(vp, sint, flag);
        };
    }
    ~TestGuest() { disconnect(); }

    int32_t connect() { return link_->connect(link_->host, &table_, mem_.fd(), mem_.size()); }
    void disconnect() { link_->disconnect(link_->host); }

    GuestMemfd &memory() { return mem_; }
    const satori_hvlink_host *link() const { return link_; }

    uint32_t post(const Bytes &m, uint32_t connection_id = 1)
    {
        return link_->post_message(link_->host, connection_id, 1, m.data(),
                                   static_cast<uint32_t>(m.size()));
    }
    uint32_t signal_host(uint32_t connection_id)
    {
        return link_->signal_event(link_->host, connection_id, 0);
    }

    std::optional<Delivered> next(std::chrono::milliseconds timeout = 3s)
    {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, timeout, [&] { return !inbox_.empty(); })) return std::nullopt;
        Delivered d = std::move(inbox_.front());
        inbox_.pop_front();
        return d;
    }
    /// The next message, which must be of @p type.
    Delivered expect(uint32_t type, std::chrono::milliseconds timeout = 3s)
    {
        auto d = next(timeout);
        INFO("waiting for host message type " << type);
        REQUIRE(d.has_value());
        INFO("got host message type " << d->msgtype());
        REQUIRE(d->msgtype() == type);
        return std::move(*d);
    }
    /// True if no message arrives within @p window (after the host went idle).
    bool quiet(std::chrono::milliseconds window = 100ms)
    {
        host_.sync();
        return !next(window).has_value();
    }

    uint64_t signals(uint32_t flag) const
    {
        std::lock_guard lock(mutex_);
        auto it = signals_.find(flag);
        return it == signals_.end() ? 0 : it->second;
    }
    /// (VP, SINT) of the last signal for @p flag.
    std::pair<uint32_t, uint32_t> last_signal(uint32_t flag) const
    {
        std::lock_guard lock(mutex_);
        auto it = last_signal_.find(flag);
        return it == last_signal_.end() ? std::pair<uint32_t, uint32_t>{~0u, ~0u} : it->second;
    }
    /// Waits until more than @p seen signals arrived for @p flag.
    bool wait_signal(uint32_t flag, uint64_t seen, std::chrono::milliseconds timeout = 3s)
    {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return signals_[flag] > seen; });
    }

    // ---- protocol steps ----

    /// INITIATE_CONTACT (connection id 4 from 5.0 on) and its VERSION_RESPONSE.
    Delivered initiate(uint32_t version)
    {
        const uint32_t conn = version >= 0x00050000 ? 4 : 1;
        const uint64_t page_or_sint = version >= 0x00050000 ? 2 : interrupt_page();
        REQUIRE(post(msg::initiate_contact(version, page_or_sint), conn) ==
                SATORI_HV_STATUS_SUCCESS);
        return expect(msg::kVersionResponse);
    }
    void negotiate(uint32_t version = kV5_3)
    {
        auto r = initiate(version);
        REQUIRE(r.at<uint8_t>(8) == 1);
        REQUIRE(r.at<uint8_t>(9) == 0);
    }
    std::vector<Offer> request_offers()
    {
        REQUIRE(post(msg::header(msg::kRequestOffers, 8)) == SATORI_HV_STATUS_SUCCESS);
        std::vector<Offer> offers;
        for (;;) {
            auto d = next();
            REQUIRE(d.has_value());
            if (d->msgtype() == msg::kAllOffers) return offers;
            REQUIRE(d->msgtype() == msg::kOffer);
            REQUIRE(d->bytes.size() == 196);
            offers.push_back(Offer::parse(d->bytes));
        }
    }
    /// Posts every message of a GPADL and returns GPADL_CREATED's status.
    uint32_t create_gpadl(uint32_t relid, uint32_t handle, const std::vector<msg::Range> &ranges)
    {
        for (const auto &m : msg::gpadl_messages(relid, handle, ranges))
            REQUIRE(post(m) == SATORI_HV_STATUS_SUCCESS);
        auto c = expect(msg::kGpadlCreated);
        CHECK(c.at<uint32_t>(8) == relid);
        CHECK(c.at<uint32_t>(12) == handle);
        return c.at<uint32_t>(16);
    }
    /// A GPADL over @p pages fresh contiguous pages; returns its first GPA.
    uint64_t create_buffer_gpadl(uint32_t relid, uint32_t handle, size_t pages)
    {
        const uint64_t gpa = mem_.alloc_pages(pages);
        REQUIRE(create_gpadl(
                    relid, handle,
                    {{static_cast<uint32_t>(pages * 4096), 0, GuestMemfd::pfns(gpa, pages)}}) == 0);
        return gpa;
    }
    uint64_t interrupt_page()
    {
        if (!interrupt_page_) interrupt_page_ = mem_.alloc_pages(1);
        return interrupt_page_;
    }

  private:
    void delivered(uint32_t vp, uint32_t sint, uint32_t type, const void *payload, uint32_t size)
    {
        Delivered d{vp, sint, type, Bytes(size)};
        std::memcpy(d.bytes.data(), payload, size);
        if (on_deliver) on_deliver(d);
        std::lock_guard lock(mutex_);
        inbox_.push_back(std::move(d));
        cv_.notify_all();
    }
    void signalled(uint32_t vp, uint32_t sint, uint32_t flag)
    {
        if (on_signal) on_signal(flag);
        std::lock_guard lock(mutex_);
        ++signals_[flag];
        last_signal_[flag] = {vp, sint};
        cv_.notify_all();
    }

    Host &host_;
    const satori_hvlink_host *link_;
    GuestMemfd mem_;
    satori_hvlink_guest table_{};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Delivered> inbox_;
    std::map<uint32_t, uint64_t> signals_;
    std::map<uint32_t, std::pair<uint32_t, uint32_t>> last_signal_; ///< flag -> (vp, sint)
    uint64_t interrupt_page_ = 0;
};

} // namespace satori::sim::testing
