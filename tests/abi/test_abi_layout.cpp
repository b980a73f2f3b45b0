// SPDX-License-Identifier: MIT
// tests/abi/test_abi_layout.cpp — sizeof/offsetof of every struct of the frozen ABI, pinned.
// These numbers are the ABI (LP64). A change here is an ABI break unless it only appends.
#include <cstddef>
#include <satori/satori.h>
#include <satori/embed.h>
#include <satori/hvlink.h>

#include <catch2/catch.hpp>

#define PIN_SIZE(type, size) CHECK(sizeof(struct type) == (size))
#define PIN_FIELD(type, field, off) CHECK(offsetof(struct type, field) == (off))

TEST_CASE("struct satori_blk_disk_ops layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_blk_disk_ops, 16);
    PIN_FIELD(satori_blk_disk_ops, struct_size, 0);
    PIN_FIELD(satori_blk_disk_ops, reserved, 4);
    PIN_FIELD(satori_blk_disk_ops, submit, 8);
}

TEST_CASE("struct satori_blk_disk_params layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_blk_disk_params, 72);
    PIN_FIELD(satori_blk_disk_params, struct_size, 0);
    PIN_FIELD(satori_blk_disk_params, flags, 4);
    PIN_FIELD(satori_blk_disk_params, name, 8);
    PIN_FIELD(satori_blk_disk_params, description, 16);
    PIN_FIELD(satori_blk_disk_params, logical_block_size, 24);
    PIN_FIELD(satori_blk_disk_params, physical_block_size, 28);
    PIN_FIELD(satori_blk_disk_params, capacity_blocks, 32);
    PIN_FIELD(satori_blk_disk_params, max_transfer_bytes, 40);
    PIN_FIELD(satori_blk_disk_params, queue_depth, 44);
    PIN_FIELD(satori_blk_disk_params, discard_granularity, 48);
    PIN_FIELD(satori_blk_disk_params, reserved, 52);
    PIN_FIELD(satori_blk_disk_params, cookie, 56);
    PIN_FIELD(satori_blk_disk_params, ops, 64);
}

TEST_CASE("struct satori_blk_request layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_blk_request, 48);
    PIN_FIELD(satori_blk_request, struct_size, 0);
    PIN_FIELD(satori_blk_request, op, 4);
    PIN_FIELD(satori_blk_request, tag, 8);
    PIN_FIELD(satori_blk_request, lba, 16);
    PIN_FIELD(satori_blk_request, block_count, 24);
    PIN_FIELD(satori_blk_request, flags, 28);
    PIN_FIELD(satori_blk_request, segment_count, 32);
    PIN_FIELD(satori_blk_request, reserved, 36);
    PIN_FIELD(satori_blk_request, segments, 40);
}

TEST_CASE("struct satori_blk_segment layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_blk_segment, 32);
    PIN_FIELD(satori_blk_segment, va, 0);
    PIN_FIELD(satori_blk_segment, byte_offset, 8);
    PIN_FIELD(satori_blk_segment, len, 12);
    PIN_FIELD(satori_blk_segment, pfn_count, 16);
    PIN_FIELD(satori_blk_segment, reserved, 20);
    PIN_FIELD(satori_blk_segment, pfns, 24);
}

TEST_CASE("struct satori_blk_service layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_blk_service, 48);
    PIN_FIELD(satori_blk_service, struct_size, 0);
    PIN_FIELD(satori_blk_service, reserved, 4);
    PIN_FIELD(satori_blk_service, add_disk, 8);
    PIN_FIELD(satori_blk_service, complete, 16);
    PIN_FIELD(satori_blk_service, set_capacity, 24);
    PIN_FIELD(satori_blk_service, media_changed, 32);
    PIN_FIELD(satori_blk_service, remove_disk, 40);
}

