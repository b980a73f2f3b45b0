// SPDX-License-Identifier: MIT
// Completion faults of the storage host, for the guest's fault matrix (tests/faults): lost,
// duplicated, damaged and reordered completions. Each hook counts down per EXECUTE_SRB
// completion; the host's own bookkeeping (queue depth, resets) always sees the request end.
#include <algorithm>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

void StorvspVsp::drop_next(uint32_t count)
{
    std::lock_guard lock(impl_->mutex);
    impl_->drop_count = count;
}

void StorvspVsp::duplicate_next(uint32_t count)
{
    std::lock_guard lock(impl_->mutex);
    impl_->duplicate_count = count;
}

void StorvspVsp::corrupt_next(uint32_t count)
{
    std::lock_guard lock(impl_->mutex);
    impl_->corrupt_count = count;
}

size_t StorvspVsp::release_held_reversed()
{
    std::vector<detail::storvsp::Outgoing> out;
    {
        std::lock_guard lock(impl_->mutex);
        out.swap(impl_->held);
    }
    impl_->with_stats([](StorvspStats &s) { s.completions_held = 0; });
    std::reverse(out.begin(), out.end());
    for (const detail::storvsp::Outgoing &o : out)
        impl_->deliver(o);
    return out.size();
}

bool StorvspVsp::Impl::deliver_faulty(const detail::storvsp::Outgoing &out)
{
    enum class Fault { none, drop, duplicate, corrupt } f = Fault::none;
    {
        std::lock_guard lock(mutex);
        if (drop_count > 0) {
            --drop_count;
            f = Fault::drop;
        } else if (duplicate_count > 0) {
            --duplicate_count;
            f = Fault::duplicate;
        } else if (corrupt_count > 0) {
            --corrupt_count;
            f = Fault::corrupt;
        }
    }
    switch (f) {
    case Fault::none: return false;
    case Fault::drop: break;
    case Fault::duplicate:
        send(*out.ctx, out.transaction_id, out.payload);
        send(*out.ctx, out.transaction_id, out.payload);
        break;
    case Fault::corrupt: {
        const size_t n = std::min<size_t>(out.payload.size(), 4);
        send(*out.ctx, out.transaction_id, std::span<const std::byte>(out.payload.data(), n));
        break;
    }
    }
    with_stats([](StorvspStats &s) { ++s.faults_injected; });
    retire(out.ctx, out.seq);
    return true;
}

} // namespace satori::sim
