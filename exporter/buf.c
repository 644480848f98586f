// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf core: buffers over slices of a provider's MMIO, their
 * attachments and mappings, and their release. Revocation is in revoke.c.
 */
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_debugfs.h"
#include "dmabuf_p2p_compat.h"
#include "p2p_exp.h"
#include "trace.h"

static const struct dma_buf_ops p2p_exp_dmabuf_ops;

struct p2p_exp_buf *p2p_exp_buf_from_dmabuf(struct dma_buf *dmabuf)
{
	return dmabuf->ops == &p2p_exp_dmabuf_ops ? dmabuf->priv : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_buf_from_dmabuf);

static int p2p_exp_attach_checked(struct dma_buf *dmabuf,
				  struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = dmabuf->priv;
	int ret;

	/*
	 * A static importer keeps its mapping for the attachment's lifetime
	 * and cannot be told that the MMIO went away.
	 */
	if (!p2p_attach_revocable(attach)) {
		dev_dbg(attach->dev, "ino %lu: static importer refused\n",
			buf->ino);
		return -EOPNOTSUPP;
	}
	if (!attach->peer2peer) {
		dev_dbg(attach->dev, "ino %lu: importer cannot do P2P\n",
			buf->ino);
		return -EOPNOTSUPP;
	}
	/* dma_map_resource() would WARN at map time; refuse it here. */
	if (!attach->dev->dma_mask) {
		dev_dbg(attach->dev, "ino %lu: importer has no DMA mask\n",
			buf->ino);
		return -EINVAL;
	}

	ret = p2p_exp_knob_take_errno(&p2p_exp_knobs.fail_next_attach);
	if (ret)
		return ret;

	/*
	 * Neither this nor the check under resv below is final: a revoke
	 * can land right after we return, before the core has even linked
	 * the attachment where move_notify would find it. What keeps a
	 * revoked buffer unmapped is map's own check under resv; these only
	 * turn the importer away early and keep the attaches counter to
	 * attaches made while the buffer was valid.
	 */
	if (READ_ONCE(buf->revoked))
		return -ENODEV;

	ret = p2p_exp_path_check(buf->exp_dev, attach->dev, buf->ino);
	if (ret)
		return ret;

	ret = p2p_exp_contract_attach(attach);
	if (ret)
		return ret;

	dma_resv_lock(dmabuf->resv, NULL);
	if (buf->revoked)
		ret = -ENODEV;
	else
		atomic_inc(&buf->stats.attaches);
	dma_resv_unlock(dmabuf->resv);
	if (ret)
		p2p_exp_contract_detach(attach);
	return ret;
}

static int p2p_exp_attach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = dmabuf->priv;
	int ret = p2p_exp_attach_checked(dmabuf, attach);

	trace_p2p_exp_attach(buf->ino, attach->dev, ret);
	return ret;
}

static void p2p_exp_detach(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = dmabuf->priv;

	p2p_exp_contract_detach(attach);
	trace_p2p_exp_detach(buf->ino, attach->dev, 0);
}

/*
 * 6.12 treats an exporter without .pin as "not dynamic" and then maps and
 * caches the sg_table at attach time, which a revoke could not take back.
 * With DMABUF_MOVE_NOTIFY=n the core pins around every map, so pin has to
 * succeed while the buffer is valid; where only importers that cannot be
 * revoked pin, it is refused (contract.c).
 */
static int p2p_exp_pin(struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (buf->revoked)
		return -ENODEV;
	return p2p_exp_contract_pin(attach);
}

static void p2p_exp_unpin(struct dma_buf_attachment *attach)
{
}

static const char *const p2p_exp_path_str[] = {
	[P2P_EXP_PATH_HOST] = "host",
	[P2P_EXP_PATH_BUS] = "bus",
	[P2P_EXP_PATH_NONE] = "none",
};

