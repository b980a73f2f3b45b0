// SPDX-License-Identifier: MIT
// fuzz/seeds/gen_seeds.cpp — writes the seed corpora: for each fuzz target, inputs that drive
// its harness through the real protocol (what a correct peer sends), built from the real
// wire headers (shim_gpl/core/vmbus_proto.h, shim_gpl/services/blk/nbd_proto.h,
// sim/src/vsp/storvsp/protocol.hpp). libFuzzer mutates from there.
//   satori_fuzz_seeds OUTDIR     writes OUTDIR/<target>/seed-<name>
// The encodings follow each harness's script format (see the comment at the top of each
// fuzz/targets/<target>.cpp).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>

#include <unistd.h>
#include <fstream>
#include <string>
#include <vector>

#include <endian.h>

#define _Static_assert static_assert // nbd_proto.h is C11
#include "nbd_proto.h"
#undef _Static_assert
#include "vmbus_proto.h"
#include <satori/sim/storvsp.hpp>

#include "vsp/storvsp/protocol.hpp"

namespace {

namespace fs = std::filesystem;
namespace vstor = satori::sim::detail::vstor;
using satori::sim::kVstorWin10;
using satori::sim::kVstorWin8_1;
using Bytes = std::vector<uint8_t>;

struct Out {
    Bytes b;
    template <class T> Out &le(T v)
    {
        const auto *p = reinterpret_cast<const uint8_t *>(&v);
        b.insert(b.end(), p, p + sizeof(T));
        return *this;
    }
    Out &u8(uint8_t v) { return le(v); }
    Out &be16(uint16_t v) { return le(htobe16(v)); }
    Out &be32(uint32_t v) { return le(htobe32(v)); }
    Out &be64(uint64_t v) { return le(htobe64(v)); }
    Out &raw(const Bytes &x)
    {
        b.insert(b.end(), x.begin(), x.end());
        return *this;
    }
    Out &str(const std::string &s)
    {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Out &blob(const Bytes &x) { return le(static_cast<uint16_t>(x.size())).raw(x); }
};

template <class T> Bytes bytes_of(const T &v)
{
    const auto *p = reinterpret_cast<const uint8_t *>(&v);
    return Bytes(p, p + sizeof(T));
}

fs::path g_out;

void write(const std::string &target, const std::string &name, const Bytes &b)
{
    fs::create_directories(g_out / target);
    std::ofstream(g_out / target / ("seed-" + name), std::ios::binary)
        .write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
}

// ---- ring_read: op byte (% 12) then the op's fields ----
void ring_read_seeds()
{
    // an in-band packet of 16 payload bytes, read, committed, unmasked; then a guest write
    Out a;
    a.u8(5);                                                       // mask
    a.u8(2).le<uint16_t>(VM_PKT_DATA_INBAND).u8(2).u8(4).u8(0).le<uint64_t>(7); // header
    a.u8(0).le<uint16_t>(16).blob(Bytes(16, 0x11));                // payload
    a.u8(3).le<uint16_t>(4096).u8(3).le<uint16_t>(4096);          // read twice (2nd: empty)
    a.u8(4).u8(6);                                                 // commit, unmask
    a.u8(9).le<uint16_t>(40).le<uint64_t>(9).u8(10).u8(0);         // guest write, host reads
    write("ring_read", "inband", a.b);

    // a transfer-page packet with one range, with a small buffer first (-ENOBUFS)
    Out x;
    x.u8(2).le<uint16_t>(VM_PKT_DATA_USING_XFER_PAGES).u8(4).u8(6).u8(0).le<uint64_t>(1);
    Out hdr;
    hdr.le<uint16_t>(1).u8(0).u8(0).le<uint32_t>(1).le<uint32_t>(100).le<uint32_t>(0);
    hdr.raw(Bytes(16, 0x22));
    x.u8(0).le<uint16_t>(16).blob(hdr.b);
    x.u8(3).le<uint16_t>(8).u8(3).le<uint16_t>(2048).u8(4);
    write("ring_read", "xfer", x.b);

    // a completion wrapping around the end of the data area, pending_send_sz set
    Out w;
    w.u8(8).le<uint32_t>(8192 - 16);
    w.u8(7).le<uint32_t>(64);
    for (int i = 0; i < 3; ++i) {
        w.u8(2).le<uint16_t>(VM_PKT_COMP).u8(2).u8(8).u8(0).le<uint64_t>(static_cast<uint64_t>(i));
        w.u8(3).le<uint16_t>(1024).u8(4);
    }
    write("ring_read", "completions", w.b);
}

// ---- vmbus_msg: [version idx][busy] bursts {n, {mode, len-8, bytes}} and steps ----
struct Burst {
    Out o;
    unsigned n = 0;
    Burst &msg(const Bytes &m, uint8_t mode = 0)
    {
        o.u8(mode).u8(static_cast<uint8_t>(m.size() - 8)).raw(m);
        ++n;
        return *this;
    }
    Bytes done() const
    {
        Bytes b{static_cast<uint8_t>(n)};
        b.insert(b.end(), o.b.begin(), o.b.end());
        return b;
    }
};

Bytes version_response(uint8_t ok)
{
    vmbus_msg_version_response m{};
    m.h.msgtype = CHANNELMSG_VERSION_RESPONSE;
    m.version_supported = ok;
    m.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID_4;
    return bytes_of(m);
}

Bytes offer(uint32_t relid, uint16_t sub)
{
    vmbus_msg_offer m{};
    m.h.msgtype = CHANNELMSG_OFFERCHANNEL;
    const uint8_t storvsc[16] = {0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
                                 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f};
    std::memcpy(m.if_type, storvsc, 16);
    m.if_instance[0] = 0x42;
    m.sub_channel_index = sub;
    m.child_relid = relid;
    m.connection_id = 0x10000 + relid;
    return bytes_of(m);
}

Bytes header_only(uint32_t type)
{
    vmbus_msg_header h{};
    h.msgtype = type;
    return bytes_of(h);
}

Bytes gpadl_created()
{
    vmbus_msg_gpadl_created m{};
    m.h.msgtype = CHANNELMSG_GPADL_CREATED;
    return bytes_of(m); // relid + handle patched in (mode 1)
}

Bytes open_result(uint32_t status)
{
    vmbus_msg_open_result m{};
    m.h.msgtype = CHANNELMSG_OPENCHANNEL_RESULT;
    m.status = status;
    return bytes_of(m);
}

Bytes torndown()
{
    vmbus_msg_gpadl_torndown m{};
    m.h.msgtype = CHANNELMSG_GPADL_TORNDOWN;
    return bytes_of(m); // handle patched in (mode 2)
}

Bytes rescind(uint32_t relid)
{
    vmbus_msg_relid m{};
    m.h.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER;
    m.child_relid = relid;
    return bytes_of(m);
}

Out vmbus_connected(unsigned offers)
{
    Out o;
    o.u8(0).u8(0); // newest version, no busy posts
    o.raw(Burst().msg(version_response(1)).done());
    Burst b;
    for (unsigned i = 0; i < offers; ++i)
        b.msg(offer(5 + i, static_cast<uint16_t>(i)));
    b.msg(header_only(CHANNELMSG_ALLOFFERS_DELIVERED));
    o.raw(b.done());
    return o;
}

void vmbus_open(Out &o, uint8_t offer_index)
{
    o.u8(2).u8(offer_index).u8(0);
    o.raw(Burst().msg(gpadl_created(), 1).done());
    o.raw(Burst().msg(open_result(0), 1).done());
}

void vmbus_host_packet(Out &o, uint8_t offer_index, bool completion, uint8_t tid, const Bytes &payload)
{
    o.u8(3).u8(offer_index);
    if (completion) o.u8(1);
    else o.u8(0).le<uint16_t>(VM_PKT_DATA_INBAND);
    o.u8(1);                // flags 0
    o.u8(0).u8(tid);        // small transaction id
    o.blob(payload);
    o.u8(1);                // offset8 2
}

void vmbus_msg_seeds()
{
    write("vmbus_msg", "connect", vmbus_connected(1).b);

    Out v;
    v.u8(0).u8(0);
    v.raw(Burst().msg(version_response(0)).done()); // 5.3 refused, then accepted
    v.raw(Burst().msg(version_response(1)).done());
    v.raw(Burst().msg(header_only(CHANNELMSG_ALLOFFERS_DELIVERED)).done());
    v.raw(Burst().msg(header_only(CHANNELMSG_UNLOAD_RESPONSE)).done());
    write("vmbus_msg", "version-fallback", v.b);

    Out o = vmbus_connected(2);
    vmbus_open(o, 0);
    o.u8(4).u8(0).u8(1).u8(3).u8(24);                     // send with completion requested
    vmbus_host_packet(o, 0, true, 1, Bytes(24, 0x33));    // its completion
    vmbus_host_packet(o, 0, false, 0, Bytes(40, 0x44));   // an in-band packet
    o.u8(6).u8(1).u8(20);                                  // a 21-page GPADL on offer 1
    o.raw(Burst().msg(gpadl_created(), 1).done());
    o.u8(7).u8(0);                                         // torn down
    o.raw(Burst().msg(torndown(), 2).done());
    o.u8(5).u8(0);                                         // close: ring GPADL teardown
    o.raw(Burst().msg(torndown(), 2).done());
    o.u8(0).raw(Burst().msg(rescind(6)).done());           // host rescinds offer 1
    o.u8(8);                                               // guest releases it
    o.raw(Burst().msg(header_only(CHANNELMSG_UNLOAD_RESPONSE)).done());
    write("vmbus_msg", "open-io-close-rescind", o.b);

    Out r = vmbus_connected(1);
    vmbus_open(r, 0);
    r.u8(4).u8(0).u8(1).u8(5).u8(8);
    r.u8(0).raw(Burst().msg(rescind(5)).done());          // rescind during I/O
    r.u8(1).le<uint16_t>(5);                              // event on the dead channel
    r.u8(8);
    write("vmbus_msg", "rescind-open", r.b);
}

// ---- nbd_server: the client's byte stream after the greeting ----
Out nbd_option(uint32_t opt, const Bytes &data)
{
    Out o;
    o.be64(NBD_OPTS_MAGIC).be32(opt).be32(static_cast<uint32_t>(data.size())).raw(data);
    return o;
}

Bytes nbd_go_data(const std::string &name, std::vector<uint16_t> infos)
{
    Out d;
    d.be32(static_cast<uint32_t>(name.size())).str(name).be16(static_cast<uint16_t>(infos.size()));
    for (uint16_t i : infos)
        d.be16(i);
    return d.b;
}

Out nbd_request(uint16_t type, uint16_t flags, uint64_t cookie, uint64_t off, uint32_t len)
{
    Out o;
    o.be32(NBD_REQUEST_MAGIC).be16(flags).be16(type).be64(cookie).be64(off).be32(len);
    return o;
}

void nbd_seeds()
{
    Out a;
    a.be32(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    a.raw(nbd_option(NBD_OPT_GO, nbd_go_data("sda", {NBD_INFO_BLOCK_SIZE})).b);
    a.raw(nbd_request(NBD_CMD_WRITE, 0, 1, 0, 4096).b).raw(Bytes(4096, 0x5a));
    a.raw(nbd_request(NBD_CMD_WRITE, NBD_CMD_FLAG_FUA, 2, 8192, 512).b).raw(Bytes(512, 0xa5));
    a.raw(nbd_request(NBD_CMD_FLUSH, 0, 3, 0, 0).b);
    a.raw(nbd_request(NBD_CMD_READ, 0, 4, 0, 8192).b);
    a.raw(nbd_request(NBD_CMD_TRIM, 0, 5, 4096, 4096).b);
    a.raw(nbd_request(NBD_CMD_WRITE_ZEROES, NBD_CMD_FLAG_NO_HOLE, 6, 65536, 65536).b);
    a.raw(nbd_request(NBD_CMD_READ, 0, 7, (1u << 20) - 512, 1024).b); // past the end
    a.raw(nbd_request(NBD_CMD_DISC, 0, 8, 0, 0).b);
    write("nbd_server", "go-io", a.b);

    Out s;
    s.be32(NBD_FLAG_C_FIXED_NEWSTYLE);
    s.raw(nbd_option(NBD_OPT_STRUCTURED_REPLY, {}).b);
    s.raw(nbd_option(NBD_OPT_LIST, {}).b);
    s.raw(nbd_option(NBD_OPT_INFO, nbd_go_data("sda", {NBD_INFO_NAME, NBD_INFO_DESCRIPTION})).b);
    s.raw(nbd_option(NBD_OPT_INFO, nbd_go_data("nope", {})).b);
    s.raw(nbd_option(NBD_OPT_STARTTLS, {}).b);
    s.raw(nbd_option(99, Bytes(3, 1)).b);
    s.raw(nbd_option(NBD_OPT_GO, nbd_go_data("", {})).b);
    s.raw(nbd_request(NBD_CMD_READ, 0, 1, 512, 4096).b);
    s.raw(nbd_request(NBD_CMD_READ, 0, 2, 0, 70000).b); // above the maximum block
    s.raw(nbd_request(NBD_CMD_DISC, 0, 3, 0, 0).b);
    write("nbd_server", "structured-options", s.b);

    Out e;
    e.be32(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES);
    Bytes name = {'s', 'd', 'a'};
    e.raw(nbd_option(NBD_OPT_EXPORT_NAME, name).b);
    e.raw(nbd_request(NBD_CMD_WRITE, 0, 9, 0, 1024).b).raw(Bytes(1024, 1));
    e.raw(nbd_request(NBD_CMD_READ, 0, 10, 0, 1024).b);
    write("nbd_server", "export-name", e.b);

    Out ab;
    ab.be32(NBD_FLAG_C_FIXED_NEWSTYLE).raw(nbd_option(NBD_OPT_ABORT, {}).b);
    write("nbd_server", "abort", ab.b);
}

// ---- storvsp_packet: [depth][win10][sector] then steps {op % 8, ...} ----
Bytes vstor_pkt(uint32_t op, const Bytes &body, size_t size = vstor::kPacketBytesV2)
{
    Bytes p(size, 0);
    vstor::PacketHeader h{};
    h.operation = op;
    h.flags = 1;
    std::memcpy(p.data(), &h, sizeof(h));
    std::memcpy(p.data() + vstor::kHeaderBytes, body.data(), std::min(body.size(), size - vstor::kHeaderBytes));
    return p;
}

Bytes inband(const Bytes &payload, uint64_t tid)
{
    Out o;
    o.le<uint16_t>(VM_PKT_DATA_INBAND).le<uint16_t>(2).le<uint16_t>(0).le<uint16_t>(1).le<uint64_t>(tid);
    return o.raw(payload).b;
}

Bytes gpa_direct(const Bytes &payload, uint64_t tid, uint32_t bytes, uint32_t first_pfn)
{
    const uint32_t pages = (bytes + 4095) / 4096;
    Out o;
    const uint16_t off8 = static_cast<uint16_t>((16 + 8 + 8 + 8 * pages) / 8);
    o.le<uint16_t>(VM_PKT_DATA_USING_GPA_DIRECT).le<uint16_t>(off8).le<uint16_t>(0).le<uint16_t>(1);
    o.le<uint64_t>(tid).le<uint32_t>(0).le<uint32_t>(1).le<uint32_t>(bytes).le<uint32_t>(0);
    for (uint32_t i = 0; i < pages; ++i)
        o.le<uint64_t>(first_pfn + i);
    return o.raw(payload).b;
}

Bytes srb(const Bytes &cdb, uint8_t data_in, uint32_t len)
{
    vstor::ScsiRequest r{};
    r.length = vstor::kSrbBytesV2;
    r.cdb_length = static_cast<uint8_t>(cdb.size());
    r.sense_info_length = vstor::kSenseAreaBytes;
    r.data_in = data_in;
    r.data_transfer_length = len;
    std::memcpy(r.cdb_or_sense, cdb.data(), cdb.size());
    return bytes_of(r);
}

void storvsp_handshake(Out &o, uint16_t version)
{
    vstor::ProtocolVersion v{version, 0};
    const Bytes steps[] = {vstor_pkt(vstor::kOpBeginInitialization, {}),
                           vstor_pkt(vstor::kOpQueryProtocolVersion, bytes_of(v)),
                           vstor_pkt(vstor::kOpQueryProperties, {}),
                           vstor_pkt(vstor::kOpEndInitialization, {})};
    uint64_t tid = 1;
    for (const Bytes &s : steps)
        o.u8(2).blob(inband(s, tid++));
}

void storvsp_seeds()
{
    Out h;
    h.u8(4).u8(0).u8(0);
    storvsp_handshake(h, kVstorWin8_1);
    const Bytes inquiry = {0x12, 0, 0, 0, 96, 0};
    h.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(inquiry, vstor::kDataIn, 96)), 10, 96, 1));
    const Bytes vpd83 = {0x12, 1, 0x83, 0, 255, 0};
    h.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(vpd83, vstor::kDataIn, 255)), 11, 255, 2));
    const Bytes cap16 = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
    h.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(cap16, vstor::kDataIn, 32)), 12, 32, 3));
    const Bytes write10 = {0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0};
    h.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(write10, vstor::kDataOut, 4096)), 13, 4096, 4));
    const Bytes read10 = {0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0};
    h.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(read10, vstor::kDataIn, 4096)), 14, 4096, 5));
    const Bytes sync = {0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    h.u8(2).blob(inband(vstor_pkt(vstor::kOpExecuteSrb, srb(sync, vstor::kDataUnknown, 0)), 15));
    const Bytes tur = {0, 0, 0, 0, 0, 0};
    h.u8(2).blob(inband(vstor_pkt(vstor::kOpExecuteSrb, srb(tur, vstor::kDataUnknown, 0)), 16));
    h.u8(0);
    write("storvsp_packet", "handshake-io", h.b);

    Out m;
    m.u8(4).u8(1).u8(1);
    storvsp_handshake(m, kVstorWin10);
    const Bytes mode = {0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 255, 0};
    m.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(mode, vstor::kDataIn, 255)), 20, 255, 6));
    const Bytes luns = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    m.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(luns, vstor::kDataIn, 256)), 21, 256, 7));
    const Bytes unmap = {0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0};
    m.u8(2).blob(gpa_direct(vstor_pkt(vstor::kOpExecuteSrb, srb(unmap, vstor::kDataOut, 24)), 22, 24, 8));
    m.u8(2).blob(inband(vstor_pkt(vstor::kOpCreateSubChannels, {2, 0}), 23));
    m.u8(2).blob(inband(vstor_pkt(vstor::kOpResetBus, {}), 24));
    m.u8(1).u8(0);
    write("storvsp_packet", "win10-misc", m.b);
}

