// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the importer's side. REG_MR on every kind of fd,
 * DEREG/QUERY/ACCESS on live, shared, stale and random handles, struct
 * sizes below, at and above what the kernel knows, bad pointers, and
 * command numbers it does not have. The ioctls are made raw: the library's
 * wrappers fill the structs correctly, which is the point here not to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "fuzz_run.h"

#define KERNEL_PTR	((void *)0xffff888000000000ULL)
#define GARBAGE_BYTE	0xa5

/* The importer fd @imp (FUZZ_NIMP: the shared one), opened if need be. */
int fz_imp_fd(struct fuzz_thread *t, unsigned int imp)
{
	if (imp >= FUZZ_NIMP)
		return t->r->shared_imp;
	if (t->imp[imp] < 0)
		fz_imp_open(t, imp);
	return t->imp[imp];
}

void fz_imp_open(struct fuzz_thread *t, unsigned int slot)
{
	int fd = p2p_imp_open();

	fz_result(t, FK_IMP_OPEN, fd, "open %s", DMABUF_P2P_IMPORTER_DEV);
	if (fd < 0)
		return;
	/* The old context goes with its MRs. */
	if (t->imp[slot] >= 0)
		fz_imp_close(t, slot, FK_CLOSE);
	t->imp[slot] = fd;
	t->impid[slot] = fz_ctx_new(t->r);
}

static void stale_push(struct fuzz_thread *t, uint32_t handle)
{
	t->stale[t->nstale++ % FUZZ_NSHARED] = handle;
}

/* MR @handle of @imp (FUZZ_ALL_MRS: all, its context closed) is gone. */
void fz_mr_gone(struct fuzz_thread *t, unsigned int imp, uint32_t handle)
{
	unsigned int i;

	for (i = 0; i < FUZZ_NMR; i++) {
		if (t->mrs[i].used && t->mrs[i].imp == imp &&
		    (t->mrs[i].handle == handle || handle == FUZZ_ALL_MRS)) {
			t->mrs[i].used = false;
			stale_push(t, t->mrs[i].handle);
		}
	}
}

/*
 * Our struct at t->area with its size field for @mode: @ksize is what our
 * header says, @salt varies the sizes. The area is zero past the struct
 * (a larger, zero-tailed struct is valid), up to P2P_IOC_SIZE_MAX.
 */
static uint32_t struct_size(struct fuzz_thread *t, enum fuzz_size mode, size_t ksize,
			    uint32_t salt)
{
	size_t page = t->r->g.page;

	switch (mode) {
	case SZ_EXACT:
		return ksize;
	case SZ_ZERO_TAIL:
		return ksize + 8 * (1 + salt % 8);
	case SZ_PAGE:
		return P2P_IOC_SIZE_MAX;
	case SZ_TINY:
		/* Below any first version: each starts with size and handle or flags. */
		return salt % 12;
	case SZ_GARBAGE_TAIL:
		t->area[ksize + salt % 16] = GARBAGE_BYTE;
		return ksize + 1 + salt % 16;
	case SZ_HUGE:
	case SZ_NR:
		break;
	}
	return salt & 1 ? UINT32_MAX : P2P_IOC_SIZE_MAX + 1 + salt % page;
}

static void area_clear(struct fuzz_thread *t)
{
	memset(t->area, 0, P2P_IOC_SIZE_MAX + 64);
}

