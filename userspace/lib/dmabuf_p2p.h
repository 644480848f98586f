/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libdmabuf_p2p: open a vfio-pci device, export BAR ranges as dma-bufs,
 * fire revoke triggers, drive the mock importer, pass fds, read the test
 * knobs. Every int-returning call returns >= 0 on success and -errno on
 * failure; the failure's text is then in p2p_last_error(). The library
 * never exits and never prints.
 */
#ifndef DMABUF_P2P_H
#define DMABUF_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#include "dmabuf_p2p_vfio.h"
#include "dmabuf_p2p_importer.h"
#include "dmabuf_p2p_debugfs.h"

/* error.c */
const char *p2p_last_error(void);
const char *p2p_strerror(int err);
void p2p_clear_error(void);
const char *p2p_errno_name(int err);

/* ranges.c: pure helpers, no system calls */
struct p2p_range {
	uint64_t offset;
	uint64_t length;
};

int p2p_parse_u64(const char *s, uint64_t *out);
int p2p_parse_size(const char *s, uint64_t *out);
int p2p_parse_range(const char *s, struct p2p_range *r);
int p2p_parse_bar(const char *s, unsigned int *bar);
int p2p_ranges_total(const struct p2p_range *r, unsigned int nr, uint64_t *total);
int p2p_ranges_validate(const struct p2p_range *r, unsigned int nr,
			uint64_t bar_size, uint64_t page_size);
int p2p_ranges_stride(uint64_t base, uint64_t chunk, uint64_t stride,
		      unsigned int nr, struct p2p_range *out);
int p2p_ranges_locate(const struct p2p_range *r, unsigned int nr,
		      uint64_t buf_off, uint64_t *bar_off, uint64_t *run);

/* sysfs.c: files, PCI devices in sysfs */
#define P2P_BDF_LEN 20	/* "ffffffff:ff:1f.7": up to 8 domain digits */
#define P2P_SYSFS_PCI "/sys/bus/pci/devices"
#define P2P_SYSFS_PCI_DRIVERS "/sys/bus/pci/drivers"

struct p2p_pci_res {
	uint64_t start;
	uint64_t end;
	uint64_t flags;
};

#define P2P_IORESOURCE_IO	0x00000100
#define P2P_IORESOURCE_MEM	0x00000200

int p2p_read_file(const char *path, char *buf, size_t len);
int p2p_read_file_alloc(const char *path, char **out, size_t *len);
int p2p_write_file(const char *path, const char *s);
int p2p_bdf_normalize(const char *in, char out[P2P_BDF_LEN]);
bool p2p_pci_exists(const char *bdf);
int p2p_parse_resource_line(const char *line, struct p2p_pci_res *res);
int p2p_pci_resource(const char *bdf, unsigned int bar, struct p2p_pci_res *res);
int p2p_pci_iommu_group(const char *bdf);
int p2p_pci_driver(const char *bdf, char *buf, size_t len);
int p2p_pci_ids(const char *bdf, unsigned int *vendor, unsigned int *device);
int p2p_pci_reset_methods(const char *bdf, char *buf, size_t len);
int p2p_pci_bind(const char *bdf, const char *driver);
int p2p_pci_driver_devices(const char *driver, char (*bdfs)[P2P_BDF_LEN], int max);
int p2p_pci_config_sysfs(const char *bdf, uint8_t *buf, size_t len);
int p2p_dev_driver_string(const char *name, char *buf, size_t len);
bool p2p_dev_is_upstream_vfio(const char *bdf);

/* vfio.c: a device opened through its (noiommu) group */
struct p2p_dev {
	char bdf[P2P_BDF_LEN];
	int container;
	int group;
	int device;
	int group_id;
	bool noiommu;
	struct vfio_device_info info;
	uint64_t cfg_offset;
	uint64_t cfg_size;
};

int p2p_dev_open(const char *bdf, struct p2p_dev *dev);
void p2p_dev_close(struct p2p_dev *dev);
bool p2p_dev_is_open(const struct p2p_dev *dev);
int p2p_group_path(int group_id, bool noiommu, char *buf, size_t len);

/* region.c */
int p2p_region_info(struct p2p_dev *dev, unsigned int index,
		    struct vfio_region_info *info);
int p2p_bar_is_mem(struct p2p_dev *dev, unsigned int bar, uint64_t *size);
int p2p_find_mem_bar(struct p2p_dev *dev, uint64_t min_size, unsigned int *bar,
		     uint64_t *size);
