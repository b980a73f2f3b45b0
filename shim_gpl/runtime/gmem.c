/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gmem.c — guest "physical" memory for user-space back ends: one memfd that the host
 * maps too. GPA = offset into the file, PFN = GPA >> 12. Allocations are contiguous runs
 * of pages found first-fit in a bitmap; page 0 is never handed out, so a zero PFN in a
 * request is always a bug.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct gmem {
	int fd;
	uint8_t *base;
	uint64_t bytes;
	uint32_t pages;
	uint64_t *bitmap; /* 1 = in use */
	uint32_t in_use;
	uint32_t hint;    /* where the last search ended */
	pthread_mutex_t mu;
};

struct gmem_run {
	uint32_t first;
	uint32_t count;
};

static bool page_used(const struct gmem *g, uint32_t p)
{
	return g->bitmap[p / 64u] & (1ull << (p % 64u));
}

static void mark(struct gmem *g, uint32_t first, uint32_t count, bool used)
{
	for (uint32_t p = first; p < first + count; p++) {
		if (used)
			g->bitmap[p / 64u] |= 1ull << (p % 64u);
		else
			g->bitmap[p / 64u] &= ~(1ull << (p % 64u));
	}
}

static int64_t find_run(const struct gmem *g, uint32_t start, uint32_t end, uint32_t count)
{
	uint32_t run = 0;

	for (uint32_t p = start; p < end; p++) {
		if (p % 64u == 0 && g->bitmap[p / 64u] == ~0ull && p + 64u <= end) {
			run = 0;
			p += 63u;
			continue;
		}
		run = page_used(g, p) ? 0 : run + 1;
		if (run == count)
			return (int64_t)(p + 1 - count);
	}
	return -1;
}

int32_t gmem_create(uint64_t bytes, struct gmem **out)
{
	struct gmem *g;

	if (bytes < 16u * SATORI_PAGE_SIZE || bytes % SATORI_PAGE_SIZE || bytes > (1ull << 40))
		return -SATORI_EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -SATORI_ENOMEM;
	g->bytes = bytes;
	g->pages = (uint32_t)(bytes / SATORI_PAGE_SIZE);
	g->bitmap = calloc((g->pages + 63u) / 64u, sizeof(uint64_t));
	g->fd = memfd_create("satori-guest-memory", MFD_CLOEXEC);
	if (!g->bitmap || g->fd < 0 || ftruncate(g->fd, (off_t)bytes) < 0)
		goto fail;
	g->base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->base == MAP_FAILED)
		goto fail;
	pthread_mutex_init(&g->mu, NULL);
	mark(g, 0, 1, true); /* PFN 0 is never handed out */
	g->in_use = 1;
	g->hint = 1;
	*out = g;
	return 0;
fail:
	if (g->fd >= 0)
		close(g->fd);
	free(g->bitmap);
	free(g);
	return -SATORI_ENOMEM;
}

void gmem_destroy(struct gmem *g)
{
	if (!g)
		return;
	munmap(g->base, g->bytes);
	close(g->fd);
	pthread_mutex_destroy(&g->mu);
	free(g->bitmap);
	free(g);
}

int gmem_fd(const struct gmem *g)
{
	return g->fd;
}

uint64_t gmem_size(const struct gmem *g)
{
	return g->bytes;
}

int32_t gmem_alloc(struct gmem *g, uint32_t pages, void **va, uint64_t *pfns, void **handle)
{
	struct gmem_run *run;
	int64_t first;

	if (pages == 0 || pages > g->pages)
		return -SATORI_EINVAL;
	run = malloc(sizeof(*run));
	if (!run)
		return -SATORI_ENOMEM;
	pthread_mutex_lock(&g->mu);
	first = find_run(g, g->hint, g->pages, pages);
	if (first < 0)
		first = find_run(g, 1, g->pages, pages);
	if (first >= 0) {
		mark(g, (uint32_t)first, pages, true);
		g->in_use += pages;
		g->hint = (uint32_t)first + pages;
	}
	pthread_mutex_unlock(&g->mu);
	if (first < 0) {
		free(run);
		return -SATORI_ENOMEM;
	}
	run->first = (uint32_t)first;
	run->count = pages;
	*va = g->base + (uint64_t)run->first * SATORI_PAGE_SIZE;
	memset(*va, 0, (size_t)pages * SATORI_PAGE_SIZE);
	for (uint32_t i = 0; i < pages; i++)
		pfns[i] = run->first + i;
	*handle = run;
	return 0;
}

void gmem_free(struct gmem *g, void *handle)
{
	struct gmem_run *run = handle;

	if (!run)
		return;
	/* give large runs back to the kernel; they read as zeroes when reused */
	if (run->count >= 16u)
		fallocate(g->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)run->first * SATORI_PAGE_SIZE, (off_t)run->count * SATORI_PAGE_SIZE);
	pthread_mutex_lock(&g->mu);
	mark(g, run->first, run->count, false);
	g->in_use -= run->count;
	if (run->first < g->hint)
		g->hint = run->first;
	pthread_mutex_unlock(&g->mu);
	free(run);
}

uint32_t gmem_pages_in_use(struct gmem *g)
{
	uint32_t n;

	pthread_mutex_lock(&g->mu);
	n = g->in_use;
	pthread_mutex_unlock(&g->mu);
	return n;
}