/* An offset/length in something of @size bytes, for @mode. */
static void range(const struct fuzz_thread *t, enum fuzz_range mode, uint64_t ra, uint64_t rb,
		  uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t page = t->r->g.page, pages = size / page;

	if (!pages)
		pages = 1;
	*off = 0;
	*len = size;
	switch (mode) {
	case R_WHOLE:
	case R_NR:
		break;
	case R_PAGES:
		*off = ra % pages * page;
		*len = (1 + rb % (pages - *off / page)) * page;
		break;
	case R_BYTES:
		*off = size ? ra % size : 0;
		*len = 1 + (size - *off ? rb % (size - *off) : 0);
		break;
	case R_UNALIGNED_OFF:
		*off = ra % pages * page + 1 + ra % (page - 1);
		*len = page;
		break;
	case R_UNALIGNED_LEN:
		*len = size - 1 - rb % (page - 1);
		break;
	case R_ZERO_LEN:
		*len = 0;
		break;
	case R_OVERFLOW:
		*off = UINT64_MAX & ~(page - 1);
		*len = 2 * page;
		break;
	case R_PAST_END:
		*off = size;
		*len = page;
		break;
	case R_HUGE:
		*len = UINT64_MAX & ~(page - 1);
		break;
	}
}

static int imp_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* Free MR slot @slot: DEREG_MR if it holds one. Returns the ioctl's result. */
int fz_mr_drop(struct fuzz_thread *t, unsigned int slot, uint32_t flags, enum fuzz_kind k)
{
	struct fuzz_mr *m = &t->mrs[slot];
	struct p2p_dereg_mr d = { .size = sizeof(d), .flags = flags };
	int imp, ret;

	if (!m->used)
		return 0;
	imp = fz_imp_fd(t, m->imp);
	d.handle = m->handle;
	ret = imp_ioctl(imp, P2P_IOC_DEREG_MR, &d);
	/* On the shared fd anybody may have taken it already. */
	if (m->imp >= FUZZ_NIMP && k == FK_DEREG)
		k = FK_DEREG_ANY;
	fz_result(t, k, ret, "DEREG_MR(%s fd %d, handle %u, flags 0x%x)",
		  m->imp >= FUZZ_NIMP ? "shared" : "own", imp, m->handle, flags);
	m->used = false;
	if (!ret) {
		stale_push(t, m->handle);
		fz_ovl_dereg(t, m->imp, m->handle, flags);
	} else if (ret == -ENOENT) {
		fz_ovl_lost(t, m->imp, m->handle);
	}
	return ret;
}

static void publish(struct fuzz_thread *t, uint32_t handle)
{
	unsigned int i = __atomic_fetch_add(&t->r->shared_next, 1, __ATOMIC_RELAXED);

	__atomic_store_n(&t->r->shared[i % FUZZ_NSHARED], handle, __ATOMIC_RELAXED);
}

static void mr_record(struct fuzz_thread *t, unsigned int slot, unsigned int imp,
		      uint32_t handle, uint64_t len, uint32_t flags, uint32_t access,
		      bool udmabuf, int buf)
{
	struct fuzz_mr *m = &t->mrs[slot];

	m->used = true;
	m->imp = imp;
	m->handle = handle;
	m->length = len;
	m->flags = flags;
	m->access = access;
	m->udmabuf = udmabuf;
	m->buf = buf;
	if (imp >= FUZZ_NIMP)
		publish(t, handle);
}

/*
 * Our own MR in @slot, on our private fd: registered (well-formed, whole
 * buffer, read and write) if the slot is empty or holds one on the shared
 * fd. Returns 0 when it holds one.
 */
