// SPDX-License-Identifier: GPL-2.0
/* Loading and unloading kernel modules with the raw syscalls (no kmod). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* O_NONBLOCK: fail with EWOULDBLOCK instead of waiting; never O_TRUNC (force). */
int p2p_module_unload(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK) < 0)
		return p2p_seterr(errno, "delete_module(%s)", name);
	return 0;
}

int p2p_module_load(const char *path, const char *params)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p2p_seterr(errno, "open %s", path);
	if (syscall(SYS_finit_module, fd, params ? params : "", 0) < 0)
		ret = p2p_seterr(errno, "finit_module(%s)", path);
	close(fd);
	return ret;
}

bool p2p_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* "@a/@b" into @buf; false if it does not fit. */
static bool join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	return n >= 0 && (size_t)n < len;
}

static int find_in(const char *dir, const char *file, char *out, size_t len, int depth)
{
	struct dirent *de;
	char path[512];
	struct stat st;
	DIR *d;
	int ret = -ENOENT;

	if (join(path, sizeof(path), dir, file) && !stat(path, &st) &&
	    S_ISREG(st.st_mode) && strlen(path) < len) {
		strcpy(out, path);
		return 0;
	}
	if (depth <= 0)
		return -ENOENT;
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while (ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!join(path, sizeof(path), dir, de->d_name) ||
		    stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		ret = find_in(path, file, out, len, depth - 1);
	}
	closedir(d);
	return ret;
}

/* Find @name.ko in @dir or up to three directory levels below it. */
int p2p_module_find(const char *dir, const char *name, char *out, size_t len)
{
	char file[128];

	if (!dir || !*dir)
		return p2p_seterr_msg(ENOENT, "no module directory given");
	snprintf(file, sizeof(file), "%s.ko", name);
	if (find_in(dir, file, out, len, 3))
		return p2p_seterr_msg(ENOENT, "%s not found under %s", file, dir);
	return 0;
}
