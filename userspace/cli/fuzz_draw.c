// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: drawing a call. Each call takes exactly FUZZ_WORDS
 * numbers from its worker's stream: the first picks the operation, the
 * rest are read as a bit stream by whichever arguments the operation has.
 * So the calls of a seed are the same however the ones before them went,
 * and a failing call is found again with the same --seed and --calls.
 *
 * Arguments that depend on what exists at run time (which fd is in a
 * slot, how large a buffer is) are drawn as a slot or a scaled position
 * and resolved when the call is made.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/ioctl.h>
#include <linux/pci_regs.h>

#include "fuzz.h"

uint32_t fuzz_bits(struct fuzz_bits *b, unsigned int n)
{
	const unsigned int total = 64 * (FUZZ_WORDS - 1);
	uint64_t v = 0;
	unsigned int i, p;

	/* Past the end it wraps: still deterministic, and the test says so. */
	for (i = 0; i < n; i++) {
		p = (b->pos + i) % total;
		v |= ((b->w[1 + p / 64] >> (p % 64)) & 1) << i;
	}
	b->pos += n;
	return (uint32_t)v;
}

/* Eight bits more than @n needs: a modulo bias below 1/256, and few bits used. */
uint32_t fuzz_below(struct fuzz_bits *b, uint32_t n)
{
	unsigned int need = n > 1 ? 32 - __builtin_clz(n - 1) + 8 : 0;

	if (!need)
		return 0;
	return fuzz_bits(b, need < 32 ? need : 32) % n;
}

uint64_t fuzz_bits64(struct fuzz_bits *b)
{
	uint64_t lo = fuzz_bits(b, 32);

	return lo | (uint64_t)fuzz_bits(b, 32) << 32;
}

/*
 * The mix, in parts of the sum. Calls that sleep in the kernel (resets:
 * ~100 ms of msleep; reopen: two of them) are rare, so a run's time goes
 * into many calls rather than a few long ones.
 *
 * What one call costs in the QEMU TCG guest, estimated (2 cores, single
 * vCPU thread; not measured on the device yet): a refused ioctl 20-50 us;
 * create, REG_MR, DEREG_MR that succeed 0.1-0.5 ms (the iommu profile
 * maps through the emulated IOMMU); a config write 0.3-1 ms, D3hot and
 * back 2 x 10 ms, an FLR or reset ~100 ms, a reopen two resets; an edu
 * transfer ~100 ms per 2 KiB. Weighted: about 0.3-0.6 ms per call.
 */
static const struct {
	const char *name;
	unsigned int weight;
} ops[FOP_NR] = {
	[FOP_CREATE] = { "create", 900 },
	[FOP_FEATURE] = { "feature", 800 },
	[FOP_CFG] = { "cfg-write", 400 },
	[FOP_RESET] = { "reset", 3 },
	[FOP_KNOB_REVOKE] = { "knob-revoke", 250 },
	[FOP_KNOB] = { "knob", 300 },
	[FOP_IMP_OPEN] = { "imp-open", 100 },
	[FOP_REG] = { "reg", 1600 },
	[FOP_DEREG] = { "dereg", 700 },
	[FOP_QUERY] = { "query", 500 },
	[FOP_ACCESS] = { "access", 1600 },
	[FOP_IMP_IOCTL] = { "imp-ioctl", 300 },
	[FOP_SHARE] = { "share", 400 },
	[FOP_CLOSE] = { "close", 700 },
	[FOP_UDMABUF] = { "udmabuf", 100 },
	[FOP_DMABUF_MISC] = { "dmabuf-misc", 300 },
	[FOP_RACE] = { "race", 120 },
	[FOP_SIGNAL] = { "signal", 40 },
	[FOP_REOPEN] = { "reopen", 1 },
};

const char *fuzz_op_name(enum fuzz_op op)
{
	return (unsigned int)op < FOP_NR ? ops[op].name : "?";
}

unsigned int fuzz_op_weight(enum fuzz_op op)
{
	return (unsigned int)op < FOP_NR ? ops[op].weight : 0;
}

static enum fuzz_op pick_op(uint64_t w)
{
	unsigned int total = 0, i;

	for (i = 0; i < FOP_NR; i++)
		total += ops[i].weight;
	w %= total;
	for (i = 0; i < FOP_NR; i++) {
		if (w < ops[i].weight)
			return i;
		w -= ops[i].weight;
	}
	return FOP_CREATE;
}

static bool chance(struct fuzz_bits *b, unsigned int pct)
{
	return fuzz_below(b, 100) < pct;
}

static uint32_t valid_open_flags(struct fuzz_bits *b)
{
	uint32_t r = fuzz_below(b, 100);

	if (r < 60)
		return O_RDWR | O_CLOEXEC;
	if (r < 80)
		return O_RDONLY | O_CLOEXEC;
	if (r < 90)
		return O_WRONLY | O_CLOEXEC;
	return r < 95 ? O_RDWR : O_RDONLY;
}

static uint64_t bar_pages(const struct fuzz_geom *g)
{
	uint64_t p = g->page ? g->bar_size / g->page : 0;

	return p ? p : 1;
}