TEST_CASE("struct satori_bus_ops layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_bus_ops, 88);
    PIN_FIELD(satori_bus_ops, struct_size, 0);
    PIN_FIELD(satori_bus_ops, reserved, 4);
    PIN_FIELD(satori_bus_ops, channel_open, 8);
    PIN_FIELD(satori_bus_ops, channel_close, 16);
    PIN_FIELD(satori_bus_ops, send, 24);
    PIN_FIELD(satori_bus_ops, signal, 32);
    PIN_FIELD(satori_bus_ops, channel_abort, 40);
    PIN_FIELD(satori_bus_ops, dma_alloc, 48);
    PIN_FIELD(satori_bus_ops, dma_free, 56);
    PIN_FIELD(satori_bus_ops, gpadl_create, 64);
    PIN_FIELD(satori_bus_ops, gpadl_teardown, 72);
    PIN_FIELD(satori_bus_ops, channel_info, 80);
}

TEST_CASE("struct satori_channel_callbacks layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_channel_callbacks, 32);
    PIN_FIELD(satori_channel_callbacks, struct_size, 0);
    PIN_FIELD(satori_channel_callbacks, reserved, 4);
    PIN_FIELD(satori_channel_callbacks, on_packet, 8);
    PIN_FIELD(satori_channel_callbacks, on_send_space, 16);
    PIN_FIELD(satori_channel_callbacks, on_closed, 24);
}

TEST_CASE("struct satori_channel_info layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_channel_info, 64);
    PIN_FIELD(satori_channel_info, struct_size, 0);
    PIN_FIELD(satori_channel_info, relid, 4);
    PIN_FIELD(satori_channel_info, sub_channel_index, 8);
    PIN_FIELD(satori_channel_info, reserved0, 10);
    PIN_FIELD(satori_channel_info, ring_bytes_out, 12);
    PIN_FIELD(satori_channel_info, ring_bytes_in, 16);
    PIN_FIELD(satori_channel_info, reserved1, 20);
    PIN_FIELD(satori_channel_info, packets_sent, 24);
    PIN_FIELD(satori_channel_info, packets_received, 32);
    PIN_FIELD(satori_channel_info, signals_sent, 40);
    PIN_FIELD(satori_channel_info, interrupts, 48);
    PIN_FIELD(satori_channel_info, ring_full, 56);
}

TEST_CASE("struct satori_channel_open_params layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_channel_open_params, 56);
    PIN_FIELD(satori_channel_open_params, struct_size, 0);
    PIN_FIELD(satori_channel_open_params, flags, 4);
    PIN_FIELD(satori_channel_open_params, ring_bytes_out, 8);
    PIN_FIELD(satori_channel_open_params, ring_bytes_in, 12);
    PIN_FIELD(satori_channel_open_params, max_packet_bytes, 16);
    PIN_FIELD(satori_channel_open_params, max_outstanding, 20);
    PIN_FIELD(satori_channel_open_params, user_data, 24);
    PIN_FIELD(satori_channel_open_params, user_data_len, 32);
    PIN_FIELD(satori_channel_open_params, target_vcpu, 36);
    PIN_FIELD(satori_channel_open_params, cookie, 40);
    PIN_FIELD(satori_channel_open_params, callbacks, 48);
}

TEST_CASE("struct satori_device_info layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_device_info, 168);
    PIN_FIELD(satori_device_info, struct_size, 0);
    PIN_FIELD(satori_device_info, vmbus_version, 4);
    PIN_FIELD(satori_device_info, class_id, 8);
    PIN_FIELD(satori_device_info, instance_id, 24);
    PIN_FIELD(satori_device_info, offer_flags, 40);
    PIN_FIELD(satori_device_info, mmio_megabytes, 42);
    PIN_FIELD(satori_device_info, relid, 44);
    PIN_FIELD(satori_device_info, user_defined, 48);
}

