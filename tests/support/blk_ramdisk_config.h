/* SPDX-License-Identifier: MIT */
/*
 * blk_ramdisk_config.h — how a blk test configures the ramdisk test plugin
 * (tests/blk/plugins/ramdisk.c): the simulated device's offer carries this struct in its
 * 120 user-defined bytes, and the plugin exports one extra symbol, satori_test_ramdisk_ctl,
 * that a test finds with dlopen(RTLD_NOLOAD) + dlsym. Plain C, shared by C and C++.
 */
#ifndef SATORI_TEST_BLK_RAMDISK_CONFIG_H
#define SATORI_TEST_BLK_RAMDISK_CONFIG_H

#include <stdint.h>

#define BLK_RAMDISK_MAGIC 0x444d4152u /* "RAMD" */
#define BLK_RAMDISK_CLASS_BYTE 0xb1   /* class 5a7f0000-0000-4000-8000-0000000000b1 */

/* how requests complete */
#define BLK_RAMDISK_ASYNC 0u /* from the plugin's worker threads */
#define BLK_RAMDISK_SYNC 1u  /* inside submit */
#define BLK_RAMDISK_HOLD 2u  /* never, until BLK_RAMDISK_CTL_RELEASE (or remove) */

/* options */
#define BLK_RAMDISK_O_SHUFFLE 0x1u       /* complete in random order */
#define BLK_RAMDISK_O_FORGET_REMOVE 0x2u /* remove() does not call remove_disk */

/* satori_test_ramdisk_ctl operations; the result is a number (0 on success for setters) */
#define BLK_RAMDISK_CTL_SET_CAPACITY 1u /* arg: blocks; returns the service's status */
#define BLK_RAMDISK_CTL_MEDIA 2u        /* arg: present; returns the service's status */
#define BLK_RAMDISK_CTL_PEAK 3u         /* most requests in flight at once */
#define BLK_RAMDISK_CTL_REQUESTS 4u     /* requests submitted */
#define BLK_RAMDISK_CTL_VIOLATIONS 5u   /* requests that broke the blk.h contract */
#define BLK_RAMDISK_CTL_MAX_BYTES 6u    /* largest request, bytes */
#define BLK_RAMDISK_CTL_RELEASE 7u      /* HOLD: complete what is held with (int32_t)arg */
#define BLK_RAMDISK_CTL_HELD 8u         /* HOLD: requests held now */
#define BLK_RAMDISK_CTL_DATA 9u         /* the disk's bytes (a pointer) */
#define BLK_RAMDISK_CTL_FAIL 10u        /* READ/WRITE now complete with (int32_t)arg (0: OK) */
#define BLK_RAMDISK_CTL_OPS 11u         /* requests of op (arg) submitted */
#define BLK_RAMDISK_CTL_FUA 12u         /* requests with SATORI_BLK_REQ_FUA submitted */
#define BLK_RAMDISK_CTL_FAIL_SUBMIT 13u /* submit now returns (int32_t)arg at once (0: off) */
#define BLK_RAMDISK_CTL_BOGUS_COMPLETE 14u /* complete() a tag the shim never issued */
#define BLK_RAMDISK_CTL_TRY_ADD 15u     /* add_disk with broken parameters (variant arg) */
#define BLK_RAMDISK_TRY_ADD_VARIANTS 12u

#define BLK_RAMDISK_CTL_SYMBOL "satori_test_ramdisk_ctl"
/* -1 (as uint64_t) when no ramdisk has @id */
typedef uint64_t (*blk_ramdisk_ctl_fn)(uint32_t id, uint32_t op, uint64_t arg);

struct blk_ramdisk_config {
	uint32_t magic;               /* BLK_RAMDISK_MAGIC */
	uint32_t id;                  /* the test's name for this disk, for the ctl */
	uint64_t capacity_bytes;
	uint32_t disk_flags;          /* SATORI_BLK_F_* */
	uint32_t logical_block_size;
	uint32_t physical_block_size;
	uint32_t max_transfer_bytes;
	uint32_t queue_depth;
	uint32_t mode;                /* BLK_RAMDISK_ASYNC, _SYNC, _HOLD */
	uint32_t options;             /* BLK_RAMDISK_O_* */
	uint32_t delay_us;            /* ASYNC: each request takes this long */
	char name[32];                /* "" = the shim names it */
};

#ifdef __cplusplus
static_assert(sizeof(struct blk_ramdisk_config) <= 120, "fits the offer's user-defined bytes");
#else
_Static_assert(sizeof(struct blk_ramdisk_config) <= 120, "fits the offer's user-defined bytes");
#endif

#endif /* SATORI_TEST_BLK_RAMDISK_CONFIG_H */
