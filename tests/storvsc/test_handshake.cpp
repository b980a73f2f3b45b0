// SPDX-License-Identifier: MIT
// tests/storvsc/test_handshake.cpp — the initialisation handshake: the state machine on
// bytes, then the Device against the fake storvsp (version fallback, packet sizes, failures).
#include "handshake.hpp"

#include <cstring>
#include <vector>

#include <catch2/catch.hpp>
#include <satori/errno.h>

#include "protocol.hpp"
#include "support/storvsc_fixture.hpp"

namespace proto = satori::storvsc::proto;
using satori::storvsc::Handshake;
using Step = Handshake::Step;
using Result = Handshake::Result;
using satori::test::stv::StorvscFixture;

namespace {

/// A completion payload of @p size bytes: header plus an optional payload struct.
template <class T = int>
std::vector<std::byte> reply(uint32_t status, std::size_t size = 0x40, const T *payload = nullptr,
                             uint32_t operation = proto::kOpCompleteIo)
{
    std::vector<std::byte> out(size);
    const proto::ReceivedHeader h{operation, 0, status};
    std::memcpy(out.data(), &h, std::min(size, sizeof(h)));
    if (payload && size >= proto::kPayloadOffset + sizeof(T))
        std::memcpy(out.data() + proto::kPayloadOffset, payload, sizeof(T));
    return out;
}

proto::ChannelProperties props(uint16_t channels = 4, uint32_t flags = 1, uint32_t max = 256 * 1024)
{
    proto::ChannelProperties p{};
    p.max_channel_cnt = channels;
    p.flags = flags;
    p.max_transfer_bytes = max;
    return p;
}

uint16_t proposed(const Handshake &hs)
{
    const proto::VstorPacket pkt = hs.request();
    proto::ProtocolVersion v{};
    std::memcpy(&v, pkt.payload, sizeof(v));
    return v.major_minor;
}

} // namespace

TEST_CASE("wire structs match linux61-layouts.md §3", "[storvsc][handshake][layout]")
{
    CHECK(sizeof(proto::VstorPacket) == 0x40);
    CHECK(sizeof(proto::VmscsiRequest) == 0x34);
    CHECK(sizeof(proto::ChannelProperties) == 0x18);
    CHECK(sizeof(proto::ProtocolVersion) == 4);
    CHECK(proto::params_for(proto::kVersionWin7).packet_size == 0x30);
    CHECK(proto::params_for(proto::kVersionWin7).srb_length == 0x24);
    CHECK(proto::params_for(proto::kVersionWin7).sense_size == 0x12);
    CHECK(proto::params_for(proto::kVersionWin8).packet_size == 0x40);
    CHECK(proto::params_for(proto::kVersionWin10).srb_length == 0x34);
    CHECK(proto::params_for(proto::kVersionWin8_1).sense_size == 0x14);
}

TEST_CASE("handshake: REVISION_MISMATCH falls back to the next version", "[storvsc][handshake]")
{
    Handshake hs;
    REQUIRE(hs.step() == Step::kBegin);
    CHECK(hs.request().operation == proto::kOpBeginInitialization);
    CHECK(hs.request().flags == proto::kFlagRequestCompletion);
    CHECK(hs.request_size() == 0x30); // pre-negotiation size
    REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);

    REQUIRE(hs.step() == Step::kQueryVersion);
    CHECK(hs.request().operation == proto::kOpQueryProtocolVersion);
    CHECK(proposed(hs) == 0x0602);
    CHECK(hs.request_size() == 0x30);
    REQUIRE(hs.on_completion(reply(proto::kStatusRevisionMismatch, 0x30)) == Result::kContinue);
    CHECK(proposed(hs) == 0x0600);
    REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);

    REQUIRE(hs.step() == Step::kQueryProperties);
    CHECK(hs.request_size() == 0x40);
    const auto p = props();
    REQUIRE(hs.on_completion(reply(0, 0x40, &p)) == Result::kContinue);
    REQUIRE(hs.step() == Step::kEnd);
    CHECK(hs.request().operation == proto::kOpEndInitialization);
    REQUIRE(hs.on_completion(reply(0)) == Result::kContinue);

    REQUIRE(hs.step() == Step::kCreateSubChannels);
    uint16_t count = 0;
    std::memcpy(&count, hs.request().payload, 2);
    CHECK(count == 2); // min(wanted 2, host 4)
    REQUIRE(hs.on_completion(reply(0)) == Result::kDone);

    CHECK(hs.version() == 0x0600);
    CHECK(hs.subchannels() == 2);
    CHECK(hs.max_transfer_bytes() == 256 * 1024);
    CHECK(hs.refused() == std::vector<uint16_t>{0x0602});
    CHECK(hs.problem().empty());
}