int fz_mr_ensure(struct fuzz_thread *t, unsigned int slot)
{
	struct fuzz_mr *m = &t->mrs[slot];
	unsigned int imp = slot % FUZZ_NIMP, buf = slot % FUZZ_NBUF;
	struct p2p_reg_mr *q = (void *)t->area;
	int fd, ret, id;

	if (m->used && m->imp < FUZZ_NIMP)
		return 0;
	fz_mr_drop(t, slot, 0, FK_DEREG_ANY);
	if (fz_buf_ensure(t, buf))
		return -ENODEV;
	fd = fz_imp_fd(t, imp);
	if (fd < 0)
		return -EBADF;
	id = fz_ovl_reserve(t, imp, &t->bufs[buf]);
	if (!id)
		return -EBUSY;
	area_clear(t);
	q->size = sizeof(*q);
	q->fd = t->bufs[buf].fd;
	q->access = P2P_MR_ACCESS_ALL;
	q->length = t->bufs[buf].size;
	/* Write access to a buffer made O_RDONLY may be refused: ask for read then. */
	if ((t->bufs[buf].open_flags & O_ACCMODE) == O_RDONLY)
		q->access = P2P_MR_ACCESS_READ;
	ret = imp_ioctl(fd, P2P_IOC_REG_MR, q);
	fz_ovl_reg_done(t, id, ret, q->handle);
	fz_result(t, FK_REG, ret, "REG_MR(own fd %d, dmabuf fd %d, 0+0x%llx, access 0x%x)", fd,
		  q->fd, (unsigned long long)q->length, q->access);
	if (!ret)
		mr_record(t, slot, imp, q->handle, q->length, 0, q->access, false, buf);
	return ret;
}

/* What REG_MR's fd turned out to be, and which row its result goes in. */
static enum fuzz_kind reg_fd(struct fuzz_thread *t, const struct fuzz_reg *c, int *fd,
			     uint64_t *size, bool *udmabuf, int *buf, bool *dev_held)
{
	*size = t->r->g.page;
	*udmabuf = false;
	*buf = -1;
	switch (c->fd) {
	case FD_BUF:
		if (fz_buf_ensure(t, c->buf))
			return FK_NR;
		*fd = t->bufs[c->buf].fd;
		*size = t->bufs[c->buf].size;
		*buf = c->buf;
		return c->garbled ? FK_REG_BAD : FK_REG;
	case FD_UDMABUF:
		if (fz_udmabuf_ensure(t, c->buf))
			return FK_NR;
		*fd = t->udma[c->buf].fd;
		*size = t->udma[c->buf].size;
		*udmabuf = true;
		return FK_REG_UDMABUF;
	case FD_PIPE:
		*fd = t->pipe[0];
		return FK_REG_NOTBUF;
	case FD_DEVNULL:
		*fd = t->devnull;
		return FK_REG_NOTBUF;
	case FD_IMP:
		*fd = fz_imp_fd(t, c->imp);
		return FK_REG_NOTBUF;
	case FD_VFIO:
		*fd = fz_dev_get(t);
		if (*fd < 0)
			return FK_NR;
		*dev_held = true;
		return FK_REG_NOTBUF;
	case FD_SOCK:
		*fd = t->sock[0];
		return FK_REG_NOTBUF;
	case FD_CLOSED:
		if (!t->nclosed) {
			*fd = -1;
			return FK_REG_BADFD;
		}
		*fd = t->closed[c->ra % (t->nclosed < FUZZ_NCLOSED ? t->nclosed : FUZZ_NCLOSED)];
		/* Alone, nobody else can reuse the number between here and the ioctl. */
		if (t->r->nthreads == 1 && fcntl(*fd, F_GETFD) < 0 && errno == EBADF)
			return FK_REG_BADFD;
		return FK_REG_ANYFD;
	case FD_BADNUM:
		*fd = c->fdnum;
		return FK_REG_BADFD;
	case FD_RANDOM:
	case FD_NR:
		*fd = c->fdnum;
		return FK_REG_ANYFD;
	}
	return FK_NR;
}

/*
 * What a REG_MR through @fd, a number another worker may own by now,
 * would attach to: one of this worker's buffers (*@b), nothing of ours
 * (*@b NULL: closed, or no dma-buf, and with fd_lock write-held none can
 * appear there), or (false) a dma-buf in none of our records, which we
 * cannot account for: that call is not made.
 */
static bool foreign_buf(struct fuzz_thread *t, int fd, const struct fuzz_buf **b)
{
	struct statfs sf;
	unsigned int i;

	*b = NULL;
	if (fd < 0)
		return true;
	for (i = 0; i < FUZZ_NBUF; i++) {
		if (t->bufs[i].fd == fd) {
			*b = &t->bufs[i];
			return true;
		}
	}
	for (i = 0; i < FUZZ_NUDMA; i++) {
		if (t->udma[i].fd == fd) {
			*b = &t->udma[i];
			return true;
		}
	}
	if (fstatfs(fd, &sf) < 0)
		return errno == EBADF;
	return sf.f_type != DMA_BUF_MAGIC;
}