int p2p_bar_mmap(struct p2p_dev *dev, unsigned int bar, uint64_t offset,
		 size_t len, int prot, void **out);

/* config.c: config space through the vfio config region, capability walk */
int p2p_cfg_read(struct p2p_dev *dev, unsigned int off, void *buf, size_t len);
int p2p_cfg_write(struct p2p_dev *dev, unsigned int off, const void *buf, size_t len);
int p2p_cfg_read8(struct p2p_dev *dev, unsigned int off, uint8_t *v);
int p2p_cfg_read16(struct p2p_dev *dev, unsigned int off, uint16_t *v);
int p2p_cfg_read32(struct p2p_dev *dev, unsigned int off, uint32_t *v);
int p2p_cfg_write8(struct p2p_dev *dev, unsigned int off, uint8_t v);
int p2p_cfg_write16(struct p2p_dev *dev, unsigned int off, uint16_t v);
int p2p_cap_find(const uint8_t *cfg, size_t len, uint8_t id);
int p2p_ext_cap_find(const uint8_t *cfg, size_t len, uint16_t id);
int p2p_dev_find_cap(struct p2p_dev *dev, uint8_t id);

/* dmabuf.c */
int p2p_dmabuf_feature(int devfd, uint32_t flags, const void *payload, size_t len);
int p2p_dmabuf_probe(struct p2p_dev *dev);
int p2p_dmabuf_create(struct p2p_dev *dev, unsigned int region,
		      const struct p2p_range *r, unsigned int nr,
		      uint32_t open_flags);
int p2p_dmabuf_ino(int fd, uint64_t *ino);
int p2p_dmabuf_size(int fd, uint64_t *size);
int p2p_fdinfo_field(int fd, const char *key, char *buf, size_t len);

/* udmabuf.c */
int p2p_udmabuf_create(size_t size, int *memfd_out);

/* trigger.c */
enum p2p_trigger {
	P2P_TRIG_NONE = 0,
	P2P_TRIG_MEM_OFF,
	P2P_TRIG_MEM_ON,
	P2P_TRIG_D3HOT,
	P2P_TRIG_D0,
	P2P_TRIG_FLR,
	P2P_TRIG_AF_FLR,
	P2P_TRIG_RESET,
	P2P_TRIG_HOT_RESET,
	P2P_TRIG_KNOB_REVOKE,
	P2P_TRIG_KNOB_UNREVOKE,
	P2P_TRIG_CLOSE,
};

/*
 * A named revoke scenario: @revoke takes MMIO away; @restore brings it
 * back (P2P_TRIG_NONE: @revoke is a reset that revokes and restores by
 * itself, or, with @final, takes the buffers away for good).
 */
struct p2p_trigger_desc {
	const char *name;
	enum p2p_trigger revoke;
	enum p2p_trigger restore;
	bool final;
	const char *help;
};

const struct p2p_trigger_desc *p2p_trigger_descs(size_t *n);
const struct p2p_trigger_desc *p2p_trigger_lookup(const char *name);
const char *p2p_trigger_name(enum p2p_trigger t);
int p2p_trigger_supported(struct p2p_dev *dev, enum p2p_trigger t);
int p2p_trigger_fire(struct p2p_dev *dev, enum p2p_trigger t);
const char *p2p_trigger_coverage_note(enum p2p_trigger t);
int p2p_set_mem_enable(struct p2p_dev *dev, bool on);
int p2p_set_power_state(struct p2p_dev *dev, unsigned int state);
int p2p_pcie_flr(struct p2p_dev *dev);
int p2p_af_flr(struct p2p_dev *dev);
int p2p_device_reset(struct p2p_dev *dev);

/*
 * hot_reset.c: VFIO_DEVICE_PCI_HOT_RESET. p2p_hot_reset() = groups_get,
 * an argument of their fds, issue, groups_put.
 */
struct p2p_hot_reset_groups {
	int *fds;		/* one per group owning a device the reset resets */
	unsigned int count;
	int own;		/* the device's own group fd: put leaves it open */
};

int p2p_hot_reset(struct p2p_dev *dev);
int p2p_hot_reset_count(struct p2p_dev *dev);
int p2p_hot_reset_devices(struct p2p_dev *dev, struct vfio_pci_dependent_device **out);
void p2p_hot_reset_dev_bdf(const struct vfio_pci_dependent_device *d,
			   char out[P2P_BDF_LEN]);
