// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: a worker's fds and memory. Its pools (buffers,
 * udmabufs, importer fds), the odd fds REG_MR is offered (pipe, /dev/null,
 * socket), passing fds through its own socket pair with SCM_RIGHTS (the
 * original closed while the copy is in flight, the pair closed with fds in
 * it, a socket sent into itself for the unix GC to collect), and the
 * guarded user memory the importer ioctls point into.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "fuzz_run.h"

#define FEAT_ARG_SIZE	(sizeof(struct vfio_device_feature) + \
			 sizeof(struct vfio_device_feature_dma_buf) + \
			 FUZZ_FEAT_RANGES * sizeof(struct vfio_region_dma_range) + 64)

void fz_close_fd(struct fuzz_thread *t, int *fd, enum fuzz_kind k)
{
	int n = *fd, ret;

	if (n < 0)
		return;
	ret = close(n) ? -errno : 0;
	*fd = -1;
	fz_result(t, k, ret, "close(%d)", n);
	t->closed[t->nclosed++ % FUZZ_NCLOSED] = n;
}

/*
 * Closing an importer fd destroys its context and every MR in it, before
 * close() returns: the fd lock keeps any other reference from being the
 * last one (fuzz_exec_ovl.c). A context sent away lives on in the message:
 * the sender clears its id first.
 */
void fz_imp_close(struct fuzz_thread *t, unsigned int imp, enum fuzz_kind k)
{
	fz_fd_rdlock(t);
	fz_close_fd(t, &t->imp[imp], k);
	fz_fd_unlock(t);
	fz_mr_gone(t, imp, FUZZ_ALL_MRS);
	fz_ovl_ctx_gone(t, t->impid[imp], true);
	t->impid[imp] = 0;
}

/* @rw bytes read-write, then a PROT_NONE page: overruns fault, never scribble. */
static void *guarded(size_t rw, size_t page)
{
	uint8_t *p = mmap(NULL, rw + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, rw, PROT_READ | PROT_WRITE)) {
		munmap(p, rw + page);
		return NULL;
	}
	return p;
}

/* One page the kernel can read but not write (and we can, through @w), then PROT_NONE. */
static int rdonly_page(struct fuzz_thread *t, size_t page)
{
	int mfd = memfd_create("dmabuf-p2p-fuzz-ro", MFD_CLOEXEC);
	void *base, *ro, *w;

	if (mfd < 0)
		return -errno;
	base = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ftruncate(mfd, page) || base == MAP_FAILED) {
		close(mfd);
		return -ENOMEM;
	}
	ro = mmap(base, page, PROT_READ, MAP_SHARED | MAP_FIXED, mfd, 0);
	w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	if (ro == MAP_FAILED || w == MAP_FAILED)
		return -ENOMEM;
	t->ro = ro;
	t->ro_w = w;
	return 0;
}

static int new_socketpair(struct fuzz_thread *t)
{
	t->nflight = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, t->sock)) {
		t->sock[0] = t->sock[1] = -1;
		return -errno;
	}
	return 0;
}