// ---- sim_server: steps {op % 6, ...}: messages, guest memory, signals, sync ----
void sim_msg(Out &o, const Bytes &m, uint8_t mode = 0)
{
    o.u8(0).u8(mode).u8(static_cast<uint8_t>(m.size())).raw(m);
}

void sim_server_seeds()
{
    Out o;
    vmbus_msg_initiate_contact ic{};
    ic.h.msgtype = CHANNELMSG_INITIATE_CONTACT;
    ic.vmbus_version_requested = VMBUS_VERSION_WIN10_V5_3;
    sim_msg(o, bytes_of(ic));
    sim_msg(o, header_only(CHANNELMSG_REQUESTOFFERS));
    o.u8(4);
    // ring GPADL over guest pages 1..4 for the second offer (storvsp): one header message
    Out g;
    g.le<uint32_t>(CHANNELMSG_GPADL_HEADER).le<uint32_t>(0).le<uint32_t>(0).le<uint32_t>(0x1000);
    g.le<uint16_t>(8 + 4 * 8).le<uint16_t>(1).le<uint32_t>(4 * 4096).le<uint32_t>(0);
    for (uint64_t pfn = 1; pfn <= 4; ++pfn)
        g.le<uint64_t>(pfn);
    sim_msg(o, g.b, 3);
    o.u8(4);
    vmbus_msg_open_channel op{};
    op.h.msgtype = CHANNELMSG_OPENCHANNEL;
    op.openid = 1;
    op.ringbuffer_gpadlhandle = 0x1000;
    op.downstream_ringbuffer_pageoffset = 2;
    sim_msg(o, bytes_of(op), 3);
    o.u8(4);
    // BEGIN_INITIALIZATION in the guest->host ring (control page at GPA 4096, data at 8192)
    const Bytes pkt = inband(vstor_pkt(vstor::kOpBeginInitialization, {}), 1);
    Out ring;
    ring.raw(pkt).le<uint64_t>(0);
    o.u8(2).le<uint32_t>(8192).blob(ring.b);
    o.u8(2).le<uint32_t>(4096).blob(bytes_of(static_cast<uint32_t>(pkt.size() + 8)));
    o.u8(3).le<uint16_t>(1); // signal the storvsp channel
    o.u8(4);
    vmbus_msg_relid close{};
    close.h.msgtype = CHANNELMSG_CLOSECHANNEL;
    sim_msg(o, bytes_of(close), 3);
    vmbus_msg_gpadl_teardown td{};
    td.h.msgtype = CHANNELMSG_GPADL_TEARDOWN;
    td.gpadl = 0x1000;
    sim_msg(o, bytes_of(td), 3);
    o.u8(4);
    sim_msg(o, header_only(CHANNELMSG_UNLOAD));
    write("sim_server", "storvsp-open-close", o.b);

    Out s;
    ic.vmbus_version_requested = VMBUS_VERSION_WIN8_1;
    sim_msg(s, bytes_of(ic));
    sim_msg(s, header_only(CHANNELMSG_REQUESTOFFERS));
    s.u8(4);
    Out g2; // a GPADL of 40 pages: header + body messages
    g2.le<uint32_t>(CHANNELMSG_GPADL_HEADER).le<uint32_t>(0).le<uint32_t>(0).le<uint32_t>(0x2000);
    g2.le<uint16_t>(8 + 40 * 8).le<uint16_t>(1).le<uint32_t>(40 * 4096).le<uint32_t>(0);
    for (uint64_t pfn = 10; pfn < 36; ++pfn)
        g2.le<uint64_t>(pfn);
    sim_msg(s, g2.b, 1);
    Out body;
    body.le<uint32_t>(CHANNELMSG_GPADL_BODY).le<uint32_t>(0).le<uint32_t>(1).le<uint32_t>(0x2000);
    for (uint64_t pfn = 36; pfn < 50; ++pfn)
        body.le<uint64_t>(pfn);
    sim_msg(s, body.b);
    s.u8(4);
    vmbus_msg_relid rel{};
    rel.h.msgtype = CHANNELMSG_RELID_RELEASED;
    sim_msg(s, bytes_of(rel), 1);
    vmbus_msg_modifychannel mod{};
    mod.h.msgtype = CHANNELMSG_MODIFYCHANNEL;
    sim_msg(s, bytes_of(mod), 1);
    s.u8(4);
    write("sim_server", "gpadl-multi", s.b);
}

