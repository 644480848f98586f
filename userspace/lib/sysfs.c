// SPDX-License-Identifier: GPL-2.0
/*
 * Small-file I/O and the PCI device's sysfs directory: BDF names, BAR
 * resources, IOMMU group, bound driver, reset methods, driver binding; the
 * devices a driver has; and the driver of any device by its name.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* Read up to @len - 1 bytes, NUL-terminate, drop one trailing newline. */
int p2p_read_file(const char *path, char *buf, size_t len)
{
	size_t total = 0;
	ssize_t n = 0;
	int fd;

	if (!len)
		return p2p_seterr_msg(EINVAL, "read %s: no buffer", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p2p_seterr(errno, "open %s", path);
	while (total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	if (n < 0) {
		int err = errno;

		close(fd);
		return p2p_seterr(err, "read %s", path);
	}
	close(fd);
	buf[total] = '\0';
	if (total && buf[total - 1] == '\n')
		buf[--total] = '\0';
	return total;
}

/* Read a whole file of unknown size (debugfs, seq_file) into malloc()ed memory. */
int p2p_read_file_alloc(const char *path, char **out, size_t *len)
{
	size_t cap = 4096, total = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p2p_seterr(errno, "open %s", path);
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return p2p_seterr(ENOMEM, "read %s", path);
	}
	for (;;) {
		if (total + 1 >= cap) {
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				free(buf);
				close(fd);
				return p2p_seterr(ENOMEM, "read %s", path);
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + total, cap - 1 - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			return p2p_seterr(err, "read %s", path);
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	*out = buf;
	if (len)
		*len = total;
	return 0;
}

/* One write(2) of the whole string: sysfs/debugfs report errors there. */
int p2p_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return p2p_seterr(errno, "open %s", path);
	n = write(fd, s, len);
	if (n < 0) {
		int err = errno;

		close(fd);
		return p2p_seterr(err, "write '%s' to %s", s, path);
	}
	if (close(fd) < 0)
		return p2p_seterr(errno, "close %s", path);
	if ((size_t)n != len)
		return p2p_seterr_msg(EIO, "short write to %s", path);
	return 0;
}

/* Up to @max hex digits, at least one; advances *@p. */
static bool hex_field(const char **p, unsigned int max, unsigned int *val)
{
	unsigned int n = 0, v = 0;
	const char *s = *p;

	while (isxdigit((unsigned char)*s) && n < max) {
		v = v * 16 + (isdigit((unsigned char)*s) ? *s - '0' :
			      tolower((unsigned char)*s) - 'a' + 10);
		s++;
		n++;
	}
	if (!n || isxdigit((unsigned char)*s))
		return false;
	*p = s;
	*val = v;
	return true;
}

/*
 * "DDDD:BB:DD.F" or "BB:DD.F", hex, into the kernel's "%04x:%02x:%02x.%d".
 * The domain has up to 8 digits: VMD puts its buses in domains 0x10000 and
 * up, which the kernel names "10000:00:00.0".
 */
int p2p_bdf_normalize(const char *in, char out[P2P_BDF_LEN])
{
	unsigned int dom = 0, bus, dev, fn;
	const char *p = in;

	if (!in || !*in)
		return p2p_seterr_msg(EINVAL, "empty PCI address");
	if (strchr(in, ':') != strrchr(in, ':')) {
		if (!hex_field(&p, 8, &dom) || *p++ != ':')
			goto bad;
	}
	if (!hex_field(&p, 2, &bus) || *p++ != ':' ||
	    !hex_field(&p, 2, &dev) || *p++ != '.' ||
	    !hex_field(&p, 1, &fn) || *p)
		goto bad;
	if (dev > 0x1f || fn > 7)
		goto bad;
	snprintf(out, P2P_BDF_LEN, "%04x:%02x:%02x.%u", dom, bus, dev, fn);
	return 0;
bad:
	return p2p_seterr_msg(EINVAL, "bad PCI address '%s' (want DDDD:BB:DD.F)", in);
}

bool p2p_pci_exists(const char *bdf)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s", bdf);
	return !stat(path, &st);
}

/* One line of /sys/bus/pci/devices/X/resource: "0x<start> 0x<end> 0x<flags>". */
int p2p_parse_resource_line(const char *line, struct p2p_pci_res *res)
{
	unsigned long long s, e, f;
	char tail;

	if (sscanf(line, "%llx %llx %llx %c", &s, &e, &f, &tail) != 3)
		return p2p_seterr_msg(EINVAL, "bad resource line '%s'", line);
	res->start = s;
	res->end = e;
	res->flags = f;
	return 0;
}

int p2p_pci_resource(const char *bdf, unsigned int bar, struct p2p_pci_res *res)
{
	char path[128], *buf, *line, *save = NULL;
	unsigned int i = 0;
	int ret;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/resource", bdf);
	ret = p2p_read_file_alloc(path, &buf, NULL);
	if (ret)
		return ret;
	ret = p2p_seterr_msg(ENOENT, "%s: no resource line %u", path, bar);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		if (i == bar) {
			ret = p2p_parse_resource_line(line, res);
			break;
		}
	}
	free(buf);
	return ret;
}

static int link_basename(const char *path, char *buf, size_t len)
{
	char target[512];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return p2p_seterr(errno, "readlink %s", path);
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return p2p_seterr_msg(ENAMETOOLONG, "%s: link name too long", path);
	strcpy(buf, base);
	return 0;
}