void fz_reg(struct fuzz_thread *t, const struct fuzz_reg *c)
{
	struct p2p_reg_mr *q = (void *)t->area;
	bool udmabuf, dev_held = false, foreign = false;
	const struct fuzz_buf *b = NULL;
	uint64_t size, off, len;
	enum fuzz_kind k;
	int fd = -1, imp, buf, ret, id = 0;

	/* A slot holds one MR at a time: the kernel's count stays bounded. */
	fz_mr_drop(t, c->mr, 0, FK_DEREG);
	k = reg_fd(t, c, &fd, &size, &udmabuf, &buf, &dev_held);
	if (k == FK_NR)
		return;
	imp = fz_imp_fd(t, c->imp);
	if (imp < 0)
		goto out;
	/* Whatever it would attach to is reserved first (fuzz_overlap.c). */
	if (c->fd == FD_BUF) {
		b = &t->bufs[c->buf];
	} else if (c->fd == FD_UDMABUF) {
		b = &t->udma[c->buf];
	} else if (c->fd == FD_CLOSED || c->fd == FD_RANDOM) {
		foreign = true;
		fz_fd_wrlock(t);
		if (!foreign_buf(t, fd, &b)) {
			t->st.reg_skipped_fd++;
			goto unlock;
		}
	}
	if (b) {
		id = fz_ovl_reserve(t, c->imp, b);
		if (!id)
			goto unlock;
	}
	range(t, c->range, c->ra, c->rb, size, &off, &len);
	area_clear(t);
	q->size = struct_size(t, c->size, sizeof(*q), c->rb);
	q->flags = c->flags;
	q->fd = fd;
	q->access = c->access;
	q->offset = off;
	q->length = len;
	q->handle = c->handle_in;
	q->__reserved = c->reserved;
	ret = imp_ioctl(imp, P2P_IOC_REG_MR, q);
	if (foreign)
		fz_fd_unlock(t);
	foreign = false;
	fz_ovl_reg_done(t, id, ret, q->handle);
	fz_result(t, k, ret, "REG_MR(%s fd %d, fd %d of %llu bytes, size %u, flags 0x%x, "
		  "access 0x%x, 0x%llx+0x%llx, handle %u, reserved 0x%x)",
		  c->imp >= FUZZ_NIMP ? "shared" : "own", imp, fd, (unsigned long long)size,
		  q->size, c->flags, c->access, (unsigned long long)off,
		  (unsigned long long)len, c->handle_in, c->reserved);
	if (!ret)
		mr_record(t, c->mr, c->imp, q->handle, len, c->flags, c->access, udmabuf, buf);
unlock:
	if (foreign)
		fz_fd_unlock(t);
out:
	if (dev_held)
		fz_dev_put(t);
}

/* The handle a DEREG/QUERY/ACCESS names, on which fd; whether it is strictly ours. */
static bool pick_handle(struct fuzz_thread *t, enum fuzz_handle h, unsigned int imp,
			unsigned int mr, unsigned int stale, uint32_t hval, int *fd,
			uint32_t *handle, unsigned int *impi)
{
	*impi = imp;
	switch (h) {
	case H_LIVE:
		if (!fz_mr_ensure(t, mr)) {
			*impi = t->mrs[mr].imp;
			*fd = fz_imp_fd(t, *impi);
			*handle = t->mrs[mr].handle;
			return *impi < FUZZ_NIMP;
		}
		*handle = 0;
		break;
	case H_SHARED:
		*impi = FUZZ_NIMP;
		*handle = __atomic_load_n(&t->r->shared[stale % FUZZ_NSHARED], __ATOMIC_RELAXED);
		break;
	case H_STALE:
		*handle = t->nstale ? t->stale[stale % (t->nstale < FUZZ_NSHARED ?
							t->nstale : FUZZ_NSHARED)] : 0;
		break;
	case H_ZERO:
		*handle = 0;
		break;
	case H_RANDOM:
	case H_NR:
		*handle = hval;
		break;
	}
	*fd = fz_imp_fd(t, *impi);
	return false;
}

