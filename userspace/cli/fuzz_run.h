/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf-p2p fuzz, the run: what the workers hold and count, and how the
 * files that carry calls out share it. fuzz.c runs it, fuzz_exec_exp.c,
 * fuzz_exec_imp.c, fuzz_exec_fd.c and fuzz_race.c make the calls,
 * fuzz_report.c prints the summary.
 */
#ifndef DMABUF_P2P_FUZZ_RUN_H
#define DMABUF_P2P_FUZZ_RUN_H

#include <pthread.h>
#include <stdio.h>

#include "cli.h"
#include "fuzz.h"
#include "fuzz_overlap.h"

/* Results by errno: slot 0 success, 1..254 that errno, 255 anything larger. */
#define FUZZ_ERR_SLOTS		256
#define FUZZ_KEEP_UNEXPECTED	32	/* said in full; the rest are counted */
#define FUZZ_NCLOSED		8	/* fd numbers we closed, for FD_CLOSED */
#define FUZZ_MAX_ERRNO		4095
#define FUZZ_ALL_MRS		UINT32_MAX	/* fz_mr_gone(): every MR of that fd */
#define FUZZ_CTX_SHARED		1	/* context id of the shared importer fd; 0 none */

struct fuzz_stats {
	unsigned long calls;
	unsigned long res[FK_NR][FUZZ_ERR_SLOTS];
	unsigned long unexpected[FK_NR];
	unsigned long fuzzer_errors;	/* the fuzzer's own setup failed (mmap, socketpair) */
	unsigned long reg_skipped_cap;	/* REG_MR not made: a cacheline at FUZZ_OVL_MAX */
	unsigned long reg_skipped_fd;	/* REG_MR not made: the number another's dma-buf */
};

/*
 * A dma-buf (ours or a udmabuf) in a slot; fd -1 when empty. What each
 * attachment of it maps goes with it wherever the fd goes (fuzz_overlap.c).
 */
struct fuzz_buf {
	int fd;
	uint64_t size;
	uint32_t open_flags;
	struct fuzz_ovl_buf map;
};

struct fuzz_mr {
	bool used;
	unsigned int imp;	/* 0..FUZZ_NIMP-1, or FUZZ_NIMP: the shared fd */
	uint32_t handle;
	uint64_t length;
	uint32_t flags, access;
	bool udmabuf;
	int buf;		/* its buffer's slot, -1 unknown */
};

/* What an fd in flight in the socket pair was. */
struct fuzz_flight {
	enum fuzz_src src;
	struct fuzz_buf meta;
	uint32_t ctx;			/* SRC_IMP: its context id */
};

struct fuzz_run;

struct fuzz_thread {
	struct fuzz_run *r;
	bool ready;			/* fds initialised: teardown may close them */
	unsigned int idx;
	pthread_t th;
	struct p2p_prng prng;
	uint64_t ncalls;		/* this worker's share of --calls */
	uint64_t call;			/* index of the call being made */
	struct fuzz_call cur;
	struct fuzz_buf bufs[FUZZ_NBUF];
	struct fuzz_buf udma[FUZZ_NUDMA];
	int imp[FUZZ_NIMP];
	uint32_t impid[FUZZ_NIMP];	/* their context ids, 0 none */
	struct fuzz_mr mrs[FUZZ_NMR];
	uint32_t stale[FUZZ_NSHARED];	/* handles we deregistered, a ring */
	unsigned int nstale;
	int closed[FUZZ_NCLOSED];	/* fd numbers we closed, a ring */
	unsigned int nclosed;
	int pipe[2], devnull, sock[2];
	struct fuzz_flight flight[FUZZ_NFLIGHT];
	unsigned int nflight;
	/* FUZZ_SCRATCH bytes, then a PROT_NONE page. */
	uint8_t *scratch;
	/* Two pages for an ioctl struct (P2P_IOC_SIZE_MAX may be read), then PROT_NONE. */
	uint8_t *area;
	/* One page read-only (its writable alias: ro_w), then PROT_NONE. */
	uint8_t *ro, *ro_w;
	uint8_t *feat;			/* a VFIO_DEVICE_FEATURE argument */
	int sleepy;			/* delay knob we set, -1 none */
	uint64_t sleepy_until;		/* call after which it goes back to 0 */
	struct fuzz_stats st;
	uint64_t *inos;			/* every buffer we made, by inode */
	size_t ninos, capinos;
};