static struct sg_table *p2p_exp_map(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;
	unsigned int dma_maps = 0;
	const char *how = "-";
	enum p2p_exp_path path;
	u64 t0 = ktime_get_ns();
	struct sg_table *sgt;
	int ret;

	/* Dynamic importers map under resv; a static one never got here. */
	dma_resv_assert_held(attach->dmabuf->resv);

	if (buf->revoked) {
		sgt = ERR_PTR(-ENODEV);
		goto out;
	}

	path = p2p_exp_path_of(buf->exp_dev, attach->dev);
	how = p2p_exp_path_str[path];
	if (path == P2P_EXP_PATH_NONE) {
		dev_notice_ratelimited(attach->dev, "ino %lu: not a PCI device, no P2P path to %s can be checked (dmabuf_p2p_exp.allow_non_pci=1 maps anyway)\n",
				       buf->ino, dev_name(buf->exp_dev));
		sgt = ERR_PTR(-EINVAL);
		goto out;
	}

	ret = p2p_exp_knob_take_errno(&p2p_exp_knobs.fail_next_map);
	sgt = ret ? ERR_PTR(ret) :
		    p2p_exp_dma_map(attach->dev, buf->exp_dev, buf->ranges,
				    buf->nr_ranges, buf->size, dir, path,
				    &dma_maps);
	if (IS_ERR(sgt)) {
		dev_dbg(attach->dev, "ino %lu: map failed %ld\n", buf->ino,
			PTR_ERR(sgt));
		goto out;
	}
	atomic_inc(&buf->stats.maps);
	atomic_add(dma_maps, &buf->stats.dma_maps);
	if (path == P2P_EXP_PATH_BUS)
		atomic_inc(&buf->stats.bus_maps);
	p2p_exp_contract_mapped(attach);
out:
	trace_p2p_exp_map(buf->ino, attach->dev, how,
			  IS_ERR(sgt) ? 0 : sgt->nents, dma_maps,
			  IS_ERR(sgt) ? 0 : buf->size, ktime_get_ns() - t0,
			  PTR_ERR_OR_ZERO(sgt));
	return sgt;
}

static void p2p_exp_unmap(struct dma_buf_attachment *attach,
			  struct sg_table *sgt, enum dma_data_direction dir)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;
	unsigned int nents = sgt->nents;
	u64 t0 = ktime_get_ns();

	p2p_exp_contract_unmapped(attach);
	p2p_exp_dma_unmap(attach->dev, sgt, dir);
	trace_p2p_exp_unmap(buf->ino, attach->dev, nents, ktime_get_ns() - t0);
}

static void p2p_exp_release(struct dma_buf *dmabuf)
{
	struct p2p_exp_buf *buf = dmabuf->priv;
	enum p2p_exp_rel_path path = p2p_exp_release_path();
	struct p2p_exp_provider *prov = buf->prov;
	u32 delay = READ_ONCE(p2p_exp_knobs.release_delay_ms);

	if (delay)
		msleep(delay);
	p2p_exp_negative_pause();

	/*
	 * Taking the provider lock is safe only because no revoker ever
	 * drops the last reference synchronously while holding it (see
	 * revoke.c, and bug_sync_put for what happens otherwise).
	 */
	if (prov) {
		down_write(prov->lock);
		list_del(&buf->node);
		up_write(prov->lock);
		prov->ops->put(prov);
	}

	p2p_exp_log_release(buf, path);
	trace_p2p_exp_release(buf->ino, p2p_exp_path_name(path), !prov);
	put_device(buf->exp_dev);
	kfree(buf);
}

static const struct dma_buf_ops p2p_exp_dmabuf_ops = {
	.attach = p2p_exp_attach,
	.detach = p2p_exp_detach,
	.pin = p2p_exp_pin,
	.unpin = p2p_exp_unpin,
	.map_dma_buf = p2p_exp_map,
	.unmap_dma_buf = p2p_exp_unmap,
	.release = p2p_exp_release,
	.mmap = p2p_exp_mmap,
};

/*
 * Checks of the request header. open_flags may carry the access mode and
 * O_CLOEXEC only; anything else would end up in the dma-buf file's flags.
 */