/* Up to @nr page-aligned ranges inside the BAR whose total fits in it. */
static void valid_ranges(struct fuzz_bits *b, const struct fuzz_geom *g, unsigned int nr,
			 struct p2p_range *r)
{
	uint64_t pages = bar_pages(g), max = pages / nr, len, off;
	unsigned int i;

	if (max > 16)
		max = 16;
	if (!max)
		max = 1;
	for (i = 0; i < nr; i++) {
		len = 1 + fuzz_bits(b, 16) % max;
		off = len <= pages ? (fuzz_bits(b, 16) * (pages - len + 1)) >> 16 : 0;
		r[i].offset = off * g->page;
		r[i].length = len * g->page;
	}
}

static void draw_create(struct fuzz_bits *b, const struct fuzz_geom *g, struct fuzz_create *c)
{
	uint32_t r;

	c->slot = fuzz_below(b, FUZZ_NBUF);
	r = fuzz_below(b, 100);
	c->nr = r < 60 ? 1 : r < 85 ? 2 + fuzz_below(b, 3) : 5 + fuzz_below(b, 4);
	c->open_flags = valid_open_flags(b);
	valid_ranges(b, g, c->nr, c->r);
}

/* splitmix64: ranges of a request from one seed, however many there are. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* What is wrong with the ranges of a garbled request (feature.bad). */
enum {
	RB_NONE, RB_UNALIGNED_OFF, RB_UNALIGNED_LEN, RB_ZERO_LEN, RB_OVERFLOW, RB_PAST_BAR,
	RB_ENDS_PAST_BAR, RB_HUGE_LEN, RB_TOTAL_TOO_BIG, RB_OVERLAP, RB_NR
};

static const char *const rb_names[RB_NR] = {
	"valid", "unaligned-offset", "unaligned-length", "zero-length", "overflow",
	"past-bar", "ends-past-bar", "huge-length", "total-above-bar", "overlapping",
};

static void feature_ranges(struct fuzz_bits *b, const struct fuzz_geom *g,
			   struct fuzz_feature *f)
{
	uint64_t seed = fuzz_bits64(b), pages = bar_pages(g), max, len, off;
	unsigned int i, k;

	f->nfill = f->nr_ranges < FUZZ_FEAT_RANGES ? f->nr_ranges : FUZZ_FEAT_RANGES;
	max = f->nfill ? pages / f->nfill : 1;
	max = max ? max : 1;
	for (i = 0; i < f->nfill; i++) {
		uint64_t x = mix64(seed + i);

		len = 1 + (x & 0xffff) % (max < 16 ? max : 16);
		off = len <= pages ? (((x >> 16) & 0xffff) * (pages - len + 1)) >> 16 : 0;
		f->r[i].offset = off * g->page;
		f->r[i].length = len * g->page;
	}
	f->bad = chance(b, 55) ? RB_NONE : 1 + fuzz_below(b, RB_NR - 1);
	if (!f->nfill)
		return;
	k = fuzz_below(b, f->nfill);
	switch (f->bad) {
	case RB_UNALIGNED_OFF:
		f->r[k].offset += 1 + fuzz_below(b, g->page - 1);
		break;
	case RB_UNALIGNED_LEN:
		f->r[k].length -= 1 + fuzz_below(b, g->page - 1);
		break;
	case RB_ZERO_LEN:
		f->r[k].length = 0;
		break;
	case RB_OVERFLOW:
		f->r[k].offset = UINT64_MAX - g->page + 1;
		f->r[k].length = 2 * g->page;
		break;
	case RB_PAST_BAR:
		f->r[k].offset = g->bar_size;
		f->r[k].length = g->page;
		break;
	case RB_ENDS_PAST_BAR:
		f->r[k].offset = g->bar_size - g->page;
		f->r[k].length = 2 * g->page;
		break;
	case RB_HUGE_LEN:
		f->r[k].length = UINT64_MAX & ~(g->page - 1);
		break;
	case RB_TOTAL_TOO_BIG:
		for (i = 0; i < f->nfill; i++) {
			f->r[i].offset = 0;
			f->r[i].length = g->bar_size;
		}
		break;
	case RB_OVERLAP:
		f->r[k] = f->r[0];
		break;
	}
}

static void random_payload(struct fuzz_bits *b, struct fuzz_feature *f)
{
	unsigned int i;

	for (i = 0; i < sizeof(f->payload); i += 4) {
		uint32_t v = fuzz_bits(b, 32);

		memcpy(f->payload + i, &v, 4);
	}
}

#define HDR		((uint32_t)sizeof(struct vfio_device_feature))
#define REQ		((uint32_t)sizeof(struct vfio_device_feature_dma_buf))
#define RANGE		((uint32_t)sizeof(struct vfio_region_dma_range))
#define DMABUF_GET	(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)

