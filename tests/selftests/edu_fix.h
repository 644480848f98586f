/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The edu fixture: the importer's edu DMA engine and one exporter device
 * with the first EDU_MAP_PAGES of its BAR mapped, for the cases that move
 * data by real P2P DMA (importer_edu, exporter_p2p_path).
 */
#ifndef DMABUF_P2P_EDU_FIX_H
#define DMABUF_P2P_EDU_FIX_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define EDU_MAP_PAGES	8	/* BAR pages the cases use (and mmap) */
#define EDU_CHUNK	2048

struct efix {
	struct tdev t;
	int imp;
	char edu[P2P_BDF_LEN];
	volatile uint8_t *bar;	/* the first EDU_MAP_PAGES of the BAR */
	size_t bar_len;
};

void fill(uint8_t *p, size_t len, unsigned int seed);
void bar_get(struct efix *f, uint64_t off, uint8_t *out, size_t len);
void bar_put(struct efix *f, uint64_t off, const uint8_t *in, size_t len);
void bar_set(struct efix *f, uint64_t off, uint8_t v, size_t len);
void bar_expect(struct efix *f, uint64_t off, const uint8_t *want, size_t len);
void bar_expect_byte(struct efix *f, uint64_t off, uint8_t v, size_t len);
void efix_open_dev(struct efix *f, const char *bdf);
void efix_open(struct efix *f);
uint32_t edu_reg(struct efix *f, int fd, uint64_t off, uint64_t len, uint32_t access);
int one_range(struct efix *f, uint64_t first_page, uint64_t npages, struct p2p_range *r);

#endif