TEST_CASE("struct satori_dma_buffer layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_dma_buffer, 40);
    PIN_FIELD(satori_dma_buffer, struct_size, 0);
    PIN_FIELD(satori_dma_buffer, page_count, 4);
    PIN_FIELD(satori_dma_buffer, bytes, 8);
    PIN_FIELD(satori_dma_buffer, va, 16);
    PIN_FIELD(satori_dma_buffer, pfns, 24);
    PIN_FIELD(satori_dma_buffer, handle, 32);
}

TEST_CASE("struct satori_gpa_range layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_gpa_range, 24);
    PIN_FIELD(satori_gpa_range, byte_count, 0);
    PIN_FIELD(satori_gpa_range, byte_offset, 4);
    PIN_FIELD(satori_gpa_range, pfn_count, 8);
    PIN_FIELD(satori_gpa_range, reserved, 12);
    PIN_FIELD(satori_gpa_range, pfns, 16);
}

TEST_CASE("struct satori_guid layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_guid, 16);
    PIN_FIELD(satori_guid, b, 0);
}

TEST_CASE("struct satori_hid_device_ops layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_hid_device_ops, 24);
    PIN_FIELD(satori_hid_device_ops, struct_size, 0);
    PIN_FIELD(satori_hid_device_ops, reserved, 4);
    PIN_FIELD(satori_hid_device_ops, on_open, 8);
    PIN_FIELD(satori_hid_device_ops, set_report, 16);
}

TEST_CASE("struct satori_hid_service layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_hid_service, 32);
    PIN_FIELD(satori_hid_service, struct_size, 0);
    PIN_FIELD(satori_hid_service, reserved, 4);
    PIN_FIELD(satori_hid_service, add_hiddev, 8);
    PIN_FIELD(satori_hid_service, input_report, 16);
    PIN_FIELD(satori_hid_service, remove_hiddev, 24);
}

TEST_CASE("struct satori_hiddev_params layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_hiddev_params, 72);
    PIN_FIELD(satori_hiddev_params, struct_size, 0);
    PIN_FIELD(satori_hiddev_params, bus, 4);
    PIN_FIELD(satori_hiddev_params, vendor, 8);
    PIN_FIELD(satori_hiddev_params, product, 12);
    PIN_FIELD(satori_hiddev_params, version, 16);
    PIN_FIELD(satori_hiddev_params, country, 20);
    PIN_FIELD(satori_hiddev_params, name, 24);
    PIN_FIELD(satori_hiddev_params, short_name, 32);
    PIN_FIELD(satori_hiddev_params, report_descriptor, 40);
    PIN_FIELD(satori_hiddev_params, report_descriptor_len, 48);
    PIN_FIELD(satori_hiddev_params, reserved, 52);
    PIN_FIELD(satori_hiddev_params, cookie, 56);
    PIN_FIELD(satori_hiddev_params, ops, 64);
}

TEST_CASE("struct satori_host layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_host, 64);
    PIN_FIELD(satori_host, struct_size, 0);
    PIN_FIELD(satori_host, abi_version, 4);
    PIN_FIELD(satori_host, name, 8);
    PIN_FIELD(satori_host, version, 16);
    PIN_FIELD(satori_host, get_service, 24);
    PIN_FIELD(satori_host, log, 32);
    PIN_FIELD(satori_host, strerror, 40);
    PIN_FIELD(satori_host, now_ns, 48);
    PIN_FIELD(satori_host, bus, 56);
}

TEST_CASE("struct satori_hvlink_guest layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_hvlink_guest, 32);
    PIN_FIELD(satori_hvlink_guest, struct_size, 0);
    PIN_FIELD(satori_hvlink_guest, version, 4);
    PIN_FIELD(satori_hvlink_guest, guest, 8);
    PIN_FIELD(satori_hvlink_guest, deliver_message, 16);
    PIN_FIELD(satori_hvlink_guest, signal_event, 24);
}