int p2p_exp_check_request(struct device *dev, u32 flags, u32 open_flags,
			  u32 nr_ranges)
{
	if (flags) {
		dev_dbg(dev, "dma-buf request: flags %#x must be 0\n", flags);
		return -EINVAL;
	}
	if ((open_flags & ~(O_CLOEXEC | O_ACCMODE)) ||
	    (open_flags & O_ACCMODE) == O_ACCMODE) {
		dev_dbg(dev, "dma-buf request: bad open_flags %#x\n",
			open_flags);
		return -EINVAL;
	}
	if (!nr_ranges) {
		dev_dbg(dev, "dma-buf request: no ranges\n");
		return -EINVAL;
	}
	if (nr_ranges > DMABUF_P2P_MAX_RANGES) {
		dev_dbg(dev, "dma-buf request: %u ranges, max %u\n", nr_ranges,
			DMABUF_P2P_MAX_RANGES);
		return -E2BIG;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_check_request);

/*
 * Two passes in the order upstream vfio-pci checks (7.x), so that one input
 * gets one errno from either exporter (make check compares them): the
 * shape of every range and their total first (EINVAL), then each range
 * against the BAR (EOVERFLOW if it wraps, EINVAL past the end).
 */
static int p2p_exp_check_ranges(struct device *dev,
				const struct vfio_region_dma_range *ranges,
				u32 nr_ranges, u64 bar_size, u64 *total)
{
	u64 sum = 0, end;
	u32 i;

	for (i = 0; i < nr_ranges; i++) {
		u64 off = ranges[i].offset, len = ranges[i].length;

		if (!len || !PAGE_ALIGNED(off) || !PAGE_ALIGNED(len)) {
			dev_dbg(dev, "range %u: %#llx+%#llx empty or unaligned\n",
				i, off, len);
			return -EINVAL;
		}
		if (check_add_overflow(sum, len, &sum) || (sum & BIT_ULL(63))) {
			dev_dbg(dev, "range %u: total length overflows\n", i);
			return -EINVAL;
		}
	}
	for (i = 0; i < nr_ranges; i++) {
		u64 off = ranges[i].offset, len = ranges[i].length;

		if (check_add_overflow(off, len, &end)) {
			dev_dbg(dev, "range %u: %#llx+%#llx overflows\n", i,
				off, len);
			return -EOVERFLOW;
		}
		if (end > bar_size) {
			dev_dbg(dev, "range %u: %#llx+%#llx beyond BAR size %#llx\n",
				i, off, len, bar_size);
			return -EINVAL;
		}
	}
	if (sum > bar_size) {
		dev_dbg(dev, "ranges total %#llx above BAR size %#llx\n", sum,
			bar_size);
		return -EINVAL;
	}
	*total = sum;
	return 0;
}

struct dma_buf *p2p_exp_buf_create(struct p2p_exp_provider *prov, u32 bar,
				   const struct vfio_region_dma_range *ranges,
				   u32 nr_ranges, u32 open_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct p2p_exp_buf *buf;
	struct dma_buf *dmabuf;
	phys_addr_t base;
	u64 bar_size, total;
	u32 i;
	int ret;

	ret = p2p_exp_check_request(prov->dev, 0, open_flags, nr_ranges);
	if (ret)
		return ERR_PTR(ret);

	ret = prov->ops->bar_range(prov, bar, &base, &bar_size);
	if (ret) {
		dev_dbg(prov->dev, "region %u: no memory BAR (%d)\n", bar, ret);
		return ERR_PTR(ret);
	}

	ret = p2p_exp_check_ranges(prov->dev, ranges, nr_ranges, bar_size,
				   &total);
	if (ret)
		return ERR_PTR(ret);

	buf = kzalloc(struct_size(buf, ranges, nr_ranges), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->nr_ranges = nr_ranges;
	for (i = 0; i < nr_ranges; i++) {
		buf->ranges[i].phys = base + ranges[i].offset;
		buf->ranges[i].len = ranges[i].length;
	}
	buf->size = total;
	buf->revoked = true;
	atomic_set(&buf->mapped, 0);
	init_waitqueue_head(&buf->unmap_wq);
	INIT_LIST_HEAD(&buf->node);
	buf->exp_dev = get_device(prov->dev);

	exp_info.ops = &p2p_exp_dmabuf_ops;
	exp_info.owner = THIS_MODULE;
	exp_info.size = total;
	exp_info.flags = open_flags;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		put_device(buf->exp_dev);
		kfree(buf);
		return dmabuf;
	}
	buf->dmabuf = dmabuf;
	buf->ino = file_inode(dmabuf->file)->i_ino;

	/*
	 * Created revoked when the MMIO is off, like upstream. The sync also
	 * catches MMIO that went away behind our back, so old and new buffers
	 * of the device agree.
	 */
	down_write(prov->lock);
	if (!prov->live) {
		up_write(prov->lock);
		dev_dbg(prov->dev, "dma-buf request: device is closed\n");
		/* Not linked yet: the release will not touch the provider. */
		dma_buf_put(dmabuf);
		return ERR_PTR(-ENODEV);
	}
	p2p_exp_sync_locked(prov);
	buf->revoked = prov->revoked;
	buf->prov = prov;
	prov->ops->get(prov);
	list_add_tail(&buf->node, &prov->bufs);
	trace_p2p_exp_create(prov->dev, buf->ino, bar, nr_ranges, total,
			     buf->revoked);
	up_write(prov->lock);

	return dmabuf;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_buf_create);

void p2p_exp_bufs_show(struct seq_file *m, struct p2p_exp_provider *prov)
{
	struct p2p_exp_buf *buf;

	down_read(prov->lock);
	list_for_each_entry(buf, &prov->bufs, node)
		seq_printf(m, P2P_EXP_BUF_FMT, buf->ino, buf->size,
			   buf->revoked, atomic_read(&buf->stats.attaches),
			   atomic_read(&buf->stats.maps),
			   atomic_read(&buf->stats.revokes),
			   atomic_read(&buf->stats.unrevokes),
			   atomic_read(&buf->mapped),
			   atomic_read(&buf->stats.bus_maps),
			   atomic_read(&buf->stats.dma_maps));
	up_read(prov->lock);
}
