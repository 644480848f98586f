// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the exporter's side. Buffers through
 * VFIO_DEVICE_FEATURE (well-formed, garbled, other features), revoke
 * triggers (config writes, VFIO_DEVICE_RESET, the revoke knob, closing and
 * reopening the device), garbage into the debugfs knobs, and the dma-buf
 * core's own entry points on our buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "fuzz_run.h"

/* Remember a buffer the run made, for the leftover check; returns its ino (0 unknown). */
uint64_t fz_ino_add(struct fuzz_thread *t, int fd)
{
	uint64_t ino, *n;

	if (p2p_dmabuf_ino(fd, &ino)) {
		fz_fuzzer_error(t, "%s", p2p_last_error());
		return 0;
	}
	if (t->ninos == t->capinos) {
		size_t cap = t->capinos ? 2 * t->capinos : 1024;

		n = realloc(t->inos, cap * sizeof(*n));
		if (!n) {
			fz_fuzzer_error(t, "no memory to remember buffer ino %llu",
					(unsigned long long)ino);
			return ino;
		}
		t->inos = n;
		t->capinos = cap;
	}
	t->inos[t->ninos++] = ino;
	return ino;
}

/* A new buffer @fd, as @meta says, into @slot; what was there is closed. */
void fz_buf_put(struct fuzz_thread *t, struct fuzz_buf *slot, int fd,
		const struct fuzz_buf *meta)
{
	if (slot->fd >= 0)
		fz_close_fd(t, &slot->fd, FK_CLOSE);
	*slot = *meta;
	slot->fd = fd;
}

/* What an attachment of a buffer of ours made of @nr ranges of @region maps. */
static void bar_map(struct fuzz_buf *b, uint64_t ino, unsigned int region,
		    const struct p2p_range *rg, unsigned int nr)
{
	unsigned int i;

	b->map.ram = false;
	b->map.ino = ino;
	b->map.bar = region;
	b->map.nr = nr < FUZZ_OVL_RANGES ? nr : FUZZ_OVL_RANGES;
	b->size = 0;
	for (i = 0; i < b->map.nr; i++) {
		b->map.r[i] = rg[i];
		b->size += rg[i].length;
	}
}

static int make_buf(struct fuzz_thread *t, unsigned int slot, const struct p2p_range *rg,
		    unsigned int nr, uint32_t open_flags)
{
	struct fuzz_buf meta = { .open_flags = open_flags };
	int fd;

	if (fz_dev_get(t) < 0)
		return -ENODEV;
	fz_fd_rdlock(t);
	fd = p2p_dmabuf_create(&t->r->dev, t->r->g.bar, rg, nr, open_flags);
	fz_fd_unlock(t);
	fz_dev_put(t);
	fz_result(t, FK_CREATE, fd, "DMA_BUF(region %u, %u range(s), [0] 0x%llx+0x%llx, "
		  "open_flags 0x%x)", t->r->g.bar, nr, (unsigned long long)rg[0].offset,
		  (unsigned long long)rg[0].length, open_flags);
	if (fd < 0)
		return fd;
	bar_map(&meta, fz_ino_add(t, fd), t->r->g.bar, rg, nr);
	fz_buf_put(t, &t->bufs[slot], fd, &meta);
	return 0;
}

void fz_create(struct fuzz_thread *t, const struct fuzz_create *c)
{
	make_buf(t, c->slot, c->r, c->nr, c->open_flags);
}

/* A buffer in @slot, made on the spot (one page) if it is empty. */
int fz_buf_ensure(struct fuzz_thread *t, unsigned int slot)
{
	const struct fuzz_geom *g = &t->r->g;
	uint64_t pages = g->bar_size / g->page;
	struct p2p_range rg;

	if (t->bufs[slot].fd >= 0)
		return 0;
	rg.offset = pages ? (slot * 7 % pages) * g->page : 0;
	rg.length = g->page;
	return make_buf(t, slot, &rg, 1, O_RDWR | O_CLOEXEC);
}

#define FEAT_HDR	sizeof(struct vfio_device_feature)
#define FEAT_REQ	sizeof(struct vfio_device_feature_dma_buf)

