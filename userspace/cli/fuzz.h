/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf-p2p fuzz, the pure parts: the kinds of call and the errnos each
 * may end with (fuzz_table.c), the seeded drawing of a call (fuzz_draw.c)
 * and the debugfs knobs with a model of how the kernel parses what is
 * written to them (fuzz_knob.c). Nothing here makes a system call, so the
 * host unit test covers all of it.
 */
#ifndef DMABUF_P2P_FUZZ_H
#define DMABUF_P2P_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf_p2p.h"

/* Random words drawn per call, whatever the call: the sequence is the seed's. */
#define FUZZ_WORDS		16

/* What one worker juggles. */
#define FUZZ_NBUF		8	/* dma-bufs of ours */
#define FUZZ_NUDMA		2	/* udmabufs */
#define FUZZ_NIMP		3	/* private importer fds; index FUZZ_NIMP is the shared one */
#define FUZZ_NMR		16	/* MRs */
#define FUZZ_NSHARED		64	/* handles on the shared importer fd, all workers */
#define FUZZ_NFLIGHT		6	/* fds in flight: below net.unix.max_dgram_qlen (10) */

#define FUZZ_CREATE_MAX		8	/* ranges of a well-formed create */
#define FUZZ_FEAT_RANGES	DMABUF_P2P_MAX_RANGES	/* ranges a request can carry */
#define FUZZ_SCRATCH		(64 * 1024)	/* user buffer of ACCESS */
#define FUZZ_MAX_SEGS		(FUZZ_SCRATCH / sizeof(struct p2p_dma_seg))
#define FUZZ_EDU_MAX		2048	/* an edu transfer takes ~100 ms: one at most */
#define FUZZ_SLEEP_MAX_MS	50	/* the most a sleeping knob is ever set to */
#define FUZZ_KNOB_VAL		64
#define FUZZ_NAME_MAX		48

/*
 * What is checked: one row of the summary each, with the errnos that call
 * may end with (fuzz_table.c). A call is drawn as an operation (enum
 * fuzz_op); which kind its result is filed under depends on what its
 * arguments turned out to be (a live buffer, a closed fd, a garbled struct).
 */
enum fuzz_kind {
	FK_CREATE,		/* well-formed DMA_BUF request */
	FK_FEAT_PROBE,		/* PROBE of the DMA_BUF feature */
	FK_FEAT_BADHDR,		/* VFIO_DEVICE_FEATURE header vfio refuses */
	FK_FEAT_OTHER,		/* another feature number */
	FK_FEAT_REQ,		/* DMA_BUF request with garbled fields */
	FK_CFG,			/* config write inside config space */
	FK_CFG_OOB,		/* config write crossing its end */
	FK_RESET,		/* VFIO_DEVICE_RESET */
	FK_KNOB_REVOKE,		/* <BDF>/revoke 0/1 through the library */
	FK_KNOB_EXP,		/* garbage into an exporter knob */
	FK_KNOB_IMP,		/* garbage into an importer knob */
	FK_IMP_OPEN,		/* open the importer */
	FK_REG,			/* well-formed REG_MR on a live dma-buf of ours */
	FK_REG_BAD,		/* garbled REG_MR on a live dma-buf of ours */
	FK_REG_UDMABUF,		/* REG_MR on a udmabuf */
	FK_REG_NOTBUF,		/* REG_MR on an open fd that is no dma-buf */
	FK_REG_BADFD,		/* REG_MR on a number no fd has */
	FK_REG_ANYFD,		/* REG_MR on a number that may be anything by now */
	FK_DEREG,		/* well-formed DEREG_MR of our own live MR */
	FK_DEREG_BAD,		/* garbled DEREG_MR of our own live MR */
	FK_DEREG_ANY,		/* DEREG_MR of a stale, shared or random handle */
	FK_QUERY,
	FK_QUERY_BAD,
	FK_QUERY_ANY,
	FK_ACCESS,		/* well-formed ACCESS_MR on our own live MR */
	FK_ACCESS_BAD,
	FK_ACCESS_ANY,
	FK_IMP_IOCTL,		/* an ioctl number the importer does not have */
	FK_IMP_ALIAS,		/* an importer command number in another encoding */
	FK_IMP_BADPTR,		/* importer ioctl on a bad or read-only pointer */
	FK_SHARE,		/* SCM_RIGHTS send/receive */
	FK_CLOSE,		/* close(2) of an fd of ours */
	FK_UDMABUF,		/* UDMABUF_CREATE */
	FK_DMABUF_MISC,		/* dma-buf core entry points on our buffers */
	FK_RACE,		/* what the main side of a race does */
	FK_RACE_HELPER,		/* ACCESS/QUERY racing it from another thread */
	FK_SIGNAL,		/* pthread_kill(SIGUSR1) */
	FK_REOPEN,		/* close the vfio device and open it again */
	FK_NR
};

