// SPDX-License-Identifier: MIT
// fuzz target storvsc_packet — the storvsc plugin (plugins/storvsc: completions matched by
// transaction id, vstor packet and SRB parsing, sense data, data copy-back, unsolicited
// ENUMERATE_BUS / REMOVE_DEVICE, deadlines and retries) against a hostile host.
//
// The plugin runs in the SDK's fake host with the fake storvsp of tests/support (the same
// fixture as tests/storvsc): after a normal probe every request is held, and the input
// decides what comes back — the right answer with bytes changed, truncated or extended;
// completions for ids never used or used twice; unsolicited packets; time jumps that fire
// the deadline and retry timers — while block requests keep arriving.
// Checked: no memory error; every block request ends exactly once (FakeBlk checks) and
// remove() returns with nothing outstanding.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#define REQUIRE(cond) FUZZ_CHECK(cond)
#include "support/storvsc_fixture.hpp"

namespace {

using namespace satori;
using namespace satori::test::stv;
using satori::fuzz::FuzzInput;

void complete_held(StorvscFixture &f, FuzzInput &in)
{
    auto held = f.vsp.held();
    if (held.empty()) return;
    const auto &sent = held[in.take<uint8_t>() % held.size()];
    std::vector<std::byte> payload = f.vsp.answer(sent);
    const unsigned edits = in.small(4);
    for (unsigned i = 0; i < edits && !payload.empty(); ++i)
        payload[in.take<uint16_t>() % payload.size()] = std::byte{in.take<uint8_t>()};
    if (in.take<uint8_t>() % 4 == 0) payload.resize(in.take<uint16_t>() % 256);
    const uint64_t id = in.take<uint8_t>() % 8 == 0 ? sent.trans_id + in.take<uint8_t>() : sent.trans_id;
    f.vsp.drop_held(); // the fake forgets them; the driver still waits for each
    f.deliver_completion(f.channel(sent.channel), std::move(payload), id);
}

void submit(StorvscFixture &f, FuzzInput &in, TestBuffer &buf, uint64_t &tag)
{
    auto live = f.blk.live();
    if (live.empty()) return;
    static const uint32_t ops[] = {SATORI_BLK_OP_READ, SATORI_BLK_OP_WRITE, SATORI_BLK_OP_FLUSH,
                                   SATORI_BLK_OP_DISCARD, SATORI_BLK_OP_WRITE_ZEROES};
    const uint32_t op = ops[in.small(5)];
    const uint32_t blocks = 1 + in.small(16);
    const uint64_t lba = in.take<uint16_t>();
    std::vector<satori_blk_segment> segs;
    if (op == SATORI_BLK_OP_READ || op == SATORI_BLK_OP_WRITE) segs = buf.pages(0, blocks * 512);
    (void)f.blk.submit(*live[0], op, lba, op == SATORI_BLK_OP_FLUSH ? 0 : blocks, ++tag, segs,
                       in.take<uint8_t>() & 1 ? SATORI_BLK_F_FUA : 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in(data, size);
    StorvscFixture f;
    if (f.probe() != 0) return 0;
    f.vsp.hold_everything = true;
    TestBuffer buf = f.buffer(16 * 512);
    uint64_t tag = 0;
    for (unsigned steps = 0; !in.empty() && steps < 128; ++steps) {
        switch (in.small(8)) {
        case 0:
        case 1: submit(f, in, buf, tag); break;
        case 2: complete_held(f, in); break;
        case 3: { // a completion nobody asked for, or a stray packet type
            auto blob = in.blob(512);
            std::vector<std::byte> p(blob.size());
            if (!blob.empty()) std::memcpy(p.data(), blob.data(), blob.size());
            const uint16_t type = in.take<uint8_t>() & 1 ? SATORI_PKT_COMP : SATORI_PKT_DATA_INBAND;
            f.pf.host.deliver(f.channel(0), p, in.take<uint64_t>(), type);
            break;
        }
        case 4: // unsolicited: ENUMERATE_BUS, REMOVE_DEVICE or anything
            f.enumerate_bus(in.take<uint8_t>() & 1 ? storvsc::proto::kOpEnumerateBus
                                                   : in.take<uint32_t>());
            break;
        case 5:
            f.advance(std::chrono::milliseconds(in.take<uint16_t>()));
            f.fire_tick();
            break;
        case 6: f.fire_retry(); break;
        case 7: f.release_held(); break;
        }
    }
    f.vsp.hold_everything = false;
    f.release_held();
    f.remove();
    return 0;
}