void fz_feature(struct fuzz_thread *t, const struct fuzz_feature *c)
{
	struct vfio_device_feature *hdr = (void *)t->feat;
	struct vfio_device_feature_dma_buf *req = (void *)hdr->data;
	struct p2p_range rg[FUZZ_FEAT_RANGES];
	struct fuzz_buf meta = { .open_flags = c->open_flags };
	unsigned int i;
	int dev, ret;

	/* Room for every range whatever argsz claims: the kernel reads nr_ranges. */
	memset(t->feat, 0, FEAT_HDR + FEAT_REQ + sizeof(c->r) + sizeof(c->payload));
	hdr->argsz = c->argsz;
	hdr->flags = c->flags;
	if (c->kind == FK_FEAT_OTHER) {
		memcpy(hdr->data, c->payload, sizeof(c->payload));
	} else {
		req->region_index = c->region;
		req->open_flags = c->open_flags;
		req->flags = c->req_flags;
		req->nr_ranges = c->nr_ranges;
		memcpy(req->dma_ranges, c->r, c->nfill * sizeof(c->r[0]));
	}
	dev = fz_dev_get(t);
	if (dev < 0)
		return;
	/* Any of them may turn out to make a buffer: see fuzz_exec_ovl.c. */
	fz_fd_rdlock(t);
	ret = ioctl(dev, VFIO_DEVICE_FEATURE, hdr);
	if (ret < 0)
		ret = -errno;
	fz_fd_unlock(t);
	fz_dev_put(t);
	fz_result(t, c->kind, ret < 0 ? ret : 0, "VFIO_DEVICE_FEATURE(argsz %u, flags 0x%x; "
		  "region %u, open_flags 0x%x, flags 0x%x, nr_ranges %u) = %d", c->argsz, c->flags,
		  c->region, c->open_flags, c->req_flags, c->nr_ranges, ret);
	if (ret <= 0)
		return;
	if ((c->flags & VFIO_DEVICE_FEATURE_MASK) != VFIO_DEVICE_FEATURE_DMA_BUF ||
	    (c->flags & VFIO_DEVICE_FEATURE_PROBE)) {
		fz_mismatch(t, c->kind, "VFIO_DEVICE_FEATURE(flags 0x%x) returned %d, not 0",
			    c->flags, ret);
		return;
	}
	/* Made, so nr_ranges was at most DMABUF_P2P_MAX_RANGES: all of them written. */
	for (i = 0; i < c->nfill; i++) {
		rg[i].offset = c->r[i].offset;
		rg[i].length = c->r[i].length;
	}
	bar_map(&meta, fz_ino_add(t, ret), c->region, rg, c->nfill);
	fz_buf_put(t, &t->bufs[c->slot], ret, &meta);
}

void fz_cfg(struct fuzz_thread *t, const struct fuzz_cfg *c)
{
	ssize_t n = 0;
	int dev, ret;

	dev = fz_dev_get(t);
	if (dev < 0)
		return;
	if (!c->oob) {
		ret = p2p_cfg_write(&t->r->dev, c->off, c->val, c->len);
	} else {
		/* The library refuses this itself; the point is what vfio says. */
		n = pwrite(dev, c->val, c->len, t->r->dev.cfg_offset + c->off);
		ret = n < 0 ? -errno : 0;
	}
	fz_dev_put(t);
	fz_result(t, c->oob ? FK_CFG_OOB : FK_CFG, ret, "config write %s at 0x%x, %u byte(s) "
		  "%02x %02x %02x %02x (config size %u) = %zd", c->target, c->off, c->len,
		  c->val[0], c->val[1], c->val[2], c->val[3], t->r->g.cfg_size, n);
}

