// SPDX-License-Identifier: MIT
// The transport's records as the host sees them (docs/transport.md §3). Little-endian;
// one SOCK_SEQPACKET datagram per record.
#pragma once

#include <cstdint>

namespace satori::sim::transport {

inline constexpr uint32_t kMagic = 0x58544153; // "SATX"
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr uint32_t kMaxPayload = 512;
inline constexpr uint32_t kMaxFds = 1;
inline constexpr uint32_t kMaxEventfds = 1024;
inline constexpr uint32_t kMaxMessagePayload = 240;
inline constexpr uint32_t kMaxEventFlag = 2047;
inline constexpr uint32_t kFeatureEventfd = 0x1;
inline constexpr uint32_t kKnownFeatures = kFeatureEventfd;

enum RecordType : uint32_t {
    kHello = 0x01,
    kWelcome = 0x02,
    kError = 0x03,
    kBye = 0x04,
    kPostMessage = 0x10,
    kPostResult = 0x11,
    kMessage = 0x12,
    kSignal = 0x20,
    kEvent = 0x21,
    kBindEventfd = 0x22,
};

const char *record_name(uint32_t type) noexcept;

struct Header {
    uint32_t type;
    uint32_t size;
    uint32_t seq;
    uint16_t nfds;
    uint16_t reserved;
};

struct Hello {
    uint32_t magic;
    uint16_t major;
    uint16_t minor;
    uint32_t features;
    uint32_t reserved;
    uint64_t mem_bytes;
    char name[32];
};

struct Welcome {
    uint32_t magic;
    uint16_t major;
    uint16_t minor;
    uint32_t features;
    uint32_t reserved;
    char name[32];
};

struct ErrorBody {
    int32_t code;
    uint32_t ref_type;
    uint32_t ref_seq;
    uint32_t text_len;
};

struct Bye {
    uint32_t reason;
};

struct Post {
    uint32_t connection_id;
    uint32_t message_type;
    uint32_t payload_size;
    uint32_t reserved;
};

struct PostResult {
    uint32_t status;
};

struct Message {
    uint32_t vp;
    uint32_t sint;
    uint32_t message_type;
    uint32_t payload_size;
};

struct Signal {
    uint32_t connection_id;
    uint16_t flag_number;
    uint16_t reserved;
};

struct Event {
    uint32_t vp;
    uint32_t sint;
    uint32_t flag;
};

struct Bind {
    uint32_t id;
    uint16_t flag_number;
    uint16_t reserved;
};

static_assert(sizeof(Header) == 16 && sizeof(Hello) == 56 && sizeof(Welcome) == 48);
static_assert(sizeof(ErrorBody) == 16 && sizeof(Post) == 16 && sizeof(Message) == 16);
static_assert(sizeof(Signal) == 8 && sizeof(Event) == 12 && sizeof(Bind) == 8);

} // namespace satori::sim::transport