struct fuzz_kind_desc {
	const char *name;
	const char *what;
	bool success;		/* success is an allowed result */
	bool injectable;	/* fail_next_* knobs reach it: their errnos too */
	const int *errs;	/* allowed errnos, 0-terminated */
};

const struct fuzz_kind_desc *fuzz_kind_desc(enum fuzz_kind k);
const char *fuzz_kind_name(enum fuzz_kind k);
int fuzz_kind_lookup(const char *name);
/* @err: 0 for success or a positive errno. */
bool fuzz_allowed(enum fuzz_kind k, int err);
/* "OK EINVAL E2BIG ..." into @buf; returns @buf. */
const char *fuzz_allowed_str(enum fuzz_kind k, char *buf, size_t len);

/* The operations a call is drawn as. */
enum fuzz_op {
	FOP_CREATE,
	FOP_FEATURE,
	FOP_CFG,
	FOP_RESET,
	FOP_KNOB_REVOKE,
	FOP_KNOB,
	FOP_IMP_OPEN,
	FOP_REG,
	FOP_DEREG,
	FOP_QUERY,
	FOP_ACCESS,
	FOP_IMP_IOCTL,
	FOP_SHARE,
	FOP_CLOSE,
	FOP_UDMABUF,
	FOP_DMABUF_MISC,
	FOP_RACE,
	FOP_SIGNAL,
	FOP_REOPEN,
	FOP_NR
};

const char *fuzz_op_name(enum fuzz_op op);
unsigned int fuzz_op_weight(enum fuzz_op op);

/* What the fd of a REG_MR is. */
enum fuzz_fd {
	FD_BUF,			/* a dma-buf of ours */
	FD_UDMABUF,
	FD_PIPE,
	FD_DEVNULL,
	FD_IMP,			/* the importer's own fd */
	FD_VFIO,		/* the vfio device fd */
	FD_SOCK,
	FD_CLOSED,		/* a number we closed */
	FD_BADNUM,		/* a number no fd can have */
	FD_RANDOM,		/* a small random number */
	FD_NR
};

/* Which MR handle a DEREG/QUERY/ACCESS names. */
enum fuzz_handle {
	H_LIVE,			/* our MR in slot .mr */
	H_SHARED,		/* one on the shared importer fd, anybody's */
	H_STALE,		/* one we deregistered */
	H_ZERO,
	H_RANDOM,
	H_NR
};

/* The size field of an importer struct. */
enum fuzz_size {
	SZ_EXACT,		/* sizeof */
	SZ_ZERO_TAIL,		/* larger, the extra bytes zero: accepted */
	SZ_PAGE,		/* P2P_IOC_SIZE_MAX, zero tail: accepted */
	SZ_TINY,		/* below the first version's size */
	SZ_GARBAGE_TAIL,	/* larger, a non-zero extra byte */
	SZ_HUGE,		/* above P2P_IOC_SIZE_MAX */
	SZ_NR
};

/* An offset/length pair, relative to what it lies in (buffer, MR). */
enum fuzz_range {
	R_WHOLE,
	R_PAGES,		/* a page-aligned part */
	R_BYTES,		/* any non-empty part (ACCESS only: REG wants pages) */
	R_UNALIGNED_OFF,
	R_UNALIGNED_LEN,
	R_ZERO_LEN,
	R_OVERFLOW,
	R_PAST_END,
	R_HUGE,
	R_NR
};

/* Where the struct or user buffer of an importer ioctl lies. */
enum fuzz_ptr {
	P_OK,
	P_NULL,
	P_KERNEL,		/* a kernel address */
	P_GUARD,		/* a PROT_NONE page */
	P_STRADDLE,		/* the size field readable, the rest PROT_NONE */
	P_RDONLY,		/* readable, not writable */
	P_NR
};