static void draw_request(struct fuzz_bits *b, const struct fuzz_geom *g, struct fuzz_feature *f)
{
	uint32_t r = fuzz_below(b, 100), exact;

	if (r < 70)
		f->region = g->bar;
	else if (r < 75)
		f->region = g->io_bar >= 0 ? (uint32_t)g->io_bar : g->bar;
	else if (r < 80)
		f->region = g->empty_bar >= 0 ? (uint32_t)g->empty_bar : VFIO_PCI_BAR5_REGION_INDEX;
	else if (r < 84)
		f->region = VFIO_PCI_ROM_REGION_INDEX;
	else if (r < 88)
		f->region = VFIO_PCI_CONFIG_REGION_INDEX;
	else if (r < 91)
		f->region = VFIO_PCI_VGA_REGION_INDEX;
	else if (r < 94)
		f->region = VFIO_PCI_NUM_REGIONS;
	else if (r < 97)
		f->region = fuzz_below(b, VFIO_PCI_ROM_REGION_INDEX);
	else
		f->region = fuzz_bits(b, 32);

	r = fuzz_below(b, 100);
	if (r < 80)
		f->open_flags = valid_open_flags(b);
	else if (r < 85)
		f->open_flags = O_ACCMODE | O_CLOEXEC;
	else if (r < 90)
		f->open_flags = O_RDWR | O_NONBLOCK;
	else if (r < 95)
		f->open_flags = O_RDWR | 1u << fuzz_below(b, 32);
	else
		f->open_flags = fuzz_bits(b, 32);

	f->req_flags = chance(b, 92) ? 0 : chance(b, 50) ? 1u << fuzz_below(b, 32) :
		       fuzz_bits(b, 32) | 1;

	r = fuzz_below(b, 100);
	if (r < 4)
		f->nr_ranges = 0;
	else if (r < 80)
		f->nr_ranges = 1 + fuzz_below(b, 8);
	else if (r < 88)
		f->nr_ranges = 9 + fuzz_below(b, FUZZ_FEAT_RANGES - 8);
	else if (r < 92)
		f->nr_ranges = FUZZ_FEAT_RANGES;
	else if (r < 96)
		f->nr_ranges = FUZZ_FEAT_RANGES + 1;
	else if (r < 98)
		f->nr_ranges = FUZZ_FEAT_RANGES + 1 + fuzz_bits(b, 31);
	else
		f->nr_ranges = UINT32_MAX;
	feature_ranges(b, g, f);

	exact = HDR + REQ + f->nfill * RANGE;
	r = fuzz_below(b, 100);
	if (r < 80)
		f->argsz = exact;
	else if (r < 88)
		f->argsz = exact - RANGE * (1 + fuzz_below(b, f->nfill ? f->nfill : 1));
	else if (r < 92)
		f->argsz = exact + fuzz_below(b, 64);
	else if (r < 96)
		f->argsz = UINT32_MAX;
	else
		f->argsz = HDR + REQ;
}

static void draw_feature(struct fuzz_bits *b, const struct fuzz_geom *g, struct fuzz_feature *f)
{
	static const uint32_t dirs[] = {
		VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET,
		0,
	};
	uint32_t v = fuzz_below(b, 16), r, feat;

	f->slot = fuzz_below(b, FUZZ_NBUF);
	/* A request body for every variant: the header is what is judged. */
	draw_request(b, g, f);
	if (v == 0) {
		f->kind = FK_FEAT_PROBE;
		f->flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_DMA_BUF |
			   dirs[fuzz_below(b, 2)] | (chance(b, 30) ? VFIO_DEVICE_FEATURE_SET : 0);
		f->argsz = HDR + fuzz_below(b, REQ + 4 * RANGE);
	} else if (v <= 2) {
		f->kind = FK_FEAT_BADHDR;
		f->flags = DMABUF_GET;
		switch (fuzz_below(b, 7)) {
		case 0:
			f->argsz = fuzz_below(b, HDR);
			break;
		case 1:
			f->flags |= 1u << (19 + fuzz_below(b, 13));
			break;
		case 2:
			f->flags |= VFIO_DEVICE_FEATURE_SET;
			break;
		case 3:
			f->flags = VFIO_DEVICE_FEATURE_DMA_BUF;
			break;
		case 4:
			f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF;
			break;
		case 5:
			f->argsz = HDR + fuzz_below(b, REQ);
			break;
		default:
			f->flags = VFIO_DEVICE_FEATURE_GET | (fuzz_bits(b, 13) << 19 | 1u << 19) |
				   fuzz_bits(b, 16);
			break;
		}
	} else if (v == 3) {
		f->kind = FK_FEAT_OTHER;
		r = fuzz_below(b, 100);
		/* Low-power exit often, so an entry does not last long. */
		if (r < 30)
			feat = VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
		else if (r < 35)
			feat = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
		else if (r < 40)
			feat = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
		else if (r < 90)
			feat = fuzz_below(b, 16);
		else
			feat = fuzz_bits(b, 16);
		if (feat == VFIO_DEVICE_FEATURE_DMA_BUF)
			feat = VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
		f->flags = feat | dirs[fuzz_below(b, sizeof(dirs) / sizeof(dirs[0]))];
		f->argsz = HDR + fuzz_below(b, sizeof(f->payload) + 1);
		random_payload(b, f);
		if (feat == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP) {
			/* No eventfd is ever open: closed, negative, or a std fd. */
			static const int32_t fds[] = { -1, INT_MAX, 0, 1, 2, 1 << 24 };
			int32_t fd = fds[fuzz_below(b, sizeof(fds) / sizeof(fds[0]))];

			memcpy(f->payload, &fd, sizeof(fd));
		}
	} else {
		f->kind = FK_FEAT_REQ;
		f->flags = DMABUF_GET;
	}
}