void fz_hcall(struct fuzz_thread *t, bool dereg, const struct fuzz_hcall *c)
{
	struct p2p_dereg_mr *d = (void *)t->area;
	struct p2p_query_mr *q = (void *)t->area;
	unsigned int impi;
	uint32_t handle;
	enum fuzz_kind k;
	bool live;
	int fd, ret;

	live = pick_handle(t, c->h, c->imp, c->mr, c->stale, c->hval, &fd, &handle, &impi);
	if (fd < 0)
		return;
	area_clear(t);
	if (dereg) {
		d->size = struct_size(t, c->size, sizeof(*d), c->hval);
		d->handle = handle;
		d->flags = c->flags;
		d->__reserved = c->reserved;
		k = !live ? FK_DEREG_ANY : c->garbled ? FK_DEREG_BAD : FK_DEREG;
		ret = imp_ioctl(fd, P2P_IOC_DEREG_MR, d);
	} else {
		q->size = struct_size(t, c->size, sizeof(*q), c->hval);
		q->handle = handle;
		k = !live ? FK_QUERY_ANY : c->garbled ? FK_QUERY_BAD : FK_QUERY;
		fz_ovl_access(t, impi);
		ret = imp_ioctl(fd, P2P_IOC_QUERY_MR, q);
		fz_ovl_access_end(t, impi);
	}
	fz_result(t, k, ret, "%s(%s fd %d, handle %u, size %u, flags 0x%x, reserved 0x%x)",
		  dereg ? "DEREG_MR" : "QUERY_MR", impi >= FUZZ_NIMP ? "shared" : "own", fd,
		  handle, d->size, c->flags, c->reserved);
	if (dereg && !ret) {
		/* Whichever of ours that was (a stale number may be reused), it is gone. */
		fz_ovl_dereg(t, impi, handle, c->flags);
		if (impi < FUZZ_NIMP)
			fz_mr_gone(t, impi, handle);
		else if (c->h == H_LIVE)
			t->mrs[c->mr].used = false;
	} else if (dereg && ret == -ENOENT && live) {
		fz_ovl_lost(t, impi, handle);
	}
	if (!dereg && !ret && live && q->state != P2P_MR_STATE_MAPPED &&
	    q->state != P2P_MR_STATE_INVALIDATED && q->state != P2P_MR_STATE_REVOKED)
		fz_mismatch(t, k, "QUERY_MR(handle %u) state %u is none of the states", handle,
			    q->state);
}

/* Where the user buffer of ACCESS_MR is, for @ptr and a transfer of @len. */
static uint64_t user_ptr(struct fuzz_thread *t, enum fuzz_ptr ptr, uint64_t len)
{
	switch (ptr) {
	case P_OK:
		/* Flush with the guard page: a kernel overrun faults, never scribbles. */
		return (uintptr_t)(t->scratch + FUZZ_SCRATCH - (len < FUZZ_SCRATCH ? len :
								FUZZ_SCRATCH));
	case P_NULL:
		return 0;
	case P_KERNEL:
		return (uintptr_t)KERNEL_PTR;
	case P_GUARD:
	case P_STRADDLE:
		return (uintptr_t)(t->scratch + FUZZ_SCRATCH);
	case P_RDONLY:
	case P_NR:
		break;
	}
	return (uintptr_t)t->ro;
}

