// SPDX-License-Identifier: GPL-2.0
/* dmabuf-p2p create: make a buffer, say what it is, optionally map it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

#define MAX_SEGS 64

static int show_mr(int fd, uint64_t size)
{
	struct p2p_dma_seg segs[MAX_SEGS];
	struct p2p_query_mr q;
	uint32_t handle, n, i;
	int imp, ret;

	imp = p2p_imp_open();
	if (imp < 0) {
		cli_err("%s", p2p_last_error());
		return imp;
	}
	ret = p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &handle);
	if (!ret)
		ret = p2p_imp_check(imp, handle, 0, size, segs, MAX_SEGS, &n);
	if (!ret)
		ret = p2p_imp_query(imp, handle, &q);
	if (ret) {
		cli_err("%s", p2p_last_error());
		close(imp);
		return ret;
	}
	printf("mr: handle=%u state=%s nents=%u mapped_length=%llu\n", handle,
	       p2p_mr_state_name(q.state), q.nents, (unsigned long long)q.mapped_length);
	for (i = 0; i < n && i < MAX_SEGS; i++)
		printf("  seg %u: dma_addr=0x%llx length=0x%llx\n", i,
		       (unsigned long long)segs[i].dma_addr,
		       (unsigned long long)segs[i].length);
	/* Closing the importer deregisters the MR. */
	return imp;
}

int cmd_create(const struct cli_opts *o, const char *bdf)
{
	struct p2p_range whole;
	const struct p2p_range *r = o->ranges;
	unsigned int bar, nr = o->nr_ranges;
	struct p2p_buf_stat st;
	struct p2p_rel_rec rec;
	uint64_t bar_size, ino, size;
	char exp_name[64] = "?";
	struct p2p_dev dev;
	int fd, imp = -1, ret = CLI_FAIL;

	if (cli_open(bdf, &dev))
		return CLI_FAIL;
	if (cli_pick_bar(&dev, o, &bar, &bar_size))
		goto out;
	if (!nr) {
		whole.offset = 0;
		whole.length = bar_size;
		r = &whole;
		nr = 1;
	}
	fd = p2p_dmabuf_create(&dev, bar, r, nr, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		cli_err("%s", p2p_last_error());
		goto out;
	}
	p2p_dmabuf_ino(fd, &ino);
	p2p_dmabuf_size(fd, &size);
	p2p_fdinfo_field(fd, "exp_name", exp_name, sizeof(exp_name));
	printf("buffer: fd=%d ino=%llu size=%llu region=%u ranges=%u exp_name=%s\n", fd,
	       (unsigned long long)ino, (unsigned long long)size, bar, nr, exp_name);
	p2p_debugfs_ensure();
	if (!p2p_buffer_stat(bdf, ino, &st))
		cli_print_stat("debugfs: ", &st);
	if (o->mr) {
		imp = show_mr(fd, size);
		if (imp < 0) {
			close(fd);
			goto out;
		}
	}
	if (o->hold_s) {
		printf("holding for %u s\n", o->hold_s);
		sleep(o->hold_s);
	}
	if (imp >= 0)
		close(imp);
	close(fd);
	if (!p2p_release_find(ino, &rec))
		printf("released: path=%s attaches=%u maps=%u revokes=%u unrevokes=%u\n",
		       rec.path, rec.attaches, rec.maps, rec.revokes, rec.unrevokes);
	ret = CLI_PASS;
out:
	p2p_dev_close(&dev);
	return ret;
}
