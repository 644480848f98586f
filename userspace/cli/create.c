// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p create: make a buffer, say what it is, optionally map it.
 * With --json (@j set) the same facts are members of one JSON object.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

static void print_mr(struct cli_json *j, uint32_t handle, const struct p2p_query_mr *q,
		     const struct p2p_dma_seg *segs, uint32_t n)
{
	uint32_t i;

	if (!j) {
		printf("mr: handle=%u state=%s nents=%u mapped_length=%llu\n", handle,
		       p2p_mr_state_name(q->state), q->nents,
		       (unsigned long long)q->mapped_length);
		for (i = 0; i < n; i++)
			printf("  seg %u: dma_addr=0x%llx length=0x%llx\n", i,
			       (unsigned long long)segs[i].dma_addr,
			       (unsigned long long)segs[i].length);
		return;
	}
	cli_json_obj(j, "mr");
	cli_json_u(j, "handle", handle);
	cli_json_s(j, "state", p2p_mr_state_name(q->state));
	cli_json_u(j, "nents", q->nents);
	cli_json_u(j, "mapped_length", q->mapped_length);
	cli_json_arr(j, "segs");
	for (i = 0; i < n; i++) {
		cli_json_obj(j, NULL);
		cli_json_sf(j, "dma_addr", "0x%llx", (unsigned long long)segs[i].dma_addr);
		cli_json_u(j, "length", segs[i].length);
		cli_json_end(j);
	}
	cli_json_end(j);
	cli_json_end(j);
}

/* Register an MR on @fd and show its DMA segments; the importer fd or -errno. */
static int show_mr(struct cli_json *j, int fd, uint64_t size)
{
	struct p2p_dma_seg *segs = NULL;
	struct p2p_query_mr q;
	uint32_t handle, n;
	int imp, ret;

	imp = p2p_imp_open();
	if (imp < 0) {
		cli_err("%s", p2p_last_error());
		return imp;
	}
	ret = p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &handle);
	if (!ret)
		ret = p2p_imp_check_alloc(imp, handle, 0, size, &segs, &n);
	if (!ret)
		ret = p2p_imp_query(imp, handle, &q);
	if (ret) {
		cli_err("%s", p2p_last_error());
		free(segs);
		close(imp);
		return ret;
	}
	print_mr(j, handle, &q, segs, n);
	free(segs);
	/* Closing the importer deregisters the MR. */
	return imp;
}

/*
 * What the dma-buf @fd says about itself: inode number, size and (if fdinfo
 * has it) exporter name. 0, or -errno after saying why on stderr.
 */
int cli_dmabuf_facts(int fd, uint64_t *ino, uint64_t *size, char *exp_name, size_t len)
{
	int ret;

	ret = p2p_dmabuf_ino(fd, ino);
	if (!ret)
		ret = p2p_dmabuf_size(fd, size);
	if (ret) {
		cli_err("%s", p2p_last_error());
		return ret;
	}
	p2p_fdinfo_field(fd, "exp_name", exp_name, len);	/* optional: kept as is */
	return 0;
}

static void print_buffer(struct cli_json *j, int fd, uint64_t ino, uint64_t size,
			 unsigned int bar, const struct p2p_range *r, unsigned int nr,
			 const char *exp_name)
{
	unsigned int i;

	if (!j) {
		printf("buffer: fd=%d ino=%llu size=%llu region=%u ranges=%u exp_name=%s\n", fd,
		       (unsigned long long)ino, (unsigned long long)size, bar, nr, exp_name);
		return;
	}
	cli_json_obj(j, "buffer");
	cli_json_i(j, "fd", fd);
	cli_json_u(j, "ino", ino);
	cli_json_u(j, "size", size);
	cli_json_u(j, "region", bar);
	cli_json_s(j, "exp_name", exp_name);
	cli_json_arr(j, "ranges");
	for (i = 0; i < nr; i++) {
		cli_json_obj(j, NULL);
		cli_json_u(j, "offset", r[i].offset);
		cli_json_u(j, "length", r[i].length);
		cli_json_end(j);
	}
	cli_json_end(j);
	cli_json_end(j);
}

static void print_released(struct cli_json *j, const struct p2p_rel_rec *rec)
{
	if (!j) {
		printf("released: path=%s attaches=%u maps=%u revokes=%u unrevokes=%u\n",
		       rec->path, rec->attaches, rec->maps, rec->revokes, rec->unrevokes);
		return;
	}
	cli_json_obj(j, "released");
	cli_json_s(j, "path", rec->path);
	cli_json_u(j, "attaches", rec->attaches);
	cli_json_u(j, "maps", rec->maps);
	cli_json_u(j, "revokes", rec->revokes);
	cli_json_u(j, "unrevokes", rec->unrevokes);
	cli_json_end(j);
}

int cmd_create(const struct cli_opts *o, const char *bdf)
{
	struct cli_json js, *j = o->json ? &js : NULL;
	struct p2p_range whole;
	const struct p2p_range *r = o->ranges;
	unsigned int bar, nr = o->nr_ranges;
	struct p2p_buf_stat st;
	struct p2p_rel_rec rec;
	uint64_t bar_size, ino, size;
	char exp_name[64] = "?";
	struct p2p_dev dev;
	int fd, imp = -1, ret = CLI_FAIL;

	if (j) {
		cli_json_begin(j, stdout, "create");
		cli_json_s(j, "device", bdf);
	}
	if (cli_open(bdf, &dev))
		goto done;
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
	if (cli_dmabuf_facts(fd, &ino, &size, exp_name, sizeof(exp_name))) {
		close(fd);
		goto out;
	}
	print_buffer(j, fd, ino, size, bar, r, nr, exp_name);
	p2p_debugfs_ensure();
	if (!p2p_buffer_stat(bdf, ino, &st)) {
		if (j)
			cli_json_stat(j, "debugfs", &st);
		else
			cli_print_stat(stdout, "debugfs: ", &st);
	} else if (j) {
		cli_json_null(j, "debugfs");
	}
	if (o->mr) {
		imp = show_mr(j, fd, size);
		if (imp < 0) {
			close(fd);
			goto out;
		}
	}
	if (o->hold_s) {
		fprintf(j ? stderr : stdout, "holding for %u s\n", o->hold_s);
		if (j)
			cli_json_u(j, "held_s", o->hold_s);
		sleep(o->hold_s);
	}
	if (imp >= 0)
		close(imp);
	close(fd);
	if (!p2p_release_find(ino, &rec))
		print_released(j, &rec);
	else if (j)
		cli_json_null(j, "released");
	ret = CLI_PASS;
out:
	p2p_dev_close(&dev);
done:
	if (j) {
		cli_json_result(j, ret);
		cli_json_end(j);
	}
	return ret;
}
