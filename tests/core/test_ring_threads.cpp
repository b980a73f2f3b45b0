// SPDX-License-Identifier: MIT
// tests/core/test_ring_threads.cpp — a producer and a consumer thread on one ring, woken
// only by the rings' own signal decisions: order, integrity and no lost wakeup.
#include "support/ring_threads.hpp"

using namespace satori::test;

TEST_CASE_METHOD(RingThreadsFixture,
                 "a producer and a consumer move 200k packets in order with no lost wakeup",
                 "[ring][threads]")
{
    struct Row {
        uint32_t ring_total, max_payload;
    };
    // small ring, packets up to half of it; larger ring, small packets (many per drain)
    auto row = GENERATE(values<Row>({{3 * 4096, 4000}, {5 * 4096, 300}}));
    RingThreadsConfig cfg;
    cfg.ring_total = row.ring_total;
    cfg.max_payload = row.max_payload;
    cfg.packets = 200000;
    cfg.seed = row.ring_total ^ row.max_payload;
    CAPTURE(cfg.ring_total, cfg.max_payload, cfg.seed);

    const RingThreadsResult r = run(cfg);

    INFO("producer waits " << r.producer_waits << ", consumer waits " << r.consumer_waits
                           << ", writer signals " << r.writer.signals << ", reader signals "
                           << r.reader.signals << ", ring full " << r.writer.full);
    REQUIRE(r.error.empty());
    CHECK(r.received == cfg.packets);
    CHECK(r.writer.packets == cfg.packets);
    CHECK(r.reader.packets == cfg.packets);
    // both sleeping paths were exercised, and each sleep ended by a signal
    CHECK(r.producer_waits > 0);
    CHECK(r.consumer_waits > 0);
    CHECK(r.writer.full > 0);
    // every sleep of the consumer needed a writer signal (the signal rules themselves are
    // pinned one by one in test_ring_signal.cpp; their rate here depends on scheduling)
    CHECK(r.writer.signals >= r.consumer_waits);
}