int p2p_hot_reset_groups_get(struct p2p_dev *dev, struct p2p_hot_reset_groups *g);
void p2p_hot_reset_groups_put(struct p2p_hot_reset_groups *g);
int p2p_hot_reset_issue(struct p2p_dev *dev, struct vfio_pci_hot_reset *hr);

/* importer.c */
int p2p_imp_open(void);
int p2p_imp_reg(int imp, int dmabuf_fd, uint64_t offset, uint64_t length,
		uint32_t flags, uint32_t access, uint32_t *handle);
int p2p_imp_reg_edu(int imp, int dmabuf_fd, uint64_t offset, uint64_t length, uint32_t access,
		    bool may_skip, uint32_t *handle, bool *skipped);
int p2p_imp_dereg(int imp, uint32_t handle, uint32_t flags);
int p2p_imp_query(int imp, uint32_t handle, struct p2p_query_mr *q);
int p2p_imp_read(int imp, uint32_t handle, uint64_t offset, void *buf, uint64_t len);
int p2p_imp_write(int imp, uint32_t handle, uint64_t offset, const void *buf,
		  uint64_t len);
int p2p_imp_check(int imp, uint32_t handle, uint64_t offset, uint64_t len,
		  struct p2p_dma_seg *segs, uint32_t cap, uint32_t *count);
typedef int (*p2p_seg_fill_fn)(void *arg, struct p2p_dma_seg *segs, uint32_t cap,
			       uint32_t *count);
int p2p_segs_collect(p2p_seg_fill_fn fill, void *arg, struct p2p_dma_seg **segs,
		     uint32_t *count);
int p2p_imp_check_alloc(int imp, uint32_t handle, uint64_t offset, uint64_t len,
			struct p2p_dma_seg **segs, uint32_t *count);
int p2p_imp_edu_device(char bdf[P2P_BDF_LEN]);
const char *p2p_mr_state_name(uint32_t state);

/* fdpass.c */
int p2p_send_fd(int sock, int fd);
int p2p_recv_fd(int sock);

/* debugfs.c */
struct p2p_buf_stat {
	uint64_t ino;
	uint64_t size;
	int revoked;
	unsigned int attaches;
	unsigned int maps;
	unsigned int revokes;
	unsigned int unrevokes;
	unsigned int mapped;	/* mappings outstanding, all attachments */
	unsigned int bus_maps;	/* maps given as PCI bus addresses */
	unsigned int dma_maps;	/* DMA API mappings (IOVA allocations), all maps */
};

struct p2p_rel_rec {
	uint64_t ino;
	char path[24];
	unsigned int attaches;
	unsigned int maps;
	unsigned int revokes;
	unsigned int unrevokes;
};

void p2p_exp_debugfs_set_root(const char *dir);
int p2p_debugfs_ensure(void);
bool p2p_exp_debugfs_present(void);
int p2p_parse_buf_line(const char *line, struct p2p_buf_stat *st);
int p2p_parse_rel_line(const char *line, struct p2p_rel_rec *r);
int p2p_buffers_list(const char *bdf, struct p2p_buf_stat *arr, int max);
int p2p_buffer_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st);
int p2p_release_find(uint64_t ino, struct p2p_rel_rec *r);
int p2p_release_wait(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms);
int p2p_releases_list(struct p2p_rel_rec *arr, int max);
int p2p_releases_clear(void);
int p2p_exp_knob_path(const char *bdf, const char *name, char *buf, size_t len);
int p2p_exp_knob_write(const char *bdf, const char *name, const char *val);
int p2p_exp_knob_read(const char *bdf, const char *name, char *buf, size_t len);
int p2p_exp_knob_set(const char *bdf, const char *name, long val);
int p2p_exp_knob_get(const char *bdf, const char *name, long *val);
int p2p_imp_knob_set(const char *name, long val);
int p2p_imp_knob_get(const char *name, long *val);
int p2p_knob_revoke(const char *bdf, bool revoke);
void p2p_knobs_reset(const char *const *bdfs, size_t n);

