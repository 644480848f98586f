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

/* Returns the received fd (close-on-exec). */
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
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return p2p_seterr(errno, "recvmsg(SCM_RIGHTS)");
	if (!n)
		return p2p_seterr_msg(EPIPE, "recvmsg: peer closed before sending an fd");
	if (msg.msg_flags & MSG_CTRUNC)
		return p2p_seterr_msg(EMSGSIZE, "recvmsg: control data truncated");
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
			return fd;
		}
	}
	return p2p_seterr_msg(EBADMSG, "recvmsg: no SCM_RIGHTS fd in the message");
}