TEST_CASE("handshake: down to win7 with pre-Win8 packet sizes", "[storvsc][handshake]")
{
    Handshake hs;
    REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
    for (uint16_t refused : {0x0602, 0x0600, 0x0501}) {
        CHECK(proposed(hs) == refused);
        REQUIRE(hs.on_completion(reply(proto::kStatusRevisionMismatch, 0x30)) == Result::kContinue);
    }
    CHECK(proposed(hs) == 0x0402);
    REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
    CHECK(hs.request_size() == 0x30);
    const auto p = props(4, 1); // the flag must be ignored below WIN8
    REQUIRE(hs.on_completion(reply(0, 0x30, &p)) == Result::kContinue);
    CHECK(hs.request_size() == 0x30);
    REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kDone);
    CHECK(hs.version() == 0x0402);
    CHECK(hs.params().packet_size == 0x30);
    CHECK(hs.subchannels() == 0);
}

TEST_CASE("handshake failures", "[storvsc][handshake]")
{
    Handshake hs;
    SECTION("no version accepted")
    {
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
        for (int i = 0; i < 3; ++i)
            REQUIRE(hs.on_completion(reply(proto::kStatusRevisionMismatch, 0x30)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(proto::kStatusRevisionMismatch, 0x30)) == Result::kFailed);
        CHECK(hs.error() == -SATORI_EPROTONOSUPPORT);
        CHECK(hs.problem().find("6.2, 6.0, 5.1, 4.2") != std::string::npos);
    }
    SECTION("another refusal status moves on too, but is noted")
    {
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(proto::kStatusInvalidParameter, 0x30)) == Result::kContinue);
        CHECK(proposed(hs) == 0x0600);
        CHECK(hs.problem().find("expected REVISION_MISMATCH") != std::string::npos);
    }
    SECTION("BEGIN refused")
    {
        REQUIRE(hs.on_completion(reply(proto::kStatusInvalidDeviceState, 0x30)) == Result::kFailed);
        CHECK(hs.problem().find("INVALID_DEVICE_STATE") != std::string::npos);
    }
    SECTION("a reply that is not COMPLETE_IO")
    {
        REQUIRE(hs.on_completion(reply<int>(0, 0x30, nullptr, proto::kOpEnumerateBus)) == Result::kFailed);
        CHECK(hs.error() == -SATORI_EPROTO);
    }
    SECTION("a reply without a header")
    {
        REQUIRE(hs.on_completion(reply(0, 8)) == Result::kFailed);
        CHECK(hs.error() == -SATORI_EPROTO);
    }
    SECTION("properties cut short")
    {
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(0, 0x20)) == Result::kFailed);
        CHECK(hs.error() == -SATORI_EPROTO);
    }
    SECTION("no answer")
    {
        REQUIRE(hs.on_error(-SATORI_ETIMEDOUT, "timed out") == Result::kFailed);
        CHECK(hs.error() == -SATORI_ETIMEDOUT);
        CHECK(hs.problem().find("BEGIN_INITIALIZATION got no answer") != std::string::npos);
    }
}

TEST_CASE("handshake: sub-channels are optional", "[storvsc][handshake]")
{
    auto to_end = [](Handshake &hs, const proto::ChannelProperties &p) {
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(0, 0x30)) == Result::kContinue); // 6.2 accepted
        REQUIRE(hs.on_completion(reply(0, 0x40, &p)) == Result::kContinue);
    };
    SECTION("refused: done on the primary alone, with a warning")
    {
        Handshake hs;
        to_end(hs, props());
        REQUIRE(hs.on_completion(reply(0)) == Result::kContinue);
        REQUIRE(hs.on_completion(reply(proto::kStatusInvalidParameter)) == Result::kDone);
        CHECK(hs.subchannels() == 0);
        CHECK(hs.problem().find("CREATE_SUB_CHANNELS(2) refused") != std::string::npos);
    }
    SECTION("no answer: likewise")
    {
        Handshake hs;
        to_end(hs, props());
        REQUIRE(hs.on_completion(reply(0)) == Result::kContinue);
        REQUIRE(hs.on_error(-SATORI_ETIMEDOUT, "timed out") == Result::kDone);
        CHECK(hs.subchannels() == 0);
    }
    SECTION("no multi-channel flag, no count, or none wanted: not asked")
    {
        for (auto p : {props(4, 0), props(0, 1)}) {
            Handshake hs;
            to_end(hs, p);
            REQUIRE(hs.on_completion(reply(0)) == Result::kDone);
        }
        Handshake none(Handshake::Options{{0x0602}, 0});
        to_end(none, props());
        REQUIRE(none.on_completion(reply(0)) == Result::kDone);
    }
    SECTION("the host's count caps the request")
    {
        Handshake hs;
        to_end(hs, props(1));
        REQUIRE(hs.on_completion(reply(0)) == Result::kContinue);
        uint16_t count = 0;
        std::memcpy(&count, hs.request().payload, 2);
        CHECK(count == 1);
    }
    SECTION("a max transfer under one page falls back")
    {
        Handshake hs;
        to_end(hs, props(0, 0, 100));
        CHECK(hs.max_transfer_bytes() == Handshake::kFallbackMaxTransfer);
    }
}