/*
 * release_trace.c: the release path of dma-bufs of any exporter (upstream
 * vfio-pci has no debugfs of ours), from the kernel function tracer's call
 * stack at each release, classified as the exporter's "releases" log does
 * (P2P_REL_*). start takes over the system's function tracer until stop;
 * read and wait return how many releases the trace holds (filling at most
 * @max), oldest first.
 */
struct p2p_trace_rel {
	int pid;
	char comm[32];
	char path[24];		/* P2P_REL_* */
	char func[64];		/* the function traced */
};

int p2p_parse_release_trace(const char *text, struct p2p_trace_rel *arr, int max);
int p2p_release_trace_start(void);
int p2p_release_trace_read(struct p2p_trace_rel *arr, int max);
int p2p_release_trace_wait(int want, struct p2p_trace_rel *arr, int max,
			   unsigned int timeout_ms);
void p2p_release_trace_stop(void);

/*
 * events.c: the modules' tracepoints (TRACE_SYSTEM dmabuf_p2p) from tracefs.
 * start enables them all and empties the trace buffer (the whole system's:
 * one user at a time, and not together with the release trace above); read
 * returns how many of our events the buffer holds, oldest first, filling at
 * most @max. A field is looked up by its key: -ENOENT if the event has none.
 */
#define P2P_TRACE_SYSTEM	"dmabuf_p2p"

struct p2p_event {
	char name[32];		/* "p2p_exp_map", "p2p_imp_mr_reg", ... */
	char comm[32];
	int pid;
	char args[256];		/* "ino=12 imp=0000:00:03.0 ..." */
};

int p2p_parse_events(const char *text, struct p2p_event *arr, int max);
int p2p_event_str(const struct p2p_event *ev, const char *key, char *out, size_t len);
int p2p_event_num(const struct p2p_event *ev, const char *key, long long *v);
int p2p_events_start(void);
int p2p_events_read(struct p2p_event *arr, int max);
void p2p_events_stop(void);

/*
 * The same events as they come (trace_pipe, which consumes them): poll
 * hands each complete one to @fn and returns how many, without blocking;
 * lost says how many the ring dropped because nobody read in time.
 */
struct p2p_event_stream {
	int fd;
	size_t len;
	char buf[4096];
};

int p2p_events_stream_open(struct p2p_event_stream *s);
int p2p_events_stream_poll(struct p2p_event_stream *s,
			   void (*fn)(const struct p2p_event *ev, void *arg), void *arg);
long long p2p_events_lost(void);
void p2p_events_stream_close(struct p2p_event_stream *s);

/*
 * contract.c: the exporter's revoke contract. After a revoke the exporter
 * waits up to revoke_wait_ms for the importers' fences and unmaps; a breach
 * is a line in "violations" (P2P_EXP_VIOL_FMT) and, with contract_warn=1, a
 * WARN. The importer's misbehave knob (P2P_IMP_MISBEHAVE_*) breaks it on
 * purpose. Knob names and formats: dmabuf_p2p_debugfs.h.
 */
/* Violation kinds, as printed in "kind=". */
#ifndef P2P_VIOL_FENCE
#define P2P_VIOL_FENCE	"fence"		/* resv fences unsignalled at the bound */
#define P2P_VIOL_UNMAP	"unmap"		/* an attachment still mapped at the bound */
#define P2P_VIOL_DETACH	"detach"	/* detached with mappings outstanding */
#define P2P_VIOL_PIN	"pin"		/* a pin refused */
#endif

struct p2p_violation {
	uint64_t ino;		/* the buffer */
	char kind[16];
	char driver[64];	/* dev_driver_string() of the importer's device */
	char dev[64];		/* dev_name() of it */
};

/* pin_policy: what dma_buf_pin() on our buffers does on this kernel */
enum p2p_pin_policy {
	P2P_PIN_ALLOWED,	/* "allowed": pinned (the core may pin on every map) */
	P2P_PIN_REFUSED,	/* "refused": EOPNOTSUPP, and a "pin" violation line */
};

int p2p_parse_violation_line(const char *line, struct p2p_violation *v);
int p2p_violations_list(struct p2p_violation *arr, int max);
int p2p_violations_clear(void);
int p2p_parse_pin_policy(const char *s);
int p2p_pin_policy(void);
const char *p2p_pin_policy_name(int policy);

/* bufinfo.c: the dma-buf core's list of every live buffer (debugfs) */
#define P2P_DMABUF_BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

struct p2p_bufinfo {
	uint64_t ino;
	uint64_t size;
	char exp_name[32];
	unsigned int attached;	/* attachments: importers holding it mapped or not */
};