TEST_CASE("struct satori_hvlink_host layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_hvlink_host, 48);
    PIN_FIELD(satori_hvlink_host, struct_size, 0);
    PIN_FIELD(satori_hvlink_host, version, 4);
    PIN_FIELD(satori_hvlink_host, host, 8);
    PIN_FIELD(satori_hvlink_host, connect, 16);
    PIN_FIELD(satori_hvlink_host, post_message, 24);
    PIN_FIELD(satori_hvlink_host, signal_event, 32);
    PIN_FIELD(satori_hvlink_host, disconnect, 40);
}

TEST_CASE("struct satori_net_device_ops layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_device_ops, 48);
    PIN_FIELD(satori_net_device_ops, struct_size, 0);
    PIN_FIELD(satori_net_device_ops, reserved, 4);
    PIN_FIELD(satori_net_device_ops, xmit, 8);
    PIN_FIELD(satori_net_device_ops, set_up, 16);
    PIN_FIELD(satori_net_device_ops, set_mtu, 24);
    PIN_FIELD(satori_net_device_ops, set_mac, 32);
    PIN_FIELD(satori_net_device_ops, set_rx_mode, 40);
}

TEST_CASE("struct satori_net_meta layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_meta, 24);
    PIN_FIELD(satori_net_meta, flags, 0);
    PIN_FIELD(satori_net_meta, csum_start, 4);
    PIN_FIELD(satori_net_meta, csum_offset, 6);
    PIN_FIELD(satori_net_meta, gso_size, 8);
    PIN_FIELD(satori_net_meta, hdr_len, 10);
    PIN_FIELD(satori_net_meta, vlan_tci, 12);
    PIN_FIELD(satori_net_meta, reserved0, 14);
    PIN_FIELD(satori_net_meta, hash, 16);
    PIN_FIELD(satori_net_meta, reserved1, 20);
}

TEST_CASE("struct satori_net_rx layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_rx, 48);
    PIN_FIELD(satori_net_rx, struct_size, 0);
    PIN_FIELD(satori_net_rx, queue, 4);
    PIN_FIELD(satori_net_rx, data, 8);
    PIN_FIELD(satori_net_rx, len, 16);
    PIN_FIELD(satori_net_rx, reserved, 20);
    PIN_FIELD(satori_net_rx, meta, 24);
}

TEST_CASE("struct satori_net_segment layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_segment, 32);
    PIN_FIELD(satori_net_segment, va, 0);
    PIN_FIELD(satori_net_segment, byte_offset, 8);
    PIN_FIELD(satori_net_segment, len, 12);
    PIN_FIELD(satori_net_segment, pfn_count, 16);
    PIN_FIELD(satori_net_segment, reserved, 20);
    PIN_FIELD(satori_net_segment, pfns, 24);
}

TEST_CASE("struct satori_net_service layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_service, 64);
    PIN_FIELD(satori_net_service, struct_size, 0);
    PIN_FIELD(satori_net_service, reserved, 4);
    PIN_FIELD(satori_net_service, add_netdev, 8);
    PIN_FIELD(satori_net_service, tx_done, 16);
    PIN_FIELD(satori_net_service, wake_queue, 24);
    PIN_FIELD(satori_net_service, receive, 32);
    PIN_FIELD(satori_net_service, set_link, 40);
    PIN_FIELD(satori_net_service, stats, 48);
    PIN_FIELD(satori_net_service, remove_netdev, 56);
}

TEST_CASE("struct satori_net_stats layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_stats, 64);
    PIN_FIELD(satori_net_stats, struct_size, 0);
    PIN_FIELD(satori_net_stats, reserved, 4);
    PIN_FIELD(satori_net_stats, tx_packets, 8);
    PIN_FIELD(satori_net_stats, tx_bytes, 16);
    PIN_FIELD(satori_net_stats, tx_dropped, 24);
    PIN_FIELD(satori_net_stats, tx_queue_stops, 32);
    PIN_FIELD(satori_net_stats, rx_packets, 40);
    PIN_FIELD(satori_net_stats, rx_bytes, 48);
    PIN_FIELD(satori_net_stats, rx_dropped, 56);
}