/* The device as the draw sees it; constant for a run. */
struct fuzz_geom {
	uint64_t page;
	unsigned int bar;	/* the memory BAR buffers come from */
	uint64_t bar_size;
	int io_bar;		/* an I/O-port BAR, or -1 */
	int empty_bar;		/* a BAR index without a resource, or -1 */
	unsigned int cfg_size;
	unsigned int pm, exp, af;	/* capability offsets, 0 if absent */
	unsigned int threads;
};

struct fuzz_create {
	unsigned int slot, nr;
	uint32_t open_flags;
	struct p2p_range r[FUZZ_CREATE_MAX];
};

struct fuzz_feature {
	enum fuzz_kind kind;	/* FK_FEAT_* */
	unsigned int slot;	/* where a buffer it makes goes */
	uint32_t argsz, flags;	/* of the VFIO_DEVICE_FEATURE header */
	uint32_t region, open_flags, req_flags, nr_ranges;
	unsigned int bad;	/* what is wrong with the ranges, see fuzz_draw.c */
	unsigned int nfill;	/* ranges written (at most FUZZ_FEAT_RANGES) */
	struct vfio_region_dma_range r[FUZZ_FEAT_RANGES];
	uint8_t payload[32];	/* data[] of other features */
};

struct fuzz_cfg {
	const char *target;	/* "COMMAND", "PMCSR", ..., "random" */
	unsigned int off, len;	/* into config space; may cross its end */
	bool oob;
	uint8_t val[8];
};

struct fuzz_knob_call {
	unsigned int knob;	/* index into fuzz_knobs() */
	char val[FUZZ_KNOB_VAL];
	size_t len;
	/*
	 * A delay knob set by this call is put back to 0 after this many of
	 * the worker's calls: left alone it would stay until the next write
	 * to it, thousands of calls on, and slow every revoke or release.
	 */
	unsigned int hold;
};

struct fuzz_reg {
	enum fuzz_fd fd;
	unsigned int buf;	/* buffer or udmabuf slot */
	unsigned int imp;	/* importer: 0..FUZZ_NIMP-1, or FUZZ_NIMP (shared) */
	unsigned int mr;	/* MR slot it lands in */
	int fdnum;		/* FD_BADNUM, FD_RANDOM: the number */
	enum fuzz_size size;
	uint32_t flags, access, reserved, handle_in;
	enum fuzz_range range;
	uint64_t ra, rb;	/* where in the buffer, scaled at run time */
	bool garbled;
};

/* DEREG_MR and QUERY_MR */
struct fuzz_hcall {
	enum fuzz_handle h;
	unsigned int imp, mr, stale;
	uint32_t hval;		/* H_RANDOM */
	enum fuzz_size size;
	uint32_t flags, reserved;
	bool garbled;
};

struct fuzz_access {
	enum fuzz_handle h;
	unsigned int imp, mr, stale;
	uint32_t hval;
	enum fuzz_size size;
	uint32_t op, count;
	bool count_small;	/* CHECK with room for 0 or 1 segments */
	enum fuzz_range range;
	uint64_t ra, rb;
	enum fuzz_ptr ptr;
	bool garbled;
};

enum fuzz_ioctl_variant { IOC_UNKNOWN, IOC_ALIAS, IOC_BADPTR };

struct fuzz_ioctl {
	enum fuzz_ioctl_variant variant;
	unsigned int imp;
	uint32_t cmd;		/* IOC_UNKNOWN / IOC_ALIAS: the number */
	unsigned int which;	/* IOC_BADPTR: 0 REG 1 DEREG 2 QUERY 3 ACCESS */
	enum fuzz_ptr ptr;
	uint32_t size_field;
	unsigned int mr;	/* whose handle / buffer the struct names */
};

enum fuzz_share_variant { SH_PASS, SH_FLIGHT, SH_RECV, SH_DROP, SH_CYCLE, SH_NR };
enum fuzz_src { SRC_BUF, SRC_UDMABUF, SRC_IMP, SRC_PIPE, SRC_NR };

struct fuzz_share {
	enum fuzz_share_variant variant;
	enum fuzz_src src;
	unsigned int slot;
};

struct fuzz_close {
	enum fuzz_src what;	/* SRC_BUF, SRC_UDMABUF or SRC_IMP */
	unsigned int slot;
};

struct fuzz_udmabuf {
	unsigned int slot, pages;
};

enum fuzz_misc_what {
	MISC_SYNC, MISC_SYNC_BAD, MISC_NAME, MISC_NAME_LONG, MISC_NAME_BADPTR,
	MISC_MMAP, MISC_SEEK, MISC_SEEK_BAD, MISC_SYNC_FILE, MISC_READ, MISC_NR
};

