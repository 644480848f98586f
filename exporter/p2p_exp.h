/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_p2p_exp internals.
 *
 * The dma-buf core (buf.c, revoke.c) never looks at vfio or config space; it
 * sees the exporting device only through struct p2p_exp_provider. The vfio-pci
 * variant driver (main.c, provider_vfio.c, triggers.c) is one provider; the
 * KUnit suites bring a fake one without any PCI device.
 *
 * Lock order, outermost first. Every lock below is documented again where
 * it is declared.
 *
 *   p2p_exp_vdev.trigger_lock    one whole trigger sequence of one device
 *   *p2p_exp_provider.lock       vfio's memory_lock: MMIO state, buffer list
 *   dma_buf.resv                 a buffer's revoked flag, its attachments
 *   importer locks               taken by move_notify
 *   i_mmap_rwsem, page tables    (mmap.c) zapping a buffer's CPU mappings;
 *                                the fault handler takes the resv under
 *                                mmap_lock, never memory_lock
 *   p2p_exp_dma_lock             (map.c) one map or unmap of DMA addresses;
 *                                innermost, only DMA API calls under it
 *   p2p_exp_viol_lock            (contract.c) the violation log; a leaf
 *   p2p_exp_devs_lock            (main.c) the list of bound devices; a
 *                                leaf, a hot reset collects under it and
 *                                blocks the devices after dropping it
 *
 * After a revoke, the revoker waits for the importers to unmap (contract.c)
 * holding the provider lock but not the resv: an importer may take the resv
 * to unmap, and must not need the provider lock for it.
 *
 * vfio core calls open_device/close_device with dev_set->lock held and takes
 * memory_lock below it; those two callbacks therefore take only memory_lock,
 * never trigger_lock. A hot reset looks at ownership under dev_set->lock
 * before it takes any lock of ours. Nothing here calls into vfio core or
 * touches user memory while holding memory_lock (vfio's fault handler
 * takes memory_lock under mmap_lock).
 */
#ifndef _DMABUF_P2P_EXP_H
#define _DMABUF_P2P_EXP_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/vfio_pci_core.h>
#include <linux/wait.h>

#include "dmabuf_p2p_vfio.h"

struct dma_buf;
struct dma_buf_attachment;
struct seq_file;
struct vm_area_struct;
struct p2p_exp_provider;

/* Where the MMIO is and whether it decodes; implemented per provider. */
struct p2p_exp_provider_ops {
	/*
	 * Physical base and size of memory BAR @bar. -ENODEV when @bar is
	 * not a BAR index at all (ROM, config, VGA, device regions), -EINVAL
	 * when it is a BAR without usable MMIO (I/O port, unset, size 0).
	 */
	int (*bar_range)(struct p2p_exp_provider *prov, u32 bar,
			 phys_addr_t *base, u64 *size);
	/* Whether the MMIO decodes right now. Called with *lock held. */
	bool (*mmio_enabled)(struct p2p_exp_provider *prov);
	/*
	 * Keep alive the memory holding this struct and *lock. A buffer
	 * holds one reference while it is linked, so its release can still
	 * take *lock after the device is gone.
	 */
	void (*get)(struct p2p_exp_provider *prov);
	void (*put)(struct p2p_exp_provider *prov);
};

struct p2p_exp_provider {
	const struct p2p_exp_provider_ops *ops;
	/* The exporting device: P2P distance, messages. */
	struct device *dev;
	/*
	 * Guards the MMIO state and everything below (vfio: memory_lock).
	 * Held for write to change a buffer's revoked state or the list,
	 * for read to look at them. Order: after trigger_lock, before resv.
	 */
	struct rw_semaphore *lock;
	struct list_head bufs;
	/* Triggers in flight that may take the MMIO away. */
	unsigned int blockers;
	/* debugfs "revoke" = 1; every session starts without it. */
	bool forced;
	/* Between open_device and close_device. */
	bool live;
	/* The state last applied to every buffer on @bufs. */
	bool revoked;
};

struct p2p_exp_range {
	phys_addr_t phys;
	u64 len;
};