TEST_CASE("struct satori_net_tx layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_net_tx, 56);
    PIN_FIELD(satori_net_tx, struct_size, 0);
    PIN_FIELD(satori_net_tx, queue, 4);
    PIN_FIELD(satori_net_tx, tag, 8);
    PIN_FIELD(satori_net_tx, len, 16);
    PIN_FIELD(satori_net_tx, segment_count, 20);
    PIN_FIELD(satori_net_tx, segments, 24);
    PIN_FIELD(satori_net_tx, meta, 32);
}

TEST_CASE("struct satori_netdev_params layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_netdev_params, 72);
    PIN_FIELD(satori_netdev_params, struct_size, 0);
    PIN_FIELD(satori_netdev_params, caps, 4);
    PIN_FIELD(satori_netdev_params, name, 8);
    PIN_FIELD(satori_netdev_params, mac, 16);
    PIN_FIELD(satori_netdev_params, reserved0, 22);
    PIN_FIELD(satori_netdev_params, mtu, 24);
    PIN_FIELD(satori_netdev_params, mtu_min, 28);
    PIN_FIELD(satori_netdev_params, mtu_max, 32);
    PIN_FIELD(satori_netdev_params, tx_queues, 36);
    PIN_FIELD(satori_netdev_params, rx_queues, 40);
    PIN_FIELD(satori_netdev_params, max_tx_segments, 44);
    PIN_FIELD(satori_netdev_params, gso_max_size, 48);
    PIN_FIELD(satori_netdev_params, reserved1, 52);
    PIN_FIELD(satori_netdev_params, cookie, 56);
    PIN_FIELD(satori_netdev_params, ops, 64);
}

TEST_CASE("struct satori_packet layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_packet, 64);
    PIN_FIELD(satori_packet, struct_size, 0);
    PIN_FIELD(satori_packet, type, 4);
    PIN_FIELD(satori_packet, flags, 6);
    PIN_FIELD(satori_packet, trans_id, 8);
    PIN_FIELD(satori_packet, data, 16);
    PIN_FIELD(satori_packet, data_len, 24);
    PIN_FIELD(satori_packet, xfer_pageset_id, 28);
    PIN_FIELD(satori_packet, reserved0, 30);
    PIN_FIELD(satori_packet, range_count, 32);
    PIN_FIELD(satori_packet, reserved1, 36);
    PIN_FIELD(satori_packet, ranges, 40);
    PIN_FIELD(satori_packet, raw, 48);
    PIN_FIELD(satori_packet, raw_len, 56);
    PIN_FIELD(satori_packet, reserved2, 60);
}

TEST_CASE("struct satori_plugin layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_plugin, 104);
    PIN_FIELD(satori_plugin, struct_size, 0);
    PIN_FIELD(satori_plugin, abi_version, 4);
    PIN_FIELD(satori_plugin, name, 8);
    PIN_FIELD(satori_plugin, version, 16);
    PIN_FIELD(satori_plugin, description, 24);
    PIN_FIELD(satori_plugin, class_count, 32);
    PIN_FIELD(satori_plugin, reserved0, 36);
    PIN_FIELD(satori_plugin, classes, 40);
    PIN_FIELD(satori_plugin, cookie, 48);
    PIN_FIELD(satori_plugin, probe, 56);
    PIN_FIELD(satori_plugin, remove, 64);
    PIN_FIELD(satori_plugin, on_subchannel, 72);
    PIN_FIELD(satori_plugin, suspend, 80);
    PIN_FIELD(satori_plugin, resume, 88);
    PIN_FIELD(satori_plugin, unload, 96);
}