enum { CT_COMMAND, CT_PMCSR, CT_DEVCTL, CT_AF, CT_STATUS, CT_RANDOM, CT_OOB };

static void draw_cfg(struct fuzz_bits *b, const struct fuzz_geom *g, struct fuzz_cfg *c)
{
	static const unsigned int states[] = { 0, 0, 0, 0, 0, 0, 3, 3, 1, 2 };
	static const unsigned int lens[] = { 1, 2, 4, 4, 3, 8 };
	uint32_t r = fuzz_below(b, 100), v = fuzz_bits(b, 32), k;
	unsigned int i, t;

	for (i = 0; i < sizeof(c->val); i += 4) {
		uint32_t x = fuzz_bits(b, 32);

		memcpy(c->val + i, &x, 4);
	}
	t = r < 35 ? CT_COMMAND : r < 55 ? CT_PMCSR : r < 62 ? CT_DEVCTL : r < 64 ? CT_AF :
	    r < 68 ? CT_STATUS : r < 94 ? CT_RANDOM : CT_OOB;
	/* A capability the device lacks: COMMAND instead. */
	if ((t == CT_PMCSR && !g->pm) || (t == CT_DEVCTL && !g->exp) ||
	    (t == CT_AF && !g->af) || (t >= CT_RANDOM && !g->cfg_size))
		t = CT_COMMAND;
	c->len = 2;
	switch (t) {
	case CT_COMMAND:
		/* Memory decode mostly on: revoked buffers exercise half the paths. */
		c->target = "COMMAND";
		c->off = PCI_COMMAND;
		v = chance(b, 75) ? v | PCI_COMMAND_MEMORY : v & ~PCI_COMMAND_MEMORY;
		break;
	case CT_PMCSR:
		/* D3hot and back cost 10 ms each (pci_set_power_state). */
		c->target = "PMCSR";
		c->off = g->pm + PCI_PM_CTRL;
		v = (v & ~PCI_PM_CTRL_STATE_MASK) | states[fuzz_below(b, 10)];
		break;
	case CT_DEVCTL:
		/* An FLR sleeps 100 ms: rare. */
		c->target = "DEVCTL";
		c->off = g->exp + PCI_EXP_DEVCTL;
		v = chance(b, 5) ? v | PCI_EXP_DEVCTL_BCR_FLR : v & ~PCI_EXP_DEVCTL_BCR_FLR;
		break;
	case CT_AF:
		c->target = "AF_CTRL";
		c->off = g->af + PCI_AF_CTRL;
		c->len = 1;
		v = chance(b, 5) ? PCI_AF_CTRL_FLR : 0;
		break;
	case CT_STATUS:
		c->target = "STATUS";
		c->off = PCI_STATUS;
		break;
	case CT_RANDOM:
		c->target = "random";
		c->off = fuzz_below(b, g->cfg_size);
		c->len = lens[fuzz_below(b, 6)];
		if (c->off + c->len > g->cfg_size)
			c->len = g->cfg_size - c->off;
		return;
	default:
		c->target = "past-end";
		c->oob = true;
		k = fuzz_below(b, 4);
		if (chance(b, 50)) {
			c->off = g->cfg_size - k;
			c->len = k + 1 + fuzz_below(b, 8 - k);
		} else {
			c->off = g->cfg_size + fuzz_below(b, 4096);
			c->len = 1 + fuzz_below(b, 4);
		}
		return;
	}
	memcpy(c->val, &v, sizeof(v));
}

static void draw_size(struct fuzz_bits *b, enum fuzz_size *s, bool *garbled)
{
	uint32_t r = fuzz_below(b, 100);

	if (r < 82)
		*s = SZ_EXACT;
	else if (r < 87)
		*s = SZ_ZERO_TAIL;
	else if (r < 89)
		*s = SZ_PAGE;
	else
		*s = SZ_TINY + fuzz_below(b, SZ_NR - SZ_TINY);
	if (*s >= SZ_TINY)
		*garbled = true;
}

static void draw_range(struct fuzz_bits *b, bool bytes, enum fuzz_range *rg, uint64_t *ra,
		       uint64_t *rb, bool *garbled)
{
	uint32_t r = fuzz_below(b, 100);

	*ra = fuzz_bits(b, 32);
	*rb = fuzz_bits(b, 32);
	if (r < 40) {
		*rg = R_WHOLE;
	} else if (r < 75) {
		*rg = bytes && chance(b, 50) ? R_BYTES : R_PAGES;
	} else {
		*rg = R_UNALIGNED_OFF + fuzz_below(b, R_NR - R_UNALIGNED_OFF);
		/* Any byte range is fine for ACCESS: those two are not garbage there. */
		if (bytes && (*rg == R_UNALIGNED_OFF || *rg == R_UNALIGNED_LEN))
			*rg = R_BYTES;
		else
			*garbled = true;
	}
}