struct p2p_exp_stats {
	atomic_t attaches;
	atomic_t maps;
	atomic_t revokes;
	atomic_t unrevokes;
	/* Maps handed out as PCI bus addresses (p2p_path.c). */
	atomic_t bus_maps;
	/* DMA API mappings made for all maps: IOVA allocations (map.c). */
	atomic_t dma_maps;
};

struct p2p_exp_buf {
	struct dma_buf *dmabuf;
	/*
	 * NULL once close_device cut the buffer off its device. Only written
	 * under *prov->lock by someone holding a file reference, so the
	 * release (which runs after the last reference) reads it unlocked.
	 */
	struct p2p_exp_provider *prov;
	/* On prov->bufs, under *prov->lock. */
	struct list_head node;
	/* Our own reference: attach checks P2P distance without locks. */
	struct device *exp_dev;
	unsigned long ino;
	u64 size;
	/*
	 * Written with both *prov->lock (write) and the resv lock held, so
	 * either one is enough to read it. !revoked implies prov != NULL.
	 */
	bool revoked;
	struct p2p_exp_stats stats;
	/* Mappings handed out and not returned, all attachments together. */
	atomic_t mapped;
	/* Woken when @mapped drops to zero; a revoke waits on it. */
	wait_queue_head_t unmap_wq;
	u32 nr_ranges;
	struct p2p_exp_range ranges[] __counted_by(nr_ranges);
};

/* buf.c and revoke.c: the dma-buf core */
void p2p_exp_provider_init(struct p2p_exp_provider *prov,
			   const struct p2p_exp_provider_ops *ops,
			   struct device *dev, struct rw_semaphore *lock);
void p2p_exp_provider_open(struct p2p_exp_provider *prov);
void p2p_exp_provider_shutdown(struct p2p_exp_provider *prov);
void p2p_exp_sync_locked(struct p2p_exp_provider *prov);
void p2p_exp_block(struct p2p_exp_provider *prov);
void p2p_exp_unblock(struct p2p_exp_provider *prov);
void p2p_exp_resync(struct p2p_exp_provider *prov);
void p2p_exp_set_forced(struct p2p_exp_provider *prov, bool forced);
u64 p2p_exp_walk(struct p2p_exp_provider *prov, unsigned int *bufs,
		 unsigned int *attachments);
int p2p_exp_check_request(struct device *dev, u32 flags, u32 open_flags,
			  u32 nr_ranges);
struct dma_buf *p2p_exp_buf_create(struct p2p_exp_provider *prov, u32 bar,
				   const struct vfio_region_dma_range *ranges,
				   u32 nr_ranges, u32 open_flags);
struct p2p_exp_buf *p2p_exp_buf_from_dmabuf(struct dma_buf *dmabuf);
void p2p_exp_bufs_show(struct seq_file *m, struct p2p_exp_provider *prov);

/* p2p_path.c: how an importer reaches the MMIO */
enum p2p_exp_path {
	P2P_EXP_PATH_HOST,	/* through the host bridge: the DMA API */
	P2P_EXP_PATH_BUS,	/* below a shared bridge: the PCI bus address */
	P2P_EXP_PATH_NONE,	/* not a PCI device: refused at map */
};

enum p2p_exp_path p2p_exp_path_of(struct device *exp, struct device *imp);
int p2p_exp_path_check(struct device *exp, struct device *imp,
		       unsigned long ino);
dma_addr_t p2p_exp_bus_addr(struct device *exp, phys_addr_t phys, u64 len);

/* map.c: ranges to DMA addresses */
struct sg_table *p2p_exp_dma_map(struct device *dev, struct device *exp,
				 const struct p2p_exp_range *ranges,
				 u32 nr_ranges, u64 size,
				 enum dma_data_direction dir,
				 enum p2p_exp_path path, unsigned int *dma_maps);
void p2p_exp_dma_unmap(struct device *dev, struct sg_table *sgt,
		       enum dma_data_direction dir);

/* contract.c: the revoke contract */
enum p2p_exp_viol_kind {
	P2P_EXP_VIOL_FENCE,
	P2P_EXP_VIOL_UNMAP,
	P2P_EXP_VIOL_DETACH,
	P2P_EXP_VIOL_PIN,
};