// ---- storvsc_packet: steps {op % 8, ...} against the fixture's held requests ----
void storvsc_seeds()
{
    Out a;
    a.u8(0).u8(0).u8(7).le<uint16_t>(8).u8(0);  // READ 8 blocks at 8
    a.u8(2).u8(0).u8(0).u8(1).u8(1);            // its right answer
    a.u8(1).u8(1).u8(3).le<uint16_t>(0).u8(1);  // WRITE FUA
    a.u8(2).u8(0).u8(2).le<uint16_t>(2).u8(0x04).le<uint16_t>(3).u8(0x02).u8(1).u8(1); // SRB ERROR, CHECK
    a.u8(0).u8(2).u8(0).le<uint16_t>(0).u8(0);  // FLUSH
    a.u8(5).le<uint16_t>(60000);               // deadline passes
    a.u8(7);
    write("storvsc_packet", "io-answers", a.b);

    Out b;
    b.u8(0).u8(0).u8(0).le<uint16_t>(1).u8(0);
    b.u8(2).u8(0).u8(0).u8(0).le<uint16_t>(5).u8(1); // truncated answer
    b.u8(4).u8(1);                                    // ENUMERATE_BUS
    b.u8(4).u8(0).le<uint32_t>(vstor::kOpRemoveDevice);
    b.u8(3).blob(Bytes(64, 0)).u8(1).le<uint64_t>(12345); // unknown completion id
    b.u8(6);
    write("storvsc_packet", "unsolicited", b.b);
}