static unsigned int draw_imp(struct fuzz_bits *b)
{
	/* The shared fd one time in four: its handles are everybody's. */
	return chance(b, 25) ? FUZZ_NIMP : fuzz_below(b, FUZZ_NIMP);
}

static void draw_reg(struct fuzz_bits *b, struct fuzz_reg *c)
{
	static const int badnums[] = { -1, INT_MIN, INT_MAX, 1 << 24, -4096 };
	uint32_t r = fuzz_below(b, 100);

	if (r < 62)
		c->fd = FD_BUF;
	else if (r < 70)
		c->fd = FD_UDMABUF;
	else if (r < 74)
		c->fd = FD_PIPE;
	else if (r < 77)
		c->fd = FD_DEVNULL;
	else if (r < 80)
		c->fd = FD_IMP;
	else if (r < 83)
		c->fd = FD_VFIO;
	else if (r < 85)
		c->fd = FD_SOCK;
	else if (r < 90)
		c->fd = FD_CLOSED;
	else if (r < 95)
		c->fd = FD_BADNUM;
	else
		c->fd = FD_RANDOM;
	c->fdnum = c->fd == FD_BADNUM ? badnums[fuzz_below(b, 5)] :
		   c->fd == FD_RANDOM ? (int)fuzz_below(b, 64) : 0;
	c->buf = fuzz_below(b, c->fd == FD_UDMABUF ? FUZZ_NUDMA : FUZZ_NBUF);
	c->imp = draw_imp(b);
	c->mr = fuzz_below(b, FUZZ_NMR);
	draw_size(b, &c->size, &c->garbled);

	r = fuzz_below(b, 1000);
	if (r < 880) {
		c->flags = 0;
	} else if (r < 950) {
		c->flags = P2P_MR_PINNED;
	} else if (r < 956) {
		/* The engine moves 2 KiB per ~100 ms: rare. */
		c->flags = P2P_MR_EDU;
	} else if (r < 959) {
		c->flags = P2P_MR_PINNED | P2P_MR_EDU;
	} else {
		c->flags = fuzz_bits(b, 32) | 1u << (2 + fuzz_below(b, 30));
		c->garbled = true;
	}
	r = fuzz_below(b, 100);
	if (r < 60) {
		c->access = P2P_MR_ACCESS_ALL;
	} else if (r < 75) {
		c->access = P2P_MR_ACCESS_READ;
	} else if (r < 85) {
		c->access = P2P_MR_ACCESS_WRITE;
	} else if (r < 93) {
		c->access = 0;
	} else {
		c->access = fuzz_bits(b, 32) | 1u << (2 + fuzz_below(b, 30));
		c->garbled = true;
	}
	if (chance(b, 3)) {
		c->reserved = fuzz_bits(b, 32) | 1;
		c->garbled = true;
	}
	if (chance(b, 3)) {
		c->handle_in = fuzz_bits(b, 32) | 1;
		c->garbled = true;
	}
	draw_range(b, false, &c->range, &c->ra, &c->rb, &c->garbled);
}

static void draw_handle(struct fuzz_bits *b, enum fuzz_handle *h, unsigned int *imp,
			unsigned int *mr, unsigned int *stale, uint32_t *hval)
{
	uint32_t r = fuzz_below(b, 100);

	*h = r < 60 ? H_LIVE : r < 72 ? H_SHARED : r < 82 ? H_STALE : r < 88 ? H_ZERO : H_RANDOM;
	*imp = draw_imp(b);
	*mr = fuzz_below(b, FUZZ_NMR);
	*stale = fuzz_below(b, FUZZ_NSHARED);
	*hval = fuzz_bits(b, 32);
}

static void draw_hcall(struct fuzz_bits *b, bool dereg, struct fuzz_hcall *c)
{
	uint32_t r;

	draw_handle(b, &c->h, &c->imp, &c->mr, &c->stale, &c->hval);
	draw_size(b, &c->size, &c->garbled);
	r = fuzz_below(b, 100);
	if (!dereg) {
		c->flags = 0;
	} else if (r < 70) {
		c->flags = 0;
	} else if (r < 95) {
		c->flags = P2P_DEREG_DEFERRED;
	} else {
		c->flags = fuzz_bits(b, 32) | 1u << (1 + fuzz_below(b, 31));
		c->garbled = true;
	}
	if (chance(b, 3)) {
		c->reserved = fuzz_bits(b, 32) | 1;
		c->garbled = true;
	}
}

static void draw_ptr(struct fuzz_bits *b, enum fuzz_ptr *p, bool *garbled)
{
	uint32_t r = fuzz_below(b, 100);

	*p = r < 90 ? P_OK : r < 93 ? P_NULL : r < 95 ? P_KERNEL : r < 98 ? P_GUARD : P_RDONLY;
	if (*p != P_OK)
		*garbled = true;
}

