// SPDX-License-Identifier: MIT
// tests/abi/test_abi_constants.cpp — numbers of the frozen ABI: errno values, packet types,
// version packing, well-known GUIDs in wire order.
#include <cstring>
#include <satori/satori.h>
#include <satori/hvlink.h>
#include <satori/embed.h>

#include <catch2/catch.hpp>

TEST_CASE("error numbers are Linux's errno values", "[abi][constants]") {
    CHECK(SATORI_EPERM == 1);
    CHECK(SATORI_ENOENT == 2);
    CHECK(SATORI_EINTR == 4);
    CHECK(SATORI_EIO == 5);
    CHECK(SATORI_E2BIG == 7);
    CHECK(SATORI_EBADF == 9);
    CHECK(SATORI_EAGAIN == 11);
    CHECK(SATORI_ENOMEM == 12);
    CHECK(SATORI_EFAULT == 14);
    CHECK(SATORI_EBUSY == 16);
    CHECK(SATORI_EEXIST == 17);
    CHECK(SATORI_ENODEV == 19);
    CHECK(SATORI_EINVAL == 22);
    CHECK(SATORI_ENOSPC == 28);
    CHECK(SATORI_ERANGE == 34);
    CHECK(SATORI_ENOSYS == 38);
    CHECK(SATORI_ENODATA == 61);
    CHECK(SATORI_ETIME == 62);
    CHECK(SATORI_EPROTO == 71);
    CHECK(SATORI_EBADMSG == 74);
    CHECK(SATORI_EOVERFLOW == 75);
    CHECK(SATORI_EMSGSIZE == 90);
    CHECK(SATORI_EPROTONOSUPPORT == 93);
    CHECK(SATORI_EOPNOTSUPP == 95);
    CHECK(SATORI_ECONNRESET == 104);
    CHECK(SATORI_ENOBUFS == 105);
    CHECK(SATORI_ESHUTDOWN == 108);
    CHECK(SATORI_ETIMEDOUT == 110);
    CHECK(SATORI_EMEDIUMTYPE == 124);
    CHECK(SATORI_ECANCELED == 125);
}

TEST_CASE("ABI versions pack major and minor into 16 bits each", "[abi][constants][version]") {
    CHECK(SATORI_ABI_VERSION(1, 0) == 0x00010000u);
    CHECK(SATORI_ABI_VERSION(2, 7) == 0x00020007u);
    CHECK(SATORI_ABI_MAJOR(0x00030004u) == 3);
    CHECK(SATORI_ABI_MINOR(0x00030004u) == 4);
    CHECK(SATORI_ABI_VERSION_CURRENT == SATORI_ABI_VERSION(1, 0));
}

TEST_CASE("packet types and flags are the VMBus wire values", "[abi][constants]") {
    CHECK(SATORI_PKT_DATA_INBAND == 0x6);
    CHECK(SATORI_PKT_DATA_XFER_PAGES == 0x7);
    CHECK(SATORI_PKT_DATA_GPA_DIRECT == 0x9);
    CHECK(SATORI_PKT_COMP == 0xB);
    CHECK(SATORI_PKT_FLAG_COMPLETION_REQUESTED == 0x1);
    CHECK(SATORI_SEND_DEFER_SIGNAL == 0x1);
    CHECK(SATORI_PAGE_SIZE == 4096);
    CHECK(SATORI_PAGE_SHIFT == 12);
    CHECK(SATORI_HV_MESSAGE_PAYLOAD_MAX == 240);
    CHECK(SATORI_HV_VMBUS_SINT == 2);
    CHECK(SATORI_HV_STATUS_INVALID_CONNECTION_ID == 0x12);
    CHECK(SATORI_HVLINK_VERSION == 1);
}

TEST_CASE("service ids carry their major", "[abi][constants][service]") {
    CHECK(std::strcmp(SATORI_SERVICE_TIMER, "satori.timer/1") == 0);
    CHECK(std::strcmp(SATORI_SERVICE_TEST, "satori.test/1") == 0);
    CHECK(std::strcmp(SATORI_PLUGIN_ENTRY_NAME, "satori_plugin_entry") == 0);
}

TEST_CASE("class GUIDs are laid out in VMBus wire order", "[abi][constants][guid]") {
    // f8615163-df3e-46c5-913f-f2d2f965ed0e, spec vmbus.md §6
    const satori_guid nic = SATORI_GUID_NIC;
    const uint8_t nic_wire[16] = {0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
                                  0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e};
    CHECK(std::memcmp(nic.b, nic_wire, 16) == 0);
    // 57164f39-9115-4e78-ab55-382f3bd5422d
    const satori_guid hb = SATORI_GUID_HEARTBEAT;
    const uint8_t hb_wire[16] = {0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
                                 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d};
    CHECK(std::memcmp(hb.b, hb_wire, 16) == 0);
    const satori_guid scsi = SATORI_GUID_SCSI;
    CHECK(scsi.b[0] == 0xd9);
    CHECK(scsi.b[3] == 0xba);
    CHECK(scsi.b[8] == 0xb6);
}