void fz_reset(struct fuzz_thread *t)
{
	int ret;

	if (fz_dev_get(t) < 0)
		return;
	/* Without a reset method the library refuses it before any ioctl. */
	if (!(t->r->dev.info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		fz_dev_put(t);
		return;
	}
	ret = p2p_device_reset(&t->r->dev);
	fz_dev_put(t);
	fz_result(t, FK_RESET, ret, "VFIO_DEVICE_RESET");
}

void fz_knob_revoke(struct fuzz_thread *t, bool revoke)
{
	int ret = p2p_knob_revoke(t->r->bdf, revoke);

	fz_result(t, FK_KNOB_REVOKE, ret, "%s/revoke <- %d: %s", t->r->bdf, revoke,
		  ret ? p2p_last_error() : "ok");
	/* Nothing is mapped now: the moment to settle deferred teardowns. */
	if (revoke && !ret)
		fz_ovl_oracle(t);
}

static int knob_path(struct fuzz_thread *t, const struct fuzz_knob *k, char *path, size_t len)
{
	if (k->importer) {
		if (!t->r->imp_knobs)
			return -ENOENT;
		snprintf(path, len, P2P_IMP_DEBUGFS "/%s", k->name);
		return 0;
	}
	return p2p_exp_knob_path(k->per_device ? t->r->bdf : NULL, k->name, path, len);
}

static int knob_read(const char *path, int64_t *v)
{
	char buf[64], *end;
	int ret = p2p_read_file(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	*v = strtoll(buf, &end, 0);
	return end == buf ? -EINVAL : 0;
}

/* A delay knob this worker set goes back to 0 once its time is up (or now). */
static void sleepy_off(struct fuzz_thread *t)
{
	const struct fuzz_knob *k;
	char path[192];
	size_t nk;
	int ret;

	if (t->sleepy < 0)
		return;
	k = &fuzz_knobs(&nk)[t->sleepy];
	t->sleepy = -1;
	if (knob_path(t, k, path, sizeof(path)))
		return;
	ret = p2p_write_file(path, "0");
	fz_result(t, k->importer ? FK_KNOB_IMP : FK_KNOB_EXP, ret, "write \"0\" to %s (its "
		  "delay's time is up): %s", path, ret ? p2p_last_error() : "ok");
}

void fz_knob_tick(struct fuzz_thread *t)
{
	if (t->sleepy >= 0 && t->call >= t->sleepy_until)
		sleepy_off(t);
}

void fz_knob(struct fuzz_thread *t, const struct fuzz_knob_call *c)
{
	const struct fuzz_knob *k;
	char path[192], esc[FUZZ_KNOB_VAL * 4 + 1];
	int64_t v = 0, now;
	size_t nk, i, o = 0;
	int fd, ret, model;
	ssize_t n;

	k = &fuzz_knobs(&nk)[c->knob];
	if (knob_path(t, k, path, sizeof(path)))
		return;
	for (i = 0; i < c->len && o + 5 < sizeof(esc); i++)
		o += snprintf(esc + o, sizeof(esc) - o,
			      c->val[i] >= 0x20 && c->val[i] < 0x7f ? "%c" : "\\x%02x",
			      (unsigned char)c->val[i]);
	esc[o] = '\0';
	if (!fuzz_knob_safe(k, c->val, c->len)) {
		fz_fuzzer_error(t, "not writing \"%s\" to %s: above %d ms", esc, path,
				FUZZ_SLEEP_MAX_MS);
		return;
	}
	model = fuzz_knob_effect(k, c->val, c->len, &v);
	if (k->injects && !model)
		fz_arm(t->r, v);
	if (k->sleeps)
		sleepy_off(t);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		n = write(fd, c->val, c->len);
		ret = n < 0 ? -errno : 0;
		close(fd);
	}
	fz_result(t, k->importer ? FK_KNOB_IMP : FK_KNOB_EXP, ret,
		  "write %zu byte(s) \"%s\" to %s (expected: %s)", c->len, esc, path,
		  model ? p2p_errno_name(model) : "accepted");
	if (ret)
		return;
	if (k->sleeps && !model && v) {
		t->sleepy = c->knob;
		t->sleepy_until = t->call + c->hold;
	}
	/* What the kernel kept, where our model of its parsing could be wrong. */
	if (k->injects && !knob_read(path, &now))
		fz_arm(t->r, now);
	if (k->sleeps && model && !knob_read(path, &now) &&
	    (now < 0 || now > FUZZ_SLEEP_MAX_MS)) {
		fz_mismatch(t, k->importer ? FK_KNOB_IMP : FK_KNOB_EXP,
			    "%s took \"%s\" as %lld ms: put back to 0", path, esc, (long long)now);
		p2p_write_file(path, "0");
	}
}

void fz_reopen(struct fuzz_thread *t)
{
	struct fuzz_run *r = t->r;
	char err[256] = "";
	int ret;

	pthread_rwlock_wrlock(&r->dev_lock);
	p2p_dev_close(&r->dev);
	ret = p2p_dev_open(r->bdf, &r->dev);
	if (ret)
		snprintf(err, sizeof(err), "%s", p2p_last_error());
	pthread_rwlock_unlock(&r->dev_lock);
	fz_result(t, FK_REOPEN, ret, "close and reopen %s: %s", r->bdf, ret ? err : "ok");
	/* Every older buffer is cut off the device, revoked for good. */
	fz_ovl_oracle(t);
}

static void misc_result(struct fuzz_thread *t, const struct fuzz_misc *c, int fd, int ret,
			const char *what)
{
	fz_result(t, FK_DMABUF_MISC, ret, "%s on %s fd %d (slot %u)", what,
		  c->udmabuf ? "udmabuf" : "dma-buf", fd, c->slot);
}

static void sync_file(struct fuzz_thread *t, const struct fuzz_misc *c, int fd)
{
	struct dma_buf_export_sync_file e = { .flags = 1 + c->arg % 3, .fd = -1 };
	struct dma_buf_import_sync_file i;
	int ret;

	ret = ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e) < 0 ? -errno : 0;
	misc_result(t, c, fd, ret, "EXPORT_SYNC_FILE");
	if (ret)
		return;
	/* Back into the same buffer: an already signalled fence in its resv. */
	i.flags = e.flags;
	i.fd = e.fd;
	ret = ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &i) < 0 ? -errno : 0;
	misc_result(t, c, fd, ret, "IMPORT_SYNC_FILE");
	close(e.fd);
}