// ---- disk_image: [mode] + image bytes, made by the simulator's own VHD writer ----
void disk_image_seeds()
{
    const fs::path tmp = fs::temp_directory_path() / ("satori-seeds-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    auto add = [&](const std::string &name, satori::sim::VhdCreateOptions opt) {
        const std::string path = (tmp / name).string();
        std::string message;
        if (satori::sim::create_vhd(path, opt, message) != 0) {
            std::fprintf(stderr, "create_vhd %s: %s\n", name.c_str(), message.c_str());
            return;
        }
        std::ifstream in(path, std::ios::binary);
        Bytes image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (uint8_t mode : {uint8_t{0x00}, uint8_t{0x11}}) { // auto read-only; vhd read-write
            Bytes seed{mode};
            seed.insert(seed.end(), image.begin(), image.end());
            write("disk_image", name + (mode ? "-rw" : "-ro"), seed);
        }
    };
    satori::sim::VhdCreateOptions fixed;
    fixed.type = satori::sim::VhdCreateOptions::Type::fixed;
    fixed.size_bytes = 16 * 1024;
    add("vhd-fixed", fixed);
    satori::sim::VhdCreateOptions dynamic;
    dynamic.size_bytes = 4u << 20;
    add("vhd-dynamic", dynamic);
    fs::remove_all(tmp);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    ring_read_seeds();
    vmbus_msg_seeds();
    nbd_seeds();
    storvsp_seeds();
    sim_server_seeds();
    storvsc_seeds();
    disk_image_seeds();
    return 0;
}
