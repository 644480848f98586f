// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's per-task fail-nth (CONFIG_FAULT_INJECTION): writing N to
 * /proc/thread-self/fail-nth makes the Nth fault-injectable call of this
 * thread fail (a slab or page allocation, as far as the attributes in
 * fault_attr.c let them through); reading it back says how many such calls
 * were still to come, 0 once the fault was injected. The kernel counts
 * every such call the thread makes, its syscall entry and exit included,
 * and none that a kthread makes on its behalf. The file reads like a
 * one-shot: reads go by offset, so pread() at 0.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* What the file reads: decimal digits, then at most one newline. */
int p2p_failnth_parse(const char *s, unsigned int *left)
{
	unsigned long long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return p2p_seterr_msg(EINVAL, "fail-nth: not a number '%s'", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > UINT_MAX)
			return p2p_seterr_msg(ERANGE, "fail-nth: '%s' out of range", s);
	}
	if (*p == '\n')
		p++;
	if (*p)
		return p2p_seterr_msg(EINVAL, "fail-nth: not a number '%s'", s);
	*left = (unsigned int)v;
	return 0;
}

/* The calling thread's knob: an fd for the other calls, or -errno. */
int p2p_failnth_open(void)
{
	int fd = open(P2P_FAILNTH_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return p2p_seterr(errno, "open " P2P_FAILNTH_PATH
				  " (kernel without CONFIG_FAULT_INJECTION?)");
	return fd;
}

/* The @nth injectable call from now fails; 0 disarms. */
int p2p_failnth_arm(int fd, unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);
	ssize_t n = pwrite(fd, buf, len, 0);

	if (n < 0)
		return p2p_seterr(errno, "fail-nth: write %u", nth);
	if (n != len)
		return p2p_seterr_msg(EIO, "fail-nth: short write of %u", nth);
	return 0;
}

/* How many injectable calls were still to come: 0 once one failed. */
int p2p_failnth_left(int fd, unsigned int *left)
{
	char buf[16];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return p2p_seterr(errno, "fail-nth: read");
	buf[n] = '\0';
	return p2p_failnth_parse(buf, left);
}

/*
 * ioctl(@fd, @req, @arg) with its @nth injectable call failed: armed right
 * before, read back and disarmed right after, so that nothing of ours runs
 * armed but the ioctl and the read-back (which allocates nothing). The
 * ioctl's return, or -errno, goes to *@result, and whether the fault was
 * injected to *@injected (when not, the ioctl made fewer than @nth calls).
 * Returns 0, or -errno when fail-nth itself failed.
 *
 * Whatever the ioctl reads or writes in user memory must be touched
 * before: a first-touch fault inside the kernel's user copy allocates too,
 * and its failure would come back as EFAULT.
 */
int p2p_failnth_ioctl(int fnfd, unsigned int nth, int fd, unsigned long req, void *arg,
		      int *result, bool *injected)
{
	int ret, err, read_err;
	unsigned int left;
	char back[16];
	ssize_t n;

	if (!nth)
		return p2p_seterr_msg(EINVAL, "fail-nth: N starts at 1");
	/* Touched now: the read-back's copy_to_user must not fault. */
	memset(back, 0, sizeof(back));
	ret = p2p_failnth_arm(fnfd, nth);
	if (ret)
		return ret;
	ret = ioctl(fd, req, arg);
	err = errno;
	n = pread(fnfd, back, sizeof(back) - 1, 0);
	read_err = errno;
	*result = ret < 0 ? -err : ret;
	/* Always: an unused count must not carry over to our own calls. */
	ret = p2p_failnth_arm(fnfd, 0);
	if (ret)
		return ret;
	if (n < 0)
		return p2p_seterr(read_err, "fail-nth: read back");
	back[n] = '\0';
	ret = p2p_failnth_parse(back, &left);
	if (ret)
		return ret;
	*injected = !left;
	return 0;
}