void fz_misc(struct fuzz_thread *t, const struct fuzz_misc *c)
{
	enum fuzz_misc_what what = c->what;
	struct dma_buf_sync s;
	struct fuzz_buf *b;
	off_t off;
	void *p;
	int ret;

	if (c->udmabuf ? fz_udmabuf_ensure(t, c->slot) : fz_buf_ensure(t, c->slot))
		return;
	b = c->udmabuf ? &t->udma[c->slot] : &t->bufs[c->slot];
	/*
	 * udmabuf builds its CPU-sync sg_table on first use without a lock;
	 * racing the importer's CPU access on a shared MR it would leak one
	 * and kmemleak would blame us. Not our code: leave it alone.
	 */
	if (c->udmabuf && (what == MISC_SYNC || what == MISC_SYNC_BAD))
		what = MISC_SEEK;
	switch (what) {
	case MISC_SYNC:
		s.flags = (c->arg & DMA_BUF_SYNC_END) | (1 + c->arg % 3);
		ret = ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "DMA_BUF_IOCTL_SYNC");
		break;
	case MISC_SYNC_BAD:
		s.flags = c->arg & ~DMA_BUF_SYNC_VALID_FLAGS_MASK ? c->arg :
			  c->arg & DMA_BUF_SYNC_END;
		ret = ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "DMA_BUF_IOCTL_SYNC(bad flags)");
		break;
	case MISC_NAME:
	case MISC_NAME_LONG:
		ret = ioctl(b->fd, DMA_BUF_SET_NAME_B, c->name) < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "DMA_BUF_SET_NAME");
		break;
	case MISC_NAME_BADPTR:
		ret = ioctl(b->fd, DMA_BUF_SET_NAME_B, t->scratch + FUZZ_SCRATCH) < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "DMA_BUF_SET_NAME(PROT_NONE)");
		break;
	case MISC_MMAP:
		p = mmap(NULL, t->r->g.page, PROT_READ, MAP_SHARED, b->fd, 0);
		ret = p == MAP_FAILED ? -errno : 0;
		if (!ret)
			munmap(p, t->r->g.page);
		misc_result(t, c, b->fd, ret, "mmap");
		break;
	case MISC_SEEK:
		off = lseek(b->fd, 0, SEEK_END);
		ret = off < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "lseek(SEEK_END)");
		if (!ret && (uint64_t)off != b->size)
			fz_mismatch(t, FK_DMABUF_MISC, "lseek(SEEK_END) on fd %d says %lld, the "
				    "buffer was made with %llu bytes", b->fd, (long long)off,
				    (unsigned long long)b->size);
		if (!ret)
			lseek(b->fd, 0, SEEK_SET);
		break;
	case MISC_SEEK_BAD:
		off = c->arg & 1 ? lseek(b->fd, 0, SEEK_CUR) :
		      lseek(b->fd, 1 + c->arg % 4096, SEEK_END);
		misc_result(t, c, b->fd, off < 0 ? -errno : 0, "lseek(bad whence or offset)");
		break;
	case MISC_SYNC_FILE:
		sync_file(t, c, b->fd);
		break;
	case MISC_READ:
	case MISC_NR:
		ret = read(b->fd, t->scratch, 16) < 0 ? -errno : 0;
		misc_result(t, c, b->fd, ret, "read");
		break;
	}
}