int p2p_parse_bufinfo(const char *text, struct p2p_bufinfo *arr, int max);
int p2p_bufinfo_list(struct p2p_bufinfo *arr, int max);

/*
 * failnth.c: the kernel's per-task fail-nth (CONFIG_FAULT_INJECTION). The
 * Nth fault-injectable call of the thread fails; the read-back is how many
 * were still to come (0: injected). Open it in the thread that uses it.
 */
#define P2P_FAILNTH_PATH	"/proc/thread-self/fail-nth"

int p2p_failnth_parse(const char *s, unsigned int *left);
int p2p_failnth_open(void);
int p2p_failnth_arm(int fd, unsigned int nth);
int p2p_failnth_left(int fd, unsigned int *left);
int p2p_failnth_ioctl(int fnfd, unsigned int nth, int fd, unsigned long req, void *arg,
		      int *result, bool *injected);

/*
 * fault_attr.c: the failslab and fail_page_alloc attributes in debugfs that
 * decide which allocations fail-nth may fail: saved, set for it, restored.
 * Their stacktrace filter's reject range, when the kernel has one
 * (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER), goes with them: apply clears
 * it, p2p_fault_reject() sets it.
 */
#define P2P_FAULT_DEBUGFS	"/sys/kernel/debug"
#define P2P_FAULT_ATTRS_MAX	8
#define P2P_FAULT_REJECT_ATTRS	4

struct p2p_fault_attrs {
	char val[P2P_FAULT_ATTRS_MAX][24];
	char reject[P2P_FAULT_REJECT_ATTRS][24];
	bool has_reject;	/* the kernel has the stacktrace filter */
};

void p2p_fault_attrs_set_root(const char *dir);
int p2p_fault_attrs_save(struct p2p_fault_attrs *saved);
int p2p_fault_attrs_apply(void);
int p2p_fault_attrs_restore(const struct p2p_fault_attrs *saved);
int p2p_fault_reject(uint64_t start, uint64_t end);
#define P2P_KALLSYMS_PATH	"/proc/kallsyms"
int p2p_ksym_range(const char *path, const char *name, uint64_t *start, uint64_t *end);

/* module.c */
int p2p_module_unload(const char *name);
int p2p_module_load(const char *path, const char *params);
bool p2p_module_loaded(const char *name);
int p2p_module_find(const char *dir, const char *name, char *out, size_t len);

/* kmsg.c: kernel log, for diagnostics and splat scans */
int p2p_kmsg_open(void);
void p2p_kmsg_set_reader(ssize_t (*fn)(int fd, void *buf, size_t count));
int p2p_kmsg_next(int fd, char *buf, size_t len);
int p2p_kmsg_wait_for(int fd, const char *const *needles, int timeout_ms,
		      char *hit, size_t hitlen);
bool p2p_kmsg_is_splat(const char *line);
int p2p_kmsg_scan_splats(int fd, char *first, size_t len);
void p2p_kmsg_tally(int fd, char *first, size_t len, int *count);

/* drm.c: a DRM (vgem) importer through PRIME */
int p2p_drm_open(const char *driver);
int p2p_drm_prime_import(int card, int dmabuf_fd, uint32_t *handle);
int p2p_drm_prime_export(int card, uint32_t handle);
int p2p_drm_gem_close(int card, uint32_t handle);

/* prng.c: seeded, reproducible, one independent stream per (seed, stream) */
struct p2p_prng {
	uint64_t s[4];
};

void p2p_prng_seed(struct p2p_prng *p, uint64_t seed, uint64_t stream);
uint64_t p2p_prng_next(struct p2p_prng *p);
uint32_t p2p_prng_below(struct p2p_prng *p, uint32_t n);
int p2p_prng_pick_bit(struct p2p_prng *p, uint32_t mask);

/* stats.c */
void p2p_sort_u64(uint64_t *v, size_t n);
int p2p_percentile_sorted(const uint64_t *v, size_t n, unsigned int pct, uint64_t *out);

/* misc */
uint64_t p2p_page_size(void);
uint64_t p2p_now_ms(void);
uint64_t p2p_now_us(void);
void p2p_sleep_ms(unsigned int ms);
bool p2p_next_line(const char **pos, char *buf, size_t len);

#endif /* DMABUF_P2P_H */