void fz_access(struct fuzz_thread *t, const struct fuzz_access *c)
{
	struct p2p_access_mr *a = (void *)t->area;
	uint64_t mrlen = t->r->g.page, off, len;
	unsigned int impi;
	uint32_t handle;
	enum fuzz_kind k;
	bool live, edu = true;	/* until known: another worker's MR may be */
	int fd, ret;

	live = pick_handle(t, c->h, c->imp, c->mr, c->stale, c->hval, &fd, &handle, &impi);
	if (fd < 0)
		return;
	if (live) {
		mrlen = t->mrs[c->mr].length;
		edu = t->mrs[c->mr].flags & P2P_MR_EDU;
	}
	range(t, c->range, c->ra, c->rb, mrlen, &off, &len);
	/* Data moves through our scratch buffer; the DMA engine takes ~100 ms per 2 KiB. */
	if (c->op != P2P_ACCESS_CHECK && c->range <= R_BYTES) {
		if (len > FUZZ_SCRATCH)
			len = FUZZ_SCRATCH;
		if (edu && len > FUZZ_EDU_MAX)
			len = FUZZ_EDU_MAX;
	}
	area_clear(t);
	a->size = struct_size(t, c->size, sizeof(*a), c->rb);
	a->handle = handle;
	a->op = c->op;
	a->count = c->count;
	a->offset = off;
	a->length = len;
	a->user_ptr = user_ptr(t, c->ptr, c->op == P2P_ACCESS_CHECK ?
			       (uint64_t)c->count * sizeof(struct p2p_dma_seg) : len);
	k = !live ? FK_ACCESS_ANY : c->garbled ? FK_ACCESS_BAD : FK_ACCESS;
	/* Segments are a page or more: beyond this many the room may run out. */
	if (k == FK_ACCESS && c->op == P2P_ACCESS_CHECK &&
	    len / t->r->g.page + FUZZ_FEAT_RANGES + 1 > FUZZ_MAX_SEGS)
		k = FK_ACCESS_BAD;
	fz_ovl_access(t, impi);
	ret = imp_ioctl(fd, P2P_IOC_ACCESS_MR, a);
	fz_ovl_access_end(t, impi);
	fz_result(t, k, ret, "ACCESS_MR(%s fd %d, handle %u, size %u, op %u, count %u, "
		  "0x%llx+0x%llx of an MR of 0x%llx, user_ptr 0x%llx)",
		  impi >= FUZZ_NIMP ? "shared" : "own", fd, handle, a->size, c->op, c->count,
		  (unsigned long long)off, (unsigned long long)len, (unsigned long long)mrlen,
		  (unsigned long long)a->user_ptr);
	if (!ret && c->op == P2P_ACCESS_CHECK && a->count > c->count)
		fz_mismatch(t, k, "CHECK wrote %u segments into room for %u", a->count, c->count);
}

/* A well-formed struct for command @which naming live things, at @p. */
static size_t good_struct(struct fuzz_thread *t, const struct fuzz_ioctl *c, uint8_t *p,
			  unsigned int *impi)
{
	struct fuzz_mr *m = &t->mrs[c->mr];
	uint32_t handle = m->used ? m->handle : 0;

	*impi = m->used ? m->imp : c->imp;
	memset(p, 0, t->r->g.page);
	switch (c->which) {
	case 0: {
		struct p2p_reg_mr *q = (void *)p;
		unsigned int b = c->mr % FUZZ_NBUF;

		*impi = c->imp;
		q->size = sizeof(*q);
		q->fd = t->bufs[b].fd;
		q->access = P2P_MR_ACCESS_READ;
		q->length = t->bufs[b].fd >= 0 ? t->bufs[b].size : t->r->g.page;
		return sizeof(*q);
	}
	case 1: {
		struct p2p_dereg_mr *d = (void *)p;

		d->size = sizeof(*d);
		d->handle = handle;
		return sizeof(*d);
	}
	case 2: {
		struct p2p_query_mr *q = (void *)p;

		q->size = sizeof(*q);
		q->handle = handle;
		return sizeof(*q);
	}
	default: {
		struct p2p_access_mr *a = (void *)p;

		a->size = sizeof(*a);
		a->handle = handle;
		a->op = P2P_ACCESS_CHECK;
		a->count = FUZZ_MAX_SEGS;
		a->length = m->used ? m->length : t->r->g.page;
		a->user_ptr = (uintptr_t)t->scratch;
		return sizeof(*a);
	}
	}
}