int p2p_pci_iommu_group(const char *bdf)
{
	char path[128], name[64];
	uint64_t v = 0;
	int ret;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/iommu_group", bdf);
	ret = link_basename(path, name, sizeof(name));
	if (ret)
		return p2p_seterr(-ret, "%s has no IOMMU group (not bound to a vfio driver, "
				  "or no IOMMU and noiommu mode off)", bdf);
	if (p2p_parse_u64(name, &v) || v > INT32_MAX)
		return p2p_seterr_msg(EINVAL, "%s: odd IOMMU group '%s'", bdf, name);
	return (int)v;
}

/* Name of the bound driver; -ENOENT when unbound. */
int p2p_pci_driver(const char *bdf, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver", bdf);
	return link_basename(path, buf, len);
}

/* Bound to upstream's vfio-pci itself, not to a variant driver like ours. */
bool p2p_dev_is_upstream_vfio(const char *bdf)
{
	char drv[64];

	return !p2p_pci_driver(bdf, drv, sizeof(drv)) && !strcmp(drv, "vfio-pci");
}

int p2p_pci_ids(const char *bdf, unsigned int *vendor, unsigned int *device)
{
	char path[128], buf[32];
	uint64_t v = 0;
	int ret;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/vendor", bdf);
	ret = p2p_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (p2p_parse_u64(buf, &v))
		return p2p_seterr_msg(EINVAL, "%s: bad vendor '%s'", bdf, buf);
	*vendor = v;
	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/device", bdf);
	ret = p2p_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (p2p_parse_u64(buf, &v))
		return p2p_seterr_msg(EINVAL, "%s: bad device '%s'", bdf, buf);
	*device = v;
	return 0;
}

/* The kernel's reset_method attribute: e.g. "flr bus"; "" if none. */
int p2p_pci_reset_methods(const char *bdf, char *buf, size_t len)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/reset_method", bdf);
	ret = p2p_read_file(path, buf, len);
	if (ret == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return ret < 0 ? ret : 0;
}

/*
 * Bind @bdf to @driver the way an admin does: driver_override, unbind from
 * whatever has it, drivers_probe; then check that it stuck.
 */
int p2p_pci_bind(const char *bdf, const char *driver)
{
	char path[160], cur[64];
	int ret;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver_override", bdf);
	ret = p2p_write_file(path, driver);
	if (ret)
		return ret;
	ret = p2p_pci_driver(bdf, cur, sizeof(cur));
	if (!ret && !strcmp(cur, driver))
		return 0;
	if (!ret) {
		snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver/unbind", bdf);
		ret = p2p_write_file(path, bdf);
		if (ret)
			return ret;
	}
	ret = p2p_write_file("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	ret = p2p_pci_driver(bdf, cur, sizeof(cur));
	if (ret)
		return p2p_seterr_msg(ENODEV, "%s: no driver bound after drivers_probe "
				      "(is %s loaded?)", bdf, driver);
	if (strcmp(cur, driver))
		return p2p_seterr_msg(EBUSY, "%s: bound to %s, not %s", bdf, cur, driver);
	return 0;
}

static int bdf_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The addresses of the devices bound to @driver, sorted: up to @max of them
 * into @bdfs; their number, or -errno (-ENOENT: no such driver).
 */
int p2p_pci_driver_devices(const char *driver, char (*bdfs)[P2P_BDF_LEN], int max)
{
	char path[160], bdf[P2P_BDF_LEN];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI_DRIVERS "/%s", driver);
	d = opendir(path);
	if (!d)
		return p2p_seterr(errno, "%s (driver not registered?)", path);
	while (n < max && (de = readdir(d))) {
		/* Its devices are the links named by address; skip bind, module... */
		if (p2p_bdf_normalize(de->d_name, bdf) || strcmp(bdf, de->d_name))
			continue;
		memcpy(bdfs[n++], bdf, P2P_BDF_LEN);
	}
	closedir(d);
	qsort(bdfs, n, P2P_BDF_LEN, bdf_cmp);
	return n;
}

/* Config space as sysfs shows it (all of it for root); returns bytes read. */
int p2p_pci_config_sysfs(const char *bdf, uint8_t *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p2p_seterr(errno, "open %s", path);
	n = pread(fd, buf, len, 0);
	if (n < 0) {
		int err = errno;

		close(fd);
		return p2p_seterr(err, "read %s", path);
	}
	close(fd);
	return (int)n;
}

/*
 * What the kernel's dev_driver_string() gives for the device dev_name()
 * calls @name: its driver's name if one is bound, else its bus's, else its
 * class's. The device is looked for on every bus, then in every class;
 * -ENOENT if none has it.
 */
int p2p_dev_driver_string(const char *name, char *buf, size_t len)
{
	static const char *const roots[] = { "/sys/bus", "/sys/class" };
	char path[512];
	struct dirent *de;
	unsigned int i;
	DIR *d;

	if (!*name || strchr(name, '/'))
		return p2p_seterr_msg(EINVAL, "'%s' is not a device name", name);
	for (i = 0; i < 2; i++) {
		d = opendir(roots[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			/* Buses list their devices in devices/, classes directly. */
			snprintf(path, sizeof(path), "%s/%s/%s%s", roots[i], de->d_name,
				 i ? "" : "devices/", name);
			if (access(path, F_OK))
				continue;
			strncat(path, "/driver", sizeof(path) - strlen(path) - 1);
			if (!i && !link_basename(path, buf, len)) {
				closedir(d);
				return 0;
			}
			if (strlen(de->d_name) >= len) {
				closedir(d);
				return p2p_seterr_msg(ENAMETOOLONG, "%s: bus name too long", name);
			}
			strcpy(buf, de->d_name);
			closedir(d);
			return 0;
		}
		closedir(d);
	}
	return p2p_seterr_msg(ENOENT, "no device named %s on any bus or class", name);
}