// ---------------------------------------------------------------------------------------------
// The Device against the fake host
// ---------------------------------------------------------------------------------------------

TEST_CASE_METHOD(StorvscFixture, "probe: handshake, sub-channel request and bind log",
                 "[storvsc][handshake][device]")
{
    REQUIRE(probe() == 0);
    CHECK(vsp.negotiated() == 0x0600); // the fake refuses 6.2, like OpenVMM
    CHECK(vsp.subchannels_requested() == 2);

    const auto &open = channel(0).params;
    CHECK(open.ring_bytes_out == 128 * 1024);
    CHECK(open.ring_bytes_in == 128 * 1024);
    CHECK(open.max_outstanding == 352 + 16);
    CHECK(open.max_packet_bytes >= 16 + 0x40);
    CHECK(channel(0).user_data == std::vector<std::byte>(24));

    const auto sent = vsp.sent();
    REQUIRE(sent.size() >= 6);
    const uint32_t ops[] = {proto::kOpBeginInitialization, proto::kOpQueryProtocolVersion,
                            proto::kOpQueryProtocolVersion, proto::kOpQueryProperties,
                            proto::kOpEndInitialization, proto::kOpCreateSubChannels};
    const std::size_t sizes[] = {0x30, 0x30, 0x30, 0x40, 0x40, 0x40};
    for (std::size_t i = 0; i < 6; ++i) {
        INFO("init packet " << i);
        CHECK(sent[i].operation() == ops[i]);
        CHECK(sent[i].payload.size() == sizes[i]);
        CHECK(sent[i].type == SATORI_PKT_DATA_INBAND);
        CHECK(sent[i].flags == SATORI_PKT_FLAG_COMPLETION_REQUESTED);
        CHECK(sent[i].trans_id != 0);
        uint32_t flags = 0;
        std::memcpy(&flags, sent[i].payload.data() + 4, 4);
        CHECK(flags == proto::kFlagRequestCompletion);
    }
    CHECK(logged("storvsc: protocol 6.0, 2 sub-channels, max transfer 256 KiB, queue depth 950"));
    const auto s = snap();
    CHECK(s.version == 0x0600);
    CHECK(s.subchannels == 2);
    CHECK(s.io_depth == 352);
    CHECK(s.queue_depth == 950);
}

TEST_CASE_METHOD(StorvscFixture, "probe falls back to win7 and sends 0x30-byte SRBs",
                 "[storvsc][handshake][device]")
{
    vsp.accepted_versions = {proto::kVersionWin7};
    REQUIRE(probe() == 0);
    CHECK(vsp.negotiated() == 0x0402);
    CHECK(vsp.sent_op(proto::kOpQueryProtocolVersion).size() == 4);
    CHECK(vsp.sent_op(proto::kOpCreateSubChannels).empty());
    const auto srbs = vsp.sent_op(proto::kOpExecuteSrb);
    REQUIRE_FALSE(srbs.empty());
    for (const auto &p : srbs) {
        CHECK(p.payload.size() == 0x30);
        CHECK(p.srb().length == 0x24);
        CHECK(p.srb().sense_info_length == 0x12);
    }
    CHECK(blk.live().size() == 1);
    CHECK(logged("protocol 4.2, 0 sub-channels"));
}

TEST_CASE_METHOD(StorvscFixture, "probe fails cleanly when the handshake does",
                 "[storvsc][handshake][device]")
{
    SECTION("no common version")
    {
        vsp.accepted_versions = {0x0200};
        CHECK(probe() == -SATORI_EPROTONOSUPPORT);
        CHECK(logged("handshake failed: host accepts none of the protocol versions", SATORI_LOG_ERROR));
    }
    SECTION("the host never answers")
    {
        vsp.hold_everything = true;
        CHECK(probe() == -SATORI_ETIMEDOUT);
        CHECK(logged("BEGIN_INITIALIZATION got no answer", SATORI_LOG_ERROR));
    }
    SECTION("a completion shorter than the request aborts the channel")
    {
        vsp.completion_size = 16;
        CHECK(probe() == -SATORI_EPROTO);
        CHECK(aborts() == std::vector<int32_t>{-SATORI_EPROTO});
        CHECK(logged("protocol violation"));
    }
    CHECK(blk.disk_count() == 0);
    CHECK(pf.device_cookie == nullptr);
    CHECK(channel(0).close_calls == 1);
    CHECK(mem.live() == 0); // everything the driver allocated went back
}