struct fuzz_misc {
	bool udmabuf;
	unsigned int slot;
	enum fuzz_misc_what what;
	uint32_t arg;
	char name[FUZZ_NAME_MAX];
};

enum fuzz_race_variant {
	RACE_DEREG, RACE_REVOKE, RACE_CLOSE_BUF, RACE_CLOSE_IMP, RACE_SIGNAL, RACE_NR
};

struct fuzz_race {
	enum fuzz_race_variant variant;
	unsigned int mr, iters, after;
	bool deferred;
};

struct fuzz_call {
	enum fuzz_op op;
	union {
		struct fuzz_create create;
		struct fuzz_feature feature;
		struct fuzz_cfg cfg;
		bool revoke;			/* FOP_KNOB_REVOKE */
		struct fuzz_knob_call knob;
		unsigned int imp_slot;		/* FOP_IMP_OPEN */
		struct fuzz_reg reg;
		struct fuzz_hcall hcall;	/* FOP_DEREG, FOP_QUERY */
		struct fuzz_access access;
		struct fuzz_ioctl ioctl;
		struct fuzz_share share;
		struct fuzz_close close;
		struct fuzz_udmabuf udmabuf;
		struct fuzz_misc misc;
		struct fuzz_race race;
		unsigned int target;		/* FOP_SIGNAL */
	};
};

/*
 * A bit stream over the words of one call: each argument takes what it
 * needs, so a call never draws more words than FUZZ_WORDS.
 */
struct fuzz_bits {
	const uint64_t *w;
	unsigned int pos;	/* bits used, from w[1] on (w[0] picks the op) */
};

uint32_t fuzz_bits(struct fuzz_bits *b, unsigned int n);
uint32_t fuzz_below(struct fuzz_bits *b, uint32_t n);
uint64_t fuzz_bits64(struct fuzz_bits *b);

/*
 * fuzz_draw.c: the next call of the stream @p, from exactly FUZZ_WORDS
 * draws. Depends on nothing but the stream and @g: what the fuzzer finds
 * at run time (which slots are full, what failed) only decides how the
 * call is carried out, never which call comes next. Returns the bits of
 * the words the call used (at most 64 * (FUZZ_WORDS - 1)).
 */
unsigned int fuzz_draw(struct p2p_prng *p, const struct fuzz_geom *g, struct fuzz_call *c);
/* One line saying what the call is; returns @buf. */
const char *fuzz_call_str(const struct fuzz_call *c, char *buf, size_t len);

/* fuzz_knob.c */
enum fuzz_knob_parse {
	KP_CAPPED,		/* exporter: u64, above .max EINVAL */
	KP_U32,			/* debugfs_create_u32: u64 parsed, stored truncated */
	KP_BOOL,		/* kstrtobool_from_user */
	KP_ANY,			/* any write accepted (releases: clears) */
	KP_NONE,		/* no write method */
};

struct fuzz_knob {
	const char *name;
	bool importer;		/* under P2P_IMP_DEBUGFS, else the exporter's */
	bool per_device;	/* under <BDF>/ */
	enum fuzz_knob_parse parse;
	uint64_t max;		/* KP_CAPPED */
	bool sleeps;		/* a delay in ms: never above FUZZ_SLEEP_MAX_MS */
	bool injects;		/* a positive value is an errno the next call fails with */
};

const struct fuzz_knob *fuzz_knobs(size_t *n);
/*
 * What the kernel makes of @len bytes @buf written to @k: 0 and the value
 * it stores in *@val, or the -errno of the write.
 */
int fuzz_knob_effect(const struct fuzz_knob *k, const char *buf, size_t len, int64_t *val);
/* Accepted with a delay above FUZZ_SLEEP_MAX_MS: never written. */
bool fuzz_knob_safe(const struct fuzz_knob *k, const char *buf, size_t len);
/* A value for @k (numbers, garbage, huge, negative), always safe. */
void fuzz_knob_value(const struct fuzz_knob *k, struct fuzz_bits *b, char *buf, size_t cap,
		     size_t *len);
/* kstrtoull() with base 0, as lib/kstrtox.c does it. */
int fuzz_kstrtoull(const char *s, uint64_t *res);

#endif /* DMABUF_P2P_FUZZ_H */
