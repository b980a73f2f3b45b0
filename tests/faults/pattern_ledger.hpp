// SPDX-License-Identifier: MIT
// tests/faults/pattern_ledger.hpp — a checksummed write pattern and the ledger of what the
// client was promised. Every 512-byte sector carries {magic, seed, lba, generation,
// checksum} and a filler derived from them, so a sector read back proves which write it
// holds. The ledger records, per sector, the newest generation that was acknowledged AND
// followed by an acknowledged FLUSH (durable) and every generation issued after it (which
// may or may not have landed). A sector is good if it holds one of those; anything older
// than the durable generation is a lost write.
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace satori::test::faults {

inline constexpr uint32_t kSector = 512;
inline constexpr uint32_t kPatternMagic = 0x5a7f4a17;

inline uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

inline uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u; // FNV-1a
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/// The bytes generation @p gen of sector @p lba holds.
inline std::vector<uint8_t> sector_pattern(uint32_t seed, uint64_t lba, uint32_t gen)
{
    std::vector<uint8_t> s(kSector);
    uint64_t x = mix(seed ^ mix(lba) ^ (uint64_t{gen} << 40));
    for (uint32_t i = 24; i < kSector; i += 8) {
        x = mix(x + i);
        std::memcpy(&s[i], &x, 8);
    }
    std::memcpy(&s[0], &kPatternMagic, 4);
    std::memcpy(&s[4], &seed, 4);
    std::memcpy(&s[8], &lba, 8);
    std::memcpy(&s[16], &gen, 4);
    const uint32_t c = checksum(s.data() + 24, kSector - 24) ^ checksum(s.data(), 20);
    std::memcpy(&s[20], &c, 4);
    return s;
}

/// What a sector read back holds: its generation, or -1 (not a valid sector of this seed),
/// or 0 for an all-zero (never written) sector.
inline int64_t sector_generation(const uint8_t *p, uint32_t seed, uint64_t lba)
{
    if (std::all_of(p, p + kSector, [](uint8_t b) { return b == 0; })) return 0;
    uint32_t gen;
    std::memcpy(&gen, p + 16, 4);
    const auto want = sector_pattern(seed, lba, gen);
    return std::memcmp(want.data(), p, kSector) == 0 ? static_cast<int64_t>(gen) : -1;
}

class Ledger {
  public:
    explicit Ledger(uint32_t seed) : seed_(seed) {}
    uint32_t seed() const { return seed_; }

    void issued(uint64_t lba, uint32_t sectors, uint32_t gen)
    {
        for (uint32_t i = 0; i < sectors; ++i)
            pending_[lba + i].insert(gen);
    }
    void acked(uint64_t lba, uint32_t sectors, uint32_t gen)
    {
        for (uint32_t i = 0; i < sectors; ++i) {
            acked_[lba + i] = std::max(acked_[lba + i], gen);
            acked_gens_[lba + i].insert(gen);
        }
    }
    /// An acknowledged FLUSH: every write acknowledged before it is durable.
    void flushed()
    {
        for (auto &[lba, gen] : acked_) {
            if (gen <= durable_[lba]) continue;
            durable_[lba] = gen;
            auto &p = pending_[lba];
            p.erase(p.begin(), p.lower_bound(gen)); // older issues no longer acceptable
        }
    }

    /// "" if sector @p lba's bytes are acceptable, else what is wrong.
    std::string check(uint64_t lba, const uint8_t *bytes) const
    {
        const int64_t gen = sector_generation(bytes, seed_, lba);
        const auto d = durable_.find(lba);
        const uint32_t durable = d == durable_.end() ? 0 : d->second;
        if (gen < 0) {
            // A write that failed (or got no answer) leaves its sectors unspecified (NBD):
            // tolerated, but counted, because the bytes may come from another request.
            if (failed_target(lba)) {
                ++foreign_;
                return "";
            }
            uint64_t says_lba;
            uint32_t says_gen;
            std::memcpy(&says_lba, bytes + 8, 8);
            std::memcpy(&says_gen, bytes + 16, 4);
            return "sector " + std::to_string(lba) + ": damaged (says lba " + std::to_string(says_lba) +
                   " generation " + std::to_string(says_gen) + ")";
        }
        if (static_cast<uint32_t>(gen) == durable) return "";
        const auto p = pending_.find(lba);
        if (p != pending_.end() && p->second.count(static_cast<uint32_t>(gen))) return "";
        return "sector " + std::to_string(lba) + ": holds generation " + std::to_string(gen) +
               ", durable was " + std::to_string(durable) + (gen < durable ? " (write LOST)" : "");
    }

    /// Sectors that held bytes of no write of theirs (tolerated: targets of failed writes).
    size_t foreign_sectors() const { return foreign_; }

    size_t durable_sectors() const
    {
        size_t n = 0;
        for (const auto &[lba, gen] : durable_)
            n += gen != 0;
        return n;
    }

  private:
    bool failed_target(uint64_t lba) const
    {
        const auto p = pending_.find(lba);
        if (p == pending_.end()) return false;
        const auto a = acked_gens_.find(lba);
        for (uint32_t gen : p->second)
            if (a == acked_gens_.end() || !a->second.count(gen)) return true;
        return false;
    }

    uint32_t seed_;
    mutable size_t foreign_ = 0;
    std::map<uint64_t, std::set<uint32_t>> acked_gens_;
    std::map<uint64_t, uint32_t> durable_;
    std::map<uint64_t, uint32_t> acked_;
    std::map<uint64_t, std::set<uint32_t>> pending_;
};

} // namespace satori::test::faults
