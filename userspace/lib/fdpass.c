// SPDX-License-Identifier: GPL-2.0
/* Passing an fd over a unix socket with SCM_RIGHTS. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return p2p_seterr(errno, "sendmsg(SCM_RIGHTS fd %d)", fd);
	return 0;
}

/*
 * The fds the SCM_RIGHTS messages of @msg brought in: how many there are;
 * the first into *@first (if any); all closed if @close_all.
 */
static unsigned int rights(struct msghdr *msg, int *first, bool close_all)
{
	const char *end = (const char *)msg->msg_control + msg->msg_controllen;
	struct cmsghdr *cmsg;
	unsigned int n = 0;
	size_t i, nfd;
	int fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		/* Never past the buffer, whatever cmsg_len says. */
		if (nfd > (size_t)(end - (const char *)CMSG_DATA(cmsg)) / sizeof(int))
			nfd = (size_t)(end - (const char *)CMSG_DATA(cmsg)) / sizeof(int);
		for (i = 0; i < nfd; i++, n++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (!n)
				*first = fd;
			if (close_all)
				close(fd);
		}
	}
	return n;
}

/*
 * Returns the received fd (close-on-exec). A message with more than one fd
 * (or with more than fit here: MSG_CTRUNC) is refused with -EMSGSIZE, and
 * every fd it brought in is closed.
 */
int p2p_recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	unsigned int nfd;
	ssize_t n;
	int fd = -1;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return p2p_seterr(errno, "recvmsg(SCM_RIGHTS)");
	nfd = rights(&msg, &fd, false);
	if (nfd > 1 || (msg.msg_flags & MSG_CTRUNC)) {
		rights(&msg, &fd, true);
		return p2p_seterr_msg(EMSGSIZE, "recvmsg: %u fds%s where one was expected; "
				      "closed them", nfd, msg.msg_flags & MSG_CTRUNC ?
				      " and truncated control data" : "");
	}
	if (nfd == 1)
		return fd;
	if (!n)
		return p2p_seterr_msg(EPIPE, "recvmsg: peer closed before sending an fd");
	return p2p_seterr_msg(EBADMSG, "recvmsg: no SCM_RIGHTS fd in the message");
}