struct fuzz_unexpected {
	unsigned int thread;
	uint64_t call;
	enum fuzz_kind kind;
	int err;
	char text[768];
};

struct fuzz_run {
	const struct cli_opts *o;
	const char *bdf;
	uint64_t seed;
	struct fuzz_geom g;
	/* Read-held by every call that uses dev.device, write-held by reopen. */
	pthread_rwlock_t dev_lock;
	/*
	 * Read-held around every call that may put a dma-buf into the fd
	 * table or close an importer context (or a socket holding one);
	 * write-held by a REG_MR through a number another thread may own.
	 */
	pthread_rwlock_t fd_lock;
	pthread_mutex_t ovl_lock;	/* ovl, ovl_oracle_ms */
	struct fuzz_ovl ovl;
	uint64_t ovl_oracle_ms;		/* last read of the kernel's lists */
	uint32_t next_ctx;		/* atomic: importer context ids */
	struct p2p_dev dev;
	int shared_imp;
	uint32_t shared[FUZZ_NSHARED];	/* handles on shared_imp, 0 none (atomic) */
	unsigned int shared_next;	/* atomic */
	int udmabuf_dev;		/* /dev/udmabuf, or -1 */
	bool imp_knobs;			/* the importer's debugfs knobs exist */
	volatile bool go;		/* every worker exists: start */
	volatile bool stop;
	unsigned long calls_done;	/* atomic */
	unsigned long unexpected;	/* atomic */
	unsigned int finished;		/* atomic: workers done */
	uint8_t armed[(FUZZ_MAX_ERRNO + 1) / 8];	/* errnos fail_next_* may return */
	pthread_mutex_t lock;		/* first[], nfirst, diag */
	struct fuzz_unexpected first[FUZZ_KEEP_UNEXPECTED];
	unsigned int nfirst;
	FILE *diag;			/* where results are said as they happen */
	const char *pfx;		/* its line prefix */
	struct fuzz_thread *t;
	unsigned int nthreads;
};