struct p2p_exp_violation {
	unsigned long ino;
	enum p2p_exp_viol_kind kind;
	char driver[48];
	char dev[48];
};

const char *p2p_exp_viol_kind_name(enum p2p_exp_viol_kind kind);
int p2p_exp_contract_attach(struct dma_buf_attachment *attach);
void p2p_exp_contract_detach(struct dma_buf_attachment *attach);
void p2p_exp_contract_mapped(struct dma_buf_attachment *attach);
void p2p_exp_contract_unmapped(struct dma_buf_attachment *attach);
bool p2p_exp_pin_refused(void);
int p2p_exp_contract_pin(struct dma_buf_attachment *attach);
void p2p_exp_contract_wait(struct p2p_exp_provider *prov,
			   struct p2p_exp_buf *buf);
unsigned int p2p_exp_violations_read(struct p2p_exp_violation *out,
				     unsigned int max);
void p2p_exp_violations_clear(void);
void p2p_exp_violations_show(struct seq_file *m);

/* mmap.c: CPU mappings of a buffer */
int p2p_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);
void p2p_exp_mmap_zap(struct p2p_exp_buf *buf);

/* debugfs.c: test knobs, see uapi/dmabuf_p2p_debugfs.h */
struct p2p_exp_knobs {
	u32 release_delay_ms;
	u32 revoke_hold_ms;
	u32 fail_next_attach;
	u32 fail_next_map;
	u32 skip_p2p_distance;
	/* The revoke contract, see contract.c. */
	u32 revoke_wait_ms;
	u32 contract_warn;
	/*
	 * Module parameter, not a debugfs knob: map for importers that are
	 * not PCI devices (the project's own importer without an engine).
	 */
	bool allow_non_pci;
	/*
	 * No debugfs file, KUnit only: N > 0 makes the Nth DMA mapping from
	 * now on fail as dma_map_resource() failing would, see map.c.
	 */
	atomic_t fail_dma_map_at;
};

extern struct p2p_exp_knobs p2p_exp_knobs;

/* A u32 knob whose debugfs writes outside @min..@max fail with -EINVAL. */
struct p2p_exp_knob {
	const char *name;
	u32 *val;
	u32 min;
	u32 max;
};

int p2p_exp_knob_store(const struct p2p_exp_knob *knob, u64 val);
int p2p_exp_knob_take_errno(u32 *knob);
void p2p_exp_debugfs_init(void);
void p2p_exp_debugfs_exit(void);

/*
 * The negative controls exist only in a module built with
 * P2P_NEGATIVE_CONTROL=1 (exporter/Kbuild); everywhere else these are
 * constant false and the compiler drops the branches they guard.
 *   bug_sync_put     seed 001: the final put under memory_lock (revoke.c)
 *   bug_fault_remap  seed 000: remap the VMA under i_mmap_rwsem (mmap.c)
 *   bug_fault_lock   seed 003: memory_lock in the fault path (mmap.c)
 *   bug_pause        seed 004: userspace holds releases back (buf.c)
 */
#ifdef P2P_NEGATIVE_CONTROL
extern u32 p2p_exp_bug_sync_put;
extern u32 p2p_exp_bug_fault_remap;
extern u32 p2p_exp_bug_fault_lock;
void p2p_exp_bug_pause_wait(void);

static inline bool p2p_exp_negative_sync_put(void)
{
	return READ_ONCE(p2p_exp_bug_sync_put);
}

static inline bool p2p_exp_negative_fault_remap(void)
{
	return READ_ONCE(p2p_exp_bug_fault_remap);
}

static inline bool p2p_exp_negative_fault_lock(void)
{
	return READ_ONCE(p2p_exp_bug_fault_lock);
}

static inline void p2p_exp_negative_pause(void)
{
	p2p_exp_bug_pause_wait();
}
#else
static inline bool p2p_exp_negative_sync_put(void)
{
	return false;
}

static inline bool p2p_exp_negative_fault_remap(void)
{
	return false;
}