int fz_thread_setup(struct fuzz_thread *t)
{
	size_t page = t->r->g.page;
	unsigned int i;

	for (i = 0; i < FUZZ_NBUF; i++)
		t->bufs[i].fd = -1;
	for (i = 0; i < FUZZ_NUDMA; i++)
		t->udma[i].fd = -1;
	for (i = 0; i < FUZZ_NIMP; i++)
		t->imp[i] = -1;
	t->pipe[0] = t->pipe[1] = t->sock[0] = t->sock[1] = t->devnull = -1;
	t->sleepy = -1;
	t->ready = true;
	if (pipe2(t->pipe, O_CLOEXEC | O_NONBLOCK)) {
		cli_err("pipe: %s", strerror(errno));
		return -1;
	}
	t->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (t->devnull < 0) {
		cli_err("/dev/null: %s", strerror(errno));
		return -1;
	}
	if (new_socketpair(t)) {
		cli_err("socketpair: %s", strerror(errno));
		return -1;
	}
	t->scratch = guarded(FUZZ_SCRATCH, page);
	t->area = guarded(2 * page, page);
	t->feat = calloc(1, FEAT_ARG_SIZE);
	if (!t->scratch || !t->area || !t->feat || rdonly_page(t, page)) {
		cli_err("fuzz memory: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static void close_quiet(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* At the end: everything closed, no results counted. Safe to call twice. */
void fz_thread_teardown(struct fuzz_thread *t)
{
	size_t page;
	unsigned int i;

	if (!t->ready)
		return;
	page = t->r->g.page;
	for (i = 0; i < FUZZ_NBUF; i++)
		close_quiet(&t->bufs[i].fd);
	for (i = 0; i < FUZZ_NUDMA; i++)
		close_quiet(&t->udma[i].fd);
	for (i = 0; i < FUZZ_NIMP; i++)
		close_quiet(&t->imp[i]);
	for (i = 0; i < FUZZ_NMR; i++)
		t->mrs[i].used = false;
	close_quiet(&t->pipe[0]);
	close_quiet(&t->pipe[1]);
	close_quiet(&t->sock[0]);
	close_quiet(&t->sock[1]);
	close_quiet(&t->devnull);
	t->nflight = 0;
	if (t->scratch)
		munmap(t->scratch, FUZZ_SCRATCH + page);
	if (t->area)
		munmap(t->area, 3 * page);
	if (t->ro)
		munmap(t->ro, 2 * page);
	if (t->ro_w)
		munmap(t->ro_w, page);
	t->scratch = t->area = t->ro = t->ro_w = NULL;
	free(t->feat);
	t->feat = NULL;
}

static int make_udmabuf(struct fuzz_thread *t, unsigned int slot, unsigned int pages)
{
	size_t size = pages * t->r->g.page;
	struct udmabuf_create u = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	struct fuzz_buf meta = { .size = size, .open_flags = O_RDWR };
	int mfd, fd, ret;

	if (t->r->udmabuf_dev < 0)
		return -ENODEV;
	mfd = memfd_create("dmabuf-p2p-fuzz", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, size) || fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = -errno;
		fz_fuzzer_error(t, "memfd for a udmabuf: %s", strerror(-ret));
		if (mfd >= 0)
			close(mfd);
		return ret;
	}
	u.memfd = mfd;
	fz_fd_rdlock(t);
	fd = ioctl(t->r->udmabuf_dev, UDMABUF_CREATE, &u);
	ret = fd < 0 ? -errno : fd;
	fz_fd_unlock(t);
	close(mfd);
	fz_result(t, FK_UDMABUF, ret, "UDMABUF_CREATE(%zu bytes)", size);
	if (fd < 0)
		return ret;
	/* Each attachment maps every page; no other buffer has them. */
	meta.map.ram = true;
	meta.map.ino = fz_ino_add(t, fd);
	meta.map.nr = 1;
	meta.map.r[0].offset = 0;
	meta.map.r[0].length = size;
	fz_buf_put(t, &t->udma[slot], fd, &meta);
	return 0;
}

void fz_udmabuf(struct fuzz_thread *t, unsigned int slot, unsigned int pages)
{
	make_udmabuf(t, slot, pages);
}

int fz_udmabuf_ensure(struct fuzz_thread *t, unsigned int slot)
{
	return t->udma[slot].fd >= 0 ? 0 : make_udmabuf(t, slot, 1);
}

void fz_close(struct fuzz_thread *t, const struct fuzz_close *c)
{
	switch (c->what) {
	case SRC_BUF:
		fz_close_fd(t, &t->bufs[c->slot].fd, FK_CLOSE);
		break;
	case SRC_UDMABUF:
		fz_close_fd(t, &t->udma[c->slot].fd, FK_CLOSE);
		break;
	case SRC_IMP:
		if (t->imp[c->slot] >= 0)
			fz_imp_close(t, c->slot, FK_CLOSE);
		break;
	case SRC_PIPE:
	case SRC_NR:
		break;
	}
}

/* The fd slot a share takes its fd from, filled if empty; NULL if it cannot be. */
static int *share_src(struct fuzz_thread *t, enum fuzz_src src, unsigned int slot,
		      struct fuzz_buf *meta)
{
	memset(meta, 0, sizeof(*meta));
	switch (src) {
	case SRC_BUF:
		slot %= FUZZ_NBUF;
		if (fz_buf_ensure(t, slot))
			return NULL;
		*meta = t->bufs[slot];
		return &t->bufs[slot].fd;
	case SRC_UDMABUF:
		slot %= FUZZ_NUDMA;
		if (fz_udmabuf_ensure(t, slot))
			return NULL;
		*meta = t->udma[slot];
		return &t->udma[slot].fd;
	case SRC_IMP:
		slot %= FUZZ_NIMP;
		return fz_imp_fd(t, slot) < 0 ? NULL : &t->imp[slot];
	case SRC_PIPE:
	case SRC_NR:
		break;
	}
	return &t->pipe[0];
}

/* A received fd into a slot of its kind; what was there is closed. */
static void place(struct fuzz_thread *t, const struct fuzz_flight *f, unsigned int slot, int fd)
{
	switch (f->src) {
	case SRC_BUF:
		fz_buf_put(t, &t->bufs[slot % FUZZ_NBUF], fd, &f->meta);
		break;
	case SRC_UDMABUF:
		fz_buf_put(t, &t->udma[slot % FUZZ_NUDMA], fd, &f->meta);
		break;
	case SRC_IMP:
		/*
		 * Its MRs were forgotten when it left: they are stale handles
		 * now, but their mappings stay counted under its context id.
		 */
		if (t->imp[slot % FUZZ_NIMP] >= 0)
			fz_imp_close(t, slot % FUZZ_NIMP, FK_CLOSE);
		t->imp[slot % FUZZ_NIMP] = fd;
		t->impid[slot % FUZZ_NIMP] = f->ctx;
		break;
	case SRC_PIPE:
	case SRC_NR:
		fz_close_fd(t, &fd, FK_CLOSE);
		break;
	}
}

/* The oldest fd in flight comes out. */
static void flight_recv(struct fuzz_thread *t, unsigned int slot)
{
	struct fuzz_flight f;
	int fd;

	if (!t->nflight)
		return;
	/* It may put a dma-buf into the fd table, or close a context it refuses. */
	fz_fd_rdlock(t);
	fd = p2p_recv_fd(t->sock[1]);
	fz_fd_unlock(t);
	fz_result(t, FK_SHARE, fd, "SCM_RIGHTS receive (%u in flight): %s", t->nflight,
		  fd < 0 ? p2p_last_error() : "ok");
	f = t->flight[0];
	memmove(t->flight, t->flight + 1, (t->nflight - 1) * sizeof(t->flight[0]));
	t->nflight--;
	if (fd >= 0)
		place(t, &f, slot, fd);
	else if (f.src == SRC_IMP)
		/* Dropped, or still queued: only the kernel's lists can tell. */
		fz_ovl_ctx_gone(t, f.ctx, false);
}

/* The fd goes in flight; ours is closed, so the message holds the only reference. */
static void flight_send(struct fuzz_thread *t, enum fuzz_src src, unsigned int slot)
{
	struct fuzz_buf meta;
	int *p, ret;

	if (t->nflight == FUZZ_NFLIGHT)
		flight_recv(t, slot);
	p = share_src(t, src, slot, &meta);
	if (!p || *p < 0)
		return;
	ret = p2p_send_fd(t->sock[0], *p);
	fz_result(t, FK_SHARE, ret, "SCM_RIGHTS send fd %d: %s", *p,
		  ret ? p2p_last_error() : "ok");
	if (ret)
		return;
	t->flight[t->nflight].src = src;
	t->flight[t->nflight].meta = meta;
	t->flight[t->nflight].ctx = 0;
	t->nflight++;
	if (src == SRC_PIPE)
		return;
	if (src == SRC_IMP) {
		/* The context, and its MRs' mappings, now live in the message. */
		t->flight[t->nflight - 1].ctx = t->impid[slot % FUZZ_NIMP];
		t->impid[slot % FUZZ_NIMP] = 0;
		fz_imp_close(t, slot % FUZZ_NIMP, FK_CLOSE);
	} else {
		fz_close_fd(t, p, FK_CLOSE);
	}
}

/*
 * Close the pair and what is in flight in it. Without a cycle its release
 * flushes the queue before close() returns; with one (@gc: a socket queued
 * on itself) the unix GC frees it, some time later.
 */
static void drop_pair(struct fuzz_thread *t, bool gc)
{
	unsigned int i;

	fz_fd_rdlock(t);
	fz_close_fd(t, &t->sock[0], FK_CLOSE);
	fz_close_fd(t, &t->sock[1], FK_CLOSE);
	fz_fd_unlock(t);
	for (i = 0; i < t->nflight; i++)
		if (t->flight[i].src == SRC_IMP)
			fz_ovl_ctx_gone(t, t->flight[i].ctx, !gc);
	if (new_socketpair(t))
		fz_fuzzer_error(t, "socketpair: %s", strerror(errno));
}

void fz_share(struct fuzz_thread *t, const struct fuzz_share *c)
{
	int ret;

	if (t->sock[0] < 0 && new_socketpair(t)) {
		fz_fuzzer_error(t, "socketpair: %s", strerror(errno));
		return;
	}
	switch (c->variant) {
	case SH_PASS:
		/* Out and back in, the original closed in between. */
		flight_send(t, c->src, c->slot);
		flight_recv(t, c->slot);
		break;
	case SH_FLIGHT:
		flight_send(t, c->src, c->slot);
		break;
	case SH_RECV:
		flight_recv(t, c->slot);
		break;
	case SH_DROP:
		/* Whatever is in flight is released with the sockets. */
		drop_pair(t, false);
		break;
	case SH_CYCLE:
	case SH_NR:
		/* sock[1] queued on itself: only the unix GC frees it, and what it holds. */
		ret = p2p_send_fd(t->sock[0], t->sock[1]);
		fz_result(t, FK_SHARE, ret, "SCM_RIGHTS send socket %d into itself: %s",
			  t->sock[1], ret ? p2p_last_error() : "ok");
		flight_send(t, c->src, c->slot);
		drop_pair(t, !ret);
		break;
	}
}