/* fuzz.c */
bool fz_result(struct fuzz_thread *t, enum fuzz_kind k, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void fz_mismatch(struct fuzz_thread *t, enum fuzz_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fz_fuzzer_error(struct fuzz_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fz_arm(struct fuzz_run *r, int64_t err);
int fz_dev_get(struct fuzz_thread *t);
void fz_dev_put(struct fuzz_thread *t);

/* fuzz_exec_exp.c: the exporter's side */
void fz_create(struct fuzz_thread *t, const struct fuzz_create *c);
void fz_feature(struct fuzz_thread *t, const struct fuzz_feature *c);
void fz_cfg(struct fuzz_thread *t, const struct fuzz_cfg *c);
void fz_reset(struct fuzz_thread *t);
void fz_knob_revoke(struct fuzz_thread *t, bool revoke);
void fz_knob(struct fuzz_thread *t, const struct fuzz_knob_call *c);
void fz_knob_tick(struct fuzz_thread *t);
void fz_reopen(struct fuzz_thread *t);
void fz_misc(struct fuzz_thread *t, const struct fuzz_misc *c);
int fz_buf_ensure(struct fuzz_thread *t, unsigned int slot);
void fz_buf_put(struct fuzz_thread *t, struct fuzz_buf *slot, int fd,
		const struct fuzz_buf *meta);
uint64_t fz_ino_add(struct fuzz_thread *t, int fd);

/* fuzz_exec_imp.c: the importer's side */
void fz_imp_open(struct fuzz_thread *t, unsigned int slot);
void fz_reg(struct fuzz_thread *t, const struct fuzz_reg *c);
void fz_hcall(struct fuzz_thread *t, bool dereg, const struct fuzz_hcall *c);
void fz_access(struct fuzz_thread *t, const struct fuzz_access *c);
void fz_ioctl(struct fuzz_thread *t, const struct fuzz_ioctl *c);
int fz_imp_fd(struct fuzz_thread *t, unsigned int imp);
int fz_mr_ensure(struct fuzz_thread *t, unsigned int slot);
int fz_mr_drop(struct fuzz_thread *t, unsigned int slot, uint32_t flags, enum fuzz_kind k);
void fz_mr_gone(struct fuzz_thread *t, unsigned int imp, uint32_t handle);

/* fuzz_exec_fd.c: fds, passing them, closing them, udmabufs */
int fz_thread_setup(struct fuzz_thread *t);
void fz_thread_teardown(struct fuzz_thread *t);
void fz_share(struct fuzz_thread *t, const struct fuzz_share *c);
void fz_close(struct fuzz_thread *t, const struct fuzz_close *c);
void fz_udmabuf(struct fuzz_thread *t, unsigned int slot, unsigned int pages);
int fz_udmabuf_ensure(struct fuzz_thread *t, unsigned int slot);
void fz_close_fd(struct fuzz_thread *t, int *fd, enum fuzz_kind k);
void fz_imp_close(struct fuzz_thread *t, unsigned int imp, enum fuzz_kind k);

/* fuzz_exec_ovl.c: the overlap ledger at run time (why: fuzz_overlap.c) */
int fz_ovl_init(struct fuzz_run *r);
void fz_ovl_fini(struct fuzz_run *r);
uint32_t fz_ctx_new(struct fuzz_run *r);
uint32_t fz_ctx(const struct fuzz_thread *t, unsigned int imp);
int fz_ovl_reserve(struct fuzz_thread *t, unsigned int imp, const struct fuzz_buf *b);
void fz_ovl_reg_done(struct fuzz_thread *t, int id, int ret, uint32_t handle);
void fz_ovl_dereg(struct fuzz_thread *t, unsigned int imp, uint32_t handle, uint32_t flags);
void fz_ovl_lost(struct fuzz_thread *t, unsigned int imp, uint32_t handle);
void fz_ovl_ctx_gone(struct fuzz_thread *t, uint32_t ctx, bool certain);
bool fz_ovl_oracle(struct fuzz_thread *t);
void fz_ovl_access(struct fuzz_thread *t, unsigned int imp);
void fz_ovl_access_end(struct fuzz_thread *t, unsigned int imp);
void fz_fd_rdlock(struct fuzz_thread *t);
void fz_fd_wrlock(struct fuzz_thread *t);
void fz_fd_unlock(struct fuzz_thread *t);

/* fuzz_race.c */
void fz_race(struct fuzz_thread *t, const struct fuzz_race *c);
void fz_signal(struct fuzz_thread *t, unsigned int target);

/* fuzz_report.c */
struct fuzz_summary {
	const struct cli_opts *o;
	const char *bdf;
	uint64_t seed;
	uint64_t calls;
	uint64_t ms;
	bool cut;			/* stopped by --duration or SIGINT before --calls */
	struct fuzz_stats total;
	unsigned long unexpected;
	const struct fuzz_unexpected *first;
	unsigned int nfirst;
	bool kmsg_checked;
	int splats;
	char splat[512];
	size_t nbufs;			/* buffers the run made */
	int left_exp;			/* of them, still on <BDF>/buffers; -1 unchecked */
	int left_all;			/* still in dma_buf/bufinfo; -1 unchecked */
	char left[512];			/* what was left, or why unchecked */
	bool pass;
};

void fuzz_stats_merge(struct fuzz_stats *into, const struct fuzz_stats *from);
void fuzz_summary_print(const struct fuzz_summary *s);

#endif /* DMABUF_P2P_FUZZ_RUN_H */