static void draw_access(struct fuzz_bits *b, struct fuzz_access *c)
{
	uint32_t r;

	draw_handle(b, &c->h, &c->imp, &c->mr, &c->stale, &c->hval);
	draw_size(b, &c->size, &c->garbled);
	r = fuzz_below(b, 100);
	if (r < 45) {
		c->op = P2P_ACCESS_CHECK;
	} else if (r < 65) {
		c->op = P2P_ACCESS_READ;
	} else if (r < 85) {
		c->op = P2P_ACCESS_WRITE;
	} else {
		static const uint32_t bad[] = { 0, P2P_ACCESS_CHECK + 1, UINT32_MAX };

		c->op = chance(b, 50) ? bad[fuzz_below(b, 3)] : fuzz_bits(b, 32) | 4;
		c->garbled = true;
	}
	r = fuzz_below(b, 100);
	if (c->op == P2P_ACCESS_CHECK) {
		c->count = FUZZ_MAX_SEGS;
		if (r >= 80) {
			c->count = r < 90 ? 0 : 1;
			c->count_small = true;
			c->garbled = true;
		}
	} else if (r >= 95) {
		/* The new uAPI wants it zero for READ/WRITE. */
		c->count = fuzz_bits(b, 32) | 1;
		c->garbled = true;
	}
	draw_range(b, true, &c->range, &c->ra, &c->rb, &c->garbled);
	draw_ptr(b, &c->ptr, &c->garbled);
}

/* Command numbers the VFS answers itself, on any file, are avoided. */
static void draw_ioctl(struct fuzz_bits *b, struct fuzz_ioctl *c)
{
	static const uint32_t real[4] = {
		P2P_IOC_REG_MR, P2P_IOC_DEREG_MR, P2P_IOC_QUERY_MR, P2P_IOC_ACCESS_MR };
	uint32_t r = fuzz_below(b, 100), dir = fuzz_below(b, 4), size, nr;

	c->imp = draw_imp(b);
	c->mr = fuzz_below(b, FUZZ_NMR);
	c->size_field = chance(b, 50) ? fuzz_below(b, 128) : fuzz_bits(b, 32);
	c->which = fuzz_below(b, 4);
	size = chance(b, 50) ? fuzz_bits(b, _IOC_SIZEBITS) : 48;
	if (r < 40) {
		c->variant = IOC_UNKNOWN;
		if (chance(b, 50)) {
			nr = 4 + fuzz_below(b, 252);
			c->cmd = _IOC(dir, P2P_IMPORTER_TYPE, nr, size);
		} else {
			c->cmd = _IOC(dir, P2P_IMPORTER_TYPE + 1 + fuzz_below(b, 7),
				      fuzz_bits(b, 8), size);
		}
	} else if (r < 60) {
		c->variant = IOC_ALIAS;
		c->cmd = _IOC(dir, P2P_IMPORTER_TYPE, c->which, size);
		if (c->cmd == real[c->which])
			c->cmd = _IOC(dir, P2P_IMPORTER_TYPE, c->which, (size + 1) & 0x3fff);
	} else {
		static const enum fuzz_ptr ptrs[] = {
			P_NULL, P_KERNEL, P_GUARD, P_STRADDLE, P_RDONLY, P_RDONLY };

		c->variant = IOC_BADPTR;
		c->cmd = real[c->which];
		c->ptr = ptrs[fuzz_below(b, 6)];
	}
}

static void draw_misc(struct fuzz_bits *b, struct fuzz_misc *c)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	unsigned int n, i;

	c->udmabuf = chance(b, 20);
	c->slot = fuzz_below(b, c->udmabuf ? FUZZ_NUDMA : FUZZ_NBUF);
	c->what = fuzz_below(b, MISC_NR);
	c->arg = fuzz_bits(b, 32);
	/* DMA_BUF_NAME_LEN is 32 with the NUL: up to 31 fit, "long" does not. */
	n = c->what == MISC_NAME_LONG ? 32 + fuzz_below(b, FUZZ_NAME_MAX - 33) :
	    fuzz_below(b, 32);
	for (i = 0; i < n; i++)
		c->name[i] = chars[fuzz_below(b, sizeof(chars) - 1)];
	c->name[n] = '\0';
}

