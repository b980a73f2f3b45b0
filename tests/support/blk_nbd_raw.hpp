// SPDX-License-Identifier: MIT
// tests/support/blk_nbd_raw.hpp — a deliberately minimal NBD client over a raw socket, for
// tests that must send what well-behaved clients never send (bad magic, oversized lengths,
// unknown commands, half a payload) and look at the exact bytes that come back.
#pragma once

#include <endian.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace satori::test {

namespace nbd {
inline constexpr uint64_t kPasswd = 0x4e42444d41474943ull;
inline constexpr uint64_t kOptsMagic = 0x49484156454f5054ull;
inline constexpr uint64_t kRepMagic = 0x0003e889045565a9ull;
inline constexpr uint32_t kRequestMagic = 0x25609513u;
inline constexpr uint32_t kSimpleReplyMagic = 0x67446698u;
inline constexpr uint32_t kStructuredReplyMagic = 0x668e33efu;

inline constexpr uint32_t kOptExportName = 1, kOptAbort = 2, kOptList = 3, kOptStartTls = 5,
                          kOptInfo = 6, kOptGo = 7, kOptStructuredReply = 8;
inline constexpr uint32_t kRepAck = 1, kRepServer = 2, kRepInfo = 3;
inline constexpr uint32_t kRepErrUnsup = 0x80000001u, kRepErrPolicy = 0x80000002u,
                          kRepErrInvalid = 0x80000003u, kRepErrUnknown = 0x80000006u,
                          kRepErrTooBig = 0x80000009u;
inline constexpr uint16_t kInfoExport = 0, kInfoName = 1, kInfoDescription = 2, kInfoBlockSize = 3;

inline constexpr uint16_t kCmdRead = 0, kCmdWrite = 1, kCmdDisc = 2, kCmdFlush = 3, kCmdTrim = 4,
                          kCmdWriteZeroes = 6;
inline constexpr uint16_t kFlagFua = 1;
inline constexpr uint16_t kTflagReadOnly = 0x0002, kTflagSendFlush = 0x0004, kTflagSendFua = 0x0008,
                          kTflagSendTrim = 0x0020, kTflagSendWriteZeroes = 0x0040,
                          kTflagMultiConn = 0x0100;
inline constexpr uint32_t kEPERM = 1, kEIO = 5, kEINVAL = 22, kENOSPC = 28, kESHUTDOWN = 108;
} // namespace nbd

class RawNbd {
  public:
    struct OptReply {
        uint32_t option = 0;
        uint32_t type = 0;
        std::vector<uint8_t> data;
    };
    struct Reply {
        uint32_t magic = 0;
        uint32_t error = 0;
        uint64_t handle = 0;
    };
    struct Export {
        uint64_t size = 0;
        uint16_t flags = 0;
        uint32_t min_block = 0, pref_block = 0, max_block = 0;
    };

    explicit RawNbd(const std::string &socket_path, int timeout_ms = 10000)
        : timeout_ms_(timeout_ms)
    {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, socket_path.c_str(), sizeof(sa.sun_path) - 1);
        if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~RawNbd()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    RawNbd(const RawNbd &) = delete;
    RawNbd &operator=(const RawNbd &) = delete;

    bool connected() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    bool write_all(const void *buf, size_t n)
    {
        auto *p = static_cast<const uint8_t *>(buf);
        while (n) {
            ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
            if (r <= 0) return false;
            p += r;
            n -= static_cast<size_t>(r);
        }
        return true;
    }