static void ioctl_badptr(struct fuzz_thread *t, const struct fuzz_ioctl *c)
{
	size_t page = t->r->g.page, len;
	const struct fuzz_buf *b = &t->bufs[c->mr % FUZZ_NBUF];
	unsigned int impi;
	uint8_t *p = NULL;
	int fd, ret, id = 0;

	len = good_struct(t, c, t->ro_w, &impi);
	fd = fz_imp_fd(t, impi);
	if (fd < 0)
		return;
	/* REG_MR from a read-only struct attaches and maps, then fails to say the handle. */
	if (c->which == 0 && c->ptr == P_RDONLY && b->fd >= 0) {
		id = fz_ovl_reserve(t, impi, b);
		if (!id)
			return;
	}
	switch (c->ptr) {
	case P_NULL:
		break;
	case P_KERNEL:
		p = KERNEL_PTR;
		break;
	case P_GUARD:
		p = t->ro + page;
		break;
	case P_STRADDLE:
		/* The size field readable, the rest of the struct in the PROT_NONE page. */
		memmove(t->ro_w + page - 8, t->ro_w, 8);
		p = t->ro + page - 8;
		break;
	default:
		p = t->ro;
		break;
	}
	if (c->which >= 2)
		fz_ovl_access(t, impi);
	ret = imp_ioctl(fd, c->cmd, p);
	if (c->which >= 2)
		fz_ovl_access_end(t, impi);
	fz_ovl_reg_done(t, id, ret, 0);
	fz_result(t, FK_IMP_BADPTR, ret, "ioctl(%s fd %d, 0x%08x, %p: %zu-byte struct %s)",
		  impi >= FUZZ_NIMP ? "shared" : "own", fd, c->cmd, (void *)p, len,
		  c->ptr == P_RDONLY ? "read-only" : "unreadable");
	/* A read-only DEREG needs no copy back: that MR is gone. */
	if (!ret && c->which == 1 && c->ptr == P_RDONLY && t->mrs[c->mr].used) {
		fz_ovl_dereg(t, impi, t->mrs[c->mr].handle, 0);
		if (impi < FUZZ_NIMP)
			fz_mr_gone(t, impi, t->mrs[c->mr].handle);
		else
			t->mrs[c->mr].used = false;
	}
}

void fz_ioctl(struct fuzz_thread *t, const struct fuzz_ioctl *c)
{
	enum fuzz_kind k = c->variant == IOC_ALIAS ? FK_IMP_ALIAS : FK_IMP_IOCTL;
	int fd, ret;

	if (c->variant == IOC_BADPTR) {
		ioctl_badptr(t, c);
		return;
	}
	fd = fz_imp_fd(t, c->imp);
	if (fd < 0)
		return;
	/*
	 * All ones but the size: whichever command it turns out to be, the
	 * handle names no MR and the fd (-1) no file, so it cannot take one of
	 * our MRs away behind the bookkeeping's back.
	 */
	area_clear(t);
	memset(t->area, 0xff, 64);
	memcpy(t->area, &c->size_field, sizeof(c->size_field));
	fz_ovl_access(t, c->imp);
	ret = imp_ioctl(fd, c->cmd, t->area);
	fz_ovl_access_end(t, c->imp);
	fz_result(t, k, ret, "ioctl(%s fd %d, 0x%08x, struct of 0xff, size field %u)",
		  c->imp >= FUZZ_NIMP ? "shared" : "own", fd, c->cmd, c->size_field);
}