unsigned int fuzz_draw(struct p2p_prng *p, const struct fuzz_geom *g, struct fuzz_call *c)
{
	uint64_t w[FUZZ_WORDS];
	struct fuzz_bits b = { .w = w };
	unsigned int i;
	size_t nknobs;

	for (i = 0; i < FUZZ_WORDS; i++)
		w[i] = p2p_prng_next(p);
	memset(c, 0, sizeof(*c));
	c->op = pick_op(w[0]);
	switch (c->op) {
	case FOP_CREATE:
		draw_create(&b, g, &c->create);
		break;
	case FOP_FEATURE:
		draw_feature(&b, g, &c->feature);
		break;
	case FOP_CFG:
		draw_cfg(&b, g, &c->cfg);
		break;
	case FOP_RESET:
	case FOP_REOPEN:
		break;
	case FOP_KNOB_REVOKE:
		c->revoke = chance(&b, 30);
		break;
	case FOP_KNOB:
		fuzz_knobs(&nknobs);
		c->knob.knob = fuzz_below(&b, nknobs);
		fuzz_knob_value(&fuzz_knobs(&nknobs)[c->knob.knob], &b, c->knob.val,
				sizeof(c->knob.val), &c->knob.len);
		c->knob.hold = 1 + fuzz_below(&b, 32);
		break;
	case FOP_IMP_OPEN:
		c->imp_slot = fuzz_below(&b, FUZZ_NIMP);
		break;
	case FOP_REG:
		draw_reg(&b, &c->reg);
		break;
	case FOP_DEREG:
	case FOP_QUERY:
		draw_hcall(&b, c->op == FOP_DEREG, &c->hcall);
		break;
	case FOP_ACCESS:
		draw_access(&b, &c->access);
		break;
	case FOP_IMP_IOCTL:
		draw_ioctl(&b, &c->ioctl);
		break;
	case FOP_SHARE: {
		uint32_t r = fuzz_below(&b, 100);

		c->share.variant = r < 45 ? SH_PASS : r < 65 ? SH_FLIGHT : r < 80 ? SH_RECV :
				   r < 92 ? SH_DROP : SH_CYCLE;
		r = fuzz_below(&b, 100);
		c->share.src = r < 70 ? SRC_BUF : r < 80 ? SRC_UDMABUF : r < 90 ? SRC_IMP :
			       SRC_PIPE;
		c->share.slot = fuzz_below(&b, c->share.src == SRC_UDMABUF ? FUZZ_NUDMA :
					   c->share.src == SRC_IMP ? FUZZ_NIMP : FUZZ_NBUF);
		break;
	}
	case FOP_CLOSE: {
		uint32_t r = fuzz_below(&b, 100);

		c->close.what = r < 60 ? SRC_BUF : r < 72 ? SRC_UDMABUF : SRC_IMP;
		c->close.slot = fuzz_below(&b, c->close.what == SRC_UDMABUF ? FUZZ_NUDMA :
					   c->close.what == SRC_IMP ? FUZZ_NIMP : FUZZ_NBUF);
		break;
	}
	case FOP_UDMABUF:
		c->udmabuf.slot = fuzz_below(&b, FUZZ_NUDMA);
		c->udmabuf.pages = 1 + fuzz_below(&b, 4);
		break;
	case FOP_DMABUF_MISC:
		draw_misc(&b, &c->misc);
		break;
	case FOP_RACE:
		c->race.variant = fuzz_below(&b, RACE_NR);
		c->race.mr = fuzz_below(&b, FUZZ_NMR);
		c->race.iters = 8 + fuzz_below(&b, 57);
		c->race.after = fuzz_below(&b, c->race.iters);
		c->race.deferred = chance(&b, 30);
		break;
	case FOP_SIGNAL:
		c->target = fuzz_below(&b, g->threads ? g->threads : 1);
		break;
	case FOP_NR:
		break;
	}
	return b.pos;
}

static const char *const fd_names[FD_NR] = {
	"dmabuf", "udmabuf", "pipe", "/dev/null", "importer", "vfio", "socket", "closed",
	"badnum", "random" };
static const char *const h_names[H_NR] = { "live", "shared", "stale", "zero", "random" };
static const char *const sz_names[SZ_NR] = {
	"exact", "zero-tail", "page", "tiny", "garbage-tail", "huge" };
static const char *const r_names[R_NR] = {
	"whole", "pages", "bytes", "unaligned-off", "unaligned-len", "zero-len", "overflow",
	"past-end", "huge" };
static const char *const p_names[P_NR] = {
	"ok", "null", "kernel", "guard", "straddle", "rdonly" };
static const char *const sh_names[SH_NR] = { "pass", "flight", "recv", "drop", "cycle" };
static const char *const src_names[SRC_NR] = { "dmabuf", "udmabuf", "importer", "pipe" };
static const char *const misc_names[MISC_NR] = {
	"sync", "sync-bad", "name", "name-long", "name-badptr", "mmap", "seek", "seek-bad",
	"sync-file", "read" };
static const char *const race_names[RACE_NR] = {
	"dereg", "revoke", "close-buf", "close-importer", "signal" };
static const char *const ioc_names[] = { "unknown", "alias", "badptr" };

static const char *imp_name(unsigned int imp, char *buf, size_t len)
{
	if (imp >= FUZZ_NIMP)
		return "shared";
	snprintf(buf, len, "imp%u", imp);
	return buf;
}

static void feature_str(const struct fuzz_feature *f, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s argsz=%u flags=0x%x region=%u open_flags=0x%x flags=0x%x "
		     "nr=%u ranges=%s", fuzz_kind_name(f->kind), f->argsz, f->flags, f->region,
		     f->open_flags, f->req_flags, f->nr_ranges, rb_names[f->bad]);
	if (f->nfill && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " [0]=0x%llx+0x%llx%s",
			 (unsigned long long)f->r[0].offset, (unsigned long long)f->r[0].length,
			 f->nfill > 1 ? " ..." : "");
}