static inline bool p2p_exp_negative_fault_lock(void)
{
	return false;
}

static inline void p2p_exp_negative_pause(void)
{
}
#endif

/* release_path.c: which path ran a release, and the release log */
enum p2p_exp_rel_path {
	P2P_EXP_PATH_CLOSE,
	P2P_EXP_PATH_TASK_WORK,
	P2P_EXP_PATH_DELAYED,
	P2P_EXP_PATH_EXIT,
	P2P_EXP_PATH_OTHER,
};

#define P2P_EXP_SEEN_SYNC	BIT(0)
#define P2P_EXP_SEEN_DELAYED	BIT(1)
#define P2P_EXP_SEEN_TASK_WORK	BIT(2)

struct p2p_exp_rel_entry {
	unsigned long ino;
	enum p2p_exp_rel_path path;
	u32 attaches;
	u32 maps;
	u32 revokes;
	u32 unrevokes;
};

const char *p2p_exp_path_name(enum p2p_exp_rel_path path);
unsigned int p2p_exp_classify_sym(const char *sym);
enum p2p_exp_rel_path p2p_exp_classify(unsigned int task_flags,
				       unsigned int seen);
enum p2p_exp_rel_path p2p_exp_release_path(void);
void p2p_exp_log_release(const struct p2p_exp_buf *buf,
			 enum p2p_exp_rel_path path);
bool p2p_exp_log_find(unsigned long ino, struct p2p_exp_rel_entry *out);
void p2p_exp_log_show(struct seq_file *m);
void p2p_exp_log_clear(void);

/* cfg_effect.c: which config-space writes may take the MMIO away */

/* Capability offsets in config space; 0 where the device has none. */
struct p2p_exp_cfg_caps {
	u8 pm;
	u8 pcie;
	u8 af;
};

bool p2p_exp_cfg_may_remove(const struct p2p_exp_cfg_caps *caps, u64 pos,
			    size_t count);

/* The vfio-pci variant device. */
struct p2p_exp_vdev {
	struct vfio_pci_core_device core;
	struct p2p_exp_provider prov;
	/*
	 * Serialises whole trigger sequences of this device (revoke, call
	 * vfio core, unrevoke), so two of them cannot interleave. Outermost
	 * in the lock order; never taken under dev_set->lock.
	 */
	struct mutex trigger_lock;
	/* On p2p_exp_devs, under p2p_exp_devs_lock. */
	struct list_head node;
	/* Provider references held by buffers, see provider_vfio.c. */
	atomic_t buf_refs;
	struct p2p_exp_cfg_caps caps;
	struct dentry *dbg;
};

/* provider_vfio.c */
void p2p_exp_vfio_provider_init(struct p2p_exp_vdev *vdev);
void p2p_exp_vfio_wait_bufs(struct p2p_exp_vdev *vdev);

/* main.c */
extern struct mutex p2p_exp_devs_lock;
extern struct list_head p2p_exp_devs;

/* feature.c */
int p2p_exp_feature_dma_buf(struct p2p_exp_vdev *vdev, u32 flags,
			    void __user *arg, size_t argsz);

/* triggers.c */
ssize_t p2p_exp_write(struct vfio_device *core_vdev, const char __user *buf,
		      size_t count, loff_t *ppos);
long p2p_exp_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
		   unsigned long arg);
int p2p_exp_device_feature(struct vfio_device *core_vdev, u32 flags,
			   void __user *arg, size_t argsz);
int p2p_exp_open_device(struct vfio_device *core_vdev);
void p2p_exp_close_device(struct vfio_device *core_vdev);
void p2p_exp_trigger_force(struct p2p_exp_vdev *vdev, bool revoke);

/* debugfs.c, per device */
void p2p_exp_debugfs_add_dev(struct p2p_exp_vdev *vdev);
void p2p_exp_debugfs_remove_dev(struct p2p_exp_vdev *vdev);

static inline struct p2p_exp_vdev *to_p2p_exp_vdev(struct vfio_device *core)
{
	return container_of(core, struct p2p_exp_vdev, core.vdev);
}

#endif /* _DMABUF_P2P_EXP_H */