TEST_CASE("struct satori_send layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_send, 48);
    PIN_FIELD(satori_send, struct_size, 0);
    PIN_FIELD(satori_send, type, 4);
    PIN_FIELD(satori_send, flags, 6);
    PIN_FIELD(satori_send, trans_id, 8);
    PIN_FIELD(satori_send, data, 16);
    PIN_FIELD(satori_send, data_len, 24);
    PIN_FIELD(satori_send, range_count, 28);
    PIN_FIELD(satori_send, ranges, 32);
    PIN_FIELD(satori_send, send_flags, 40);
    PIN_FIELD(satori_send, reserved, 44);
}

TEST_CASE("struct satori_shim_config layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_shim_config, 48);
    PIN_FIELD(satori_shim_config, struct_size, 0);
    PIN_FIELD(satori_shim_config, log_level, 4);
    PIN_FIELD(satori_shim_config, log, 8);
    PIN_FIELD(satori_shim_config, on_event, 16);
    PIN_FIELD(satori_shim_config, cookie, 24);
    PIN_FIELD(satori_shim_config, guest_memory_bytes, 32);
    PIN_FIELD(satori_shim_config, max_vmbus_version, 40);
    PIN_FIELD(satori_shim_config, timeout_ms, 44);
}

TEST_CASE("struct satori_shim_device layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_shim_device, 56);
    PIN_FIELD(satori_shim_device, struct_size, 0);
    PIN_FIELD(satori_shim_device, state, 4);
    PIN_FIELD(satori_shim_device, status, 8);
    PIN_FIELD(satori_shim_device, relid, 12);
    PIN_FIELD(satori_shim_device, class_id, 16);
    PIN_FIELD(satori_shim_device, instance_id, 32);
    PIN_FIELD(satori_shim_device, plugin, 48);
}

TEST_CASE("struct satori_shim_event layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_shim_event, 72);
    PIN_FIELD(satori_shim_event, struct_size, 0);
    PIN_FIELD(satori_shim_event, kind, 4);
    PIN_FIELD(satori_shim_event, status, 8);
    PIN_FIELD(satori_shim_event, value, 12);
    PIN_FIELD(satori_shim_event, plugin, 16);
    PIN_FIELD(satori_shim_event, message, 24);
    PIN_FIELD(satori_shim_event, class_id, 32);
    PIN_FIELD(satori_shim_event, instance_id, 48);
    PIN_FIELD(satori_shim_event, detail, 64);
}

TEST_CASE("struct satori_shim_plugin_info layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_shim_plugin_info, 496);
    PIN_FIELD(satori_shim_plugin_info, struct_size, 0);
    PIN_FIELD(satori_shim_plugin_info, abi_version, 4);
    PIN_FIELD(satori_shim_plugin_info, name, 8);
    PIN_FIELD(satori_shim_plugin_info, version, 72);
    PIN_FIELD(satori_shim_plugin_info, description, 104);
    PIN_FIELD(satori_shim_plugin_info, class_count, 232);
    PIN_FIELD(satori_shim_plugin_info, reserved, 236);
    PIN_FIELD(satori_shim_plugin_info, classes, 240);
}

TEST_CASE("struct satori_test_service layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_test_service, 24);
    PIN_FIELD(satori_test_service, struct_size, 0);
    PIN_FIELD(satori_test_service, reserved, 4);
    PIN_FIELD(satori_test_service, ping, 8);
    PIN_FIELD(satori_test_service, ping_count, 16);
}

TEST_CASE("struct satori_timer_service layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_timer_service, 40);
    PIN_FIELD(satori_timer_service, struct_size, 0);
    PIN_FIELD(satori_timer_service, reserved, 4);
    PIN_FIELD(satori_timer_service, create, 8);
    PIN_FIELD(satori_timer_service, arm, 16);
    PIN_FIELD(satori_timer_service, cancel, 24);
    PIN_FIELD(satori_timer_service, destroy, 32);
}

TEST_CASE("struct satori_xfer_range layout is frozen", "[abi][layout]") {
    PIN_SIZE(satori_xfer_range, 8);
    PIN_FIELD(satori_xfer_range, byte_count, 0);
    PIN_FIELD(satori_xfer_range, byte_offset, 4);
}