const char *fuzz_call_str(const struct fuzz_call *c, char *buf, size_t len)
{
	size_t nk;
	char ib[16];
	int n;

	n = snprintf(buf, len, "%s ", fuzz_op_name(c->op));
	if (n < 0 || (size_t)n >= len)
		return buf;
	buf += n;
	len -= n;
	switch (c->op) {
	case FOP_CREATE:
		snprintf(buf, len, "slot=%u nr=%u open_flags=0x%x [0]=0x%llx+0x%llx",
			 c->create.slot, c->create.nr, c->create.open_flags,
			 (unsigned long long)c->create.r[0].offset,
			 (unsigned long long)c->create.r[0].length);
		break;
	case FOP_FEATURE:
		feature_str(&c->feature, buf, len);
		break;
	case FOP_CFG:
		snprintf(buf, len, "%s off=0x%x len=%u val=%02x%02x%02x%02x", c->cfg.target,
			 c->cfg.off, c->cfg.len, c->cfg.val[0], c->cfg.val[1], c->cfg.val[2],
			 c->cfg.val[3]);
		break;
	case FOP_KNOB_REVOKE:
		snprintf(buf, len, "%d", c->revoke);
		break;
	case FOP_KNOB: {
		char esc[FUZZ_KNOB_VAL * 4 + 1];
		size_t i, o = 0;

		for (i = 0; i < c->knob.len && o + 5 < sizeof(esc); i++) {
			unsigned char ch = c->knob.val[i];

			o += snprintf(esc + o, sizeof(esc) - o, ch >= 0x20 && ch < 0x7f &&
				      ch != '\\' ? "%c" : "\\x%02x", ch);
		}
		esc[o] = '\0';
		snprintf(buf, len, "%s%s \"%s\" hold=%u",
			 fuzz_knobs(&nk)[c->knob.knob].importer ? "imp:" : "exp:",
			 fuzz_knobs(&nk)[c->knob.knob].name, esc, c->knob.hold);
		break;
	}
	case FOP_IMP_OPEN:
		snprintf(buf, len, "slot=%u", c->imp_slot);
		break;
	case FOP_REG:
		snprintf(buf, len, "fd=%s(%d) buf=%u %s mr=%u size=%s flags=0x%x access=0x%x "
			 "reserved=0x%x handle=0x%x range=%s(%llu,%llu)%s", fd_names[c->reg.fd],
			 c->reg.fdnum, c->reg.buf, imp_name(c->reg.imp, ib, sizeof(ib)),
			 c->reg.mr, sz_names[c->reg.size], c->reg.flags, c->reg.access,
			 c->reg.reserved, c->reg.handle_in, r_names[c->reg.range],
			 (unsigned long long)c->reg.ra, (unsigned long long)c->reg.rb,
			 c->reg.garbled ? " garbled" : "");
		break;
	case FOP_DEREG:
	case FOP_QUERY:
		snprintf(buf, len, "handle=%s %s mr=%u stale=%u hval=0x%x size=%s flags=0x%x "
			 "reserved=0x%x%s", h_names[c->hcall.h],
			 imp_name(c->hcall.imp, ib, sizeof(ib)), c->hcall.mr, c->hcall.stale,
			 c->hcall.hval, sz_names[c->hcall.size], c->hcall.flags,
			 c->hcall.reserved, c->hcall.garbled ? " garbled" : "");
		break;
	case FOP_ACCESS:
		snprintf(buf, len, "handle=%s %s mr=%u size=%s op=%u count=%u range=%s(%llu,%llu) "
			 "ptr=%s%s", h_names[c->access.h], imp_name(c->access.imp, ib, sizeof(ib)),
			 c->access.mr, sz_names[c->access.size], c->access.op, c->access.count,
			 r_names[c->access.range], (unsigned long long)c->access.ra,
			 (unsigned long long)c->access.rb, p_names[c->access.ptr],
			 c->access.garbled ? " garbled" : "");
		break;
	case FOP_IMP_IOCTL:
		snprintf(buf, len, "%s %s cmd=0x%08x which=%u ptr=%s size_field=%u mr=%u",
			 ioc_names[c->ioctl.variant], imp_name(c->ioctl.imp, ib, sizeof(ib)),
			 c->ioctl.cmd, c->ioctl.which, p_names[c->ioctl.ptr],
			 c->ioctl.size_field, c->ioctl.mr);
		break;
	case FOP_SHARE:
		snprintf(buf, len, "%s %s slot=%u", sh_names[c->share.variant],
			 src_names[c->share.src], c->share.slot);
		break;
	case FOP_CLOSE:
		snprintf(buf, len, "%s slot=%u", src_names[c->close.what], c->close.slot);
		break;
	case FOP_UDMABUF:
		snprintf(buf, len, "slot=%u pages=%u", c->udmabuf.slot, c->udmabuf.pages);
		break;
	case FOP_DMABUF_MISC:
		snprintf(buf, len, "%s %s slot=%u arg=0x%x name=\"%s\"", misc_names[c->misc.what],
			 c->misc.udmabuf ? "udmabuf" : "dmabuf", c->misc.slot, c->misc.arg,
			 c->misc.name);
		break;
	case FOP_RACE:
		snprintf(buf, len, "%s mr=%u iters=%u after=%u%s", race_names[c->race.variant],
			 c->race.mr, c->race.iters, c->race.after,
			 c->race.deferred ? " deferred" : "");
		break;
	case FOP_SIGNAL:
		snprintf(buf, len, "thread=%u", c->target);
		break;
	case FOP_RESET:
	case FOP_REOPEN:
	case FOP_NR:
		buf[0] = '\0';
		break;
	}
	return buf - n;
}