    /// False on EOF, error or timeout.
    bool read_exact(void *buf, size_t n)
    {
        auto *p = static_cast<uint8_t *>(buf);
        while (n) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, timeout_ms_) <= 0) return false;
            ssize_t r = ::recv(fd_, p, n, 0);
            if (r <= 0) return false;
            p += r;
            n -= static_cast<size_t>(r);
        }
        return true;
    }

    /// True when the server closed the connection (EOF) within the timeout.
    bool closed_by_server()
    {
        uint8_t b;
        for (;;) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, timeout_ms_) <= 0) return false;
            ssize_t r = ::recv(fd_, &b, 1, 0);
            if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
            if (r < 0) return false;
        }
    }

    /// Reads the server's greeting and answers with @p client_flags.
    bool hello(uint32_t client_flags = 3)
    {
        uint8_t g[18];
        if (!read_exact(g, sizeof(g))) return false;
        uint64_t passwd, magic;
        std::memcpy(&passwd, g, 8);
        std::memcpy(&magic, g + 8, 8);
        if (be64toh(passwd) != nbd::kPasswd || be64toh(magic) != nbd::kOptsMagic) return false;
        hs_flags = static_cast<uint16_t>(g[16] << 8 | g[17]);
        uint32_t f = htobe32(client_flags);
        return write_all(&f, 4);
    }

    bool send_option(uint32_t option, const std::vector<uint8_t> &data,
                     uint64_t magic = nbd::kOptsMagic,
                     std::optional<uint32_t> length = std::nullopt)
    {
        uint8_t h[16];
        uint64_t m = htobe64(magic);
        uint32_t o = htobe32(option),
                 l = htobe32(length ? *length : static_cast<uint32_t>(data.size()));
        std::memcpy(h, &m, 8);
        std::memcpy(h + 8, &o, 4);
        std::memcpy(h + 12, &l, 4);
        return write_all(h, sizeof(h)) && (data.empty() || write_all(data.data(), data.size()));
    }

    std::optional<OptReply> read_opt_reply()
    {
        uint8_t h[20];
        if (!read_exact(h, sizeof(h))) return std::nullopt;
        uint64_t magic;
        uint32_t v[3];
        std::memcpy(&magic, h, 8);
        std::memcpy(v, h + 8, 12);
        if (be64toh(magic) != nbd::kRepMagic) return std::nullopt;
        OptReply r;
        r.option = be32toh(v[0]);
        r.type = be32toh(v[1]);
        r.data.resize(be32toh(v[2]));
        if (r.data.size() > (1u << 20) ||
            (!r.data.empty() && !read_exact(r.data.data(), r.data.size())))
            return std::nullopt;
        return r;
    }

    static std::vector<uint8_t> info_go_data(const std::string &name, std::vector<uint16_t> infos)
    {
        std::vector<uint8_t> d(4 + name.size() + 2 + 2 * infos.size());
        uint32_t n = htobe32(static_cast<uint32_t>(name.size()));
        std::memcpy(d.data(), &n, 4);
        std::memcpy(d.data() + 4, name.data(), name.size());
        size_t at = 4 + name.size();
        d[at] = static_cast<uint8_t>(infos.size() >> 8);
        d[at + 1] = static_cast<uint8_t>(infos.size());
        for (size_t i = 0; i < infos.size(); i++) {
            d[at + 2 + 2 * i] = static_cast<uint8_t>(infos[i] >> 8);
            d[at + 3 + 2 * i] = static_cast<uint8_t>(infos[i]);
        }
        return d;
    }

    /// NBD_OPT_INFO or NBD_OPT_GO: the final reply type (kRepAck on success) and, on
    /// success, what the server said about the export.
    uint32_t info_go(uint32_t option, const std::string &name, Export *out = nullptr,
                     std::vector<OptReply> *all = nullptr)
    {
        if (!send_option(option, info_go_data(name, {nbd::kInfoBlockSize, nbd::kInfoName,
                                                     nbd::kInfoDescription})))
            return 0;
        for (;;) {
            auto r = read_opt_reply();
            if (!r) return 0;
            if (all) all->push_back(*r);
            if (r->type != nbd::kRepInfo) return r->type;
            if (!out || r->data.size() < 2) continue;
            uint16_t type = static_cast<uint16_t>(r->data[0] << 8 | r->data[1]);
            if (type == nbd::kInfoExport && r->data.size() == 12) {
                uint64_t size;
                std::memcpy(&size, &r->data[2], 8);
                out->size = be64toh(size);
                out->flags = static_cast<uint16_t>(r->data[10] << 8 | r->data[11]);
            } else if (type == nbd::kInfoBlockSize && r->data.size() == 14) {
                uint32_t v[3];
                std::memcpy(v, &r->data[2], 12);
                out->min_block = be32toh(v[0]);
                out->pref_block = be32toh(v[1]);
                out->max_block = be32toh(v[2]);
            }
        }
    }

    /// Greeting plus NBD_OPT_GO: ready for requests.
    bool open(const std::string &name = "sda", Export *out = nullptr, bool structured = false)
    {
        if (!hello()) return false;
        if (structured) {
            if (!send_option(nbd::kOptStructuredReply, {})) return false;
            auto r = read_opt_reply();
            if (!r || r->type != nbd::kRepAck) return false;
        }
        Export e;
        bool ok = info_go(nbd::kOptGo, name, &e) == nbd::kRepAck;
        if (out) *out = e;
        return ok;
    }

    bool send_request(uint16_t type, uint64_t handle, uint64_t offset, uint32_t length,
                      uint16_t flags = 0, uint32_t magic = nbd::kRequestMagic)
    {
        uint8_t h[28];
        uint32_t m = htobe32(magic), l = htobe32(length);
        uint16_t f = htobe16(flags), t = htobe16(type);
        uint64_t hd = htobe64(handle), o = htobe64(offset);
        std::memcpy(h, &m, 4);
        std::memcpy(h + 4, &f, 2);
        std::memcpy(h + 6, &t, 2);
        std::memcpy(h + 8, &hd, 8);
        std::memcpy(h + 16, &o, 8);
        std::memcpy(h + 24, &l, 4);
        return write_all(h, sizeof(h));
    }

    /// A simple reply header (the caller reads READ data after it).
    std::optional<Reply> read_reply()
    {
        uint8_t h[16];
        if (!read_exact(h, sizeof(h))) return std::nullopt;
        Reply r;
        uint32_t v[2];
        uint64_t hd;
        std::memcpy(v, h, 8);
        std::memcpy(&hd, h + 8, 8);
        r.magic = be32toh(v[0]);
        r.error = be32toh(v[1]);
        r.handle = be64toh(hd);
        return r;
    }

    uint16_t hs_flags = 0;

  private:
    int fd_ = -1;
    int timeout_ms_;
};

} // namespace satori::test
