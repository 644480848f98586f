// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p create: make a buffer, optionally map it, close it, then say
 * what it was (struct create_result), once, as text or as one JSON object.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

struct create_result {
	int ret;
	bool made;			/* the buffer facts and "debugfs" are set */
	int fd;
	uint64_t ino, size;
	unsigned int bar, nr;
	const struct p2p_range *ranges;
	struct p2p_range whole;
	char exp_name[64];
	bool have_stat;
	struct p2p_buf_stat st;
	bool mr;			/* an MR was registered: handle, q, segs */
	uint32_t handle, nsegs;
	struct p2p_query_mr q;
	struct p2p_dma_seg *segs;
	unsigned int held_s;
	bool have_rel;
	struct p2p_rel_rec rel;
};

/* Register an MR on the buffer and read its DMA segments; the importer fd or -errno. */
static int make_mr(struct create_result *r)
{
	int imp, ret;

	imp = p2p_imp_open();
	if (imp < 0) {
		cli_err("%s", p2p_last_error());
		return imp;
	}
	ret = p2p_imp_reg(imp, r->fd, 0, r->size, 0, P2P_MR_ACCESS_ALL, &r->handle);
	if (!ret)
		ret = p2p_imp_check_alloc(imp, r->handle, 0, r->size, &r->segs, &r->nsegs);
	if (!ret)
		ret = p2p_imp_query(imp, r->handle, &r->q);
	if (ret) {
		cli_err("%s", p2p_last_error());
		close(imp);
		return ret;
	}
	r->mr = true;
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

static int create_run(const struct cli_opts *o, const char *bdf, struct create_result *r)
{
	struct p2p_dev dev;
	uint64_t bar_size;
	int imp = -1;

	r->ret = CLI_FAIL;
	if (cli_open(bdf, &dev))
		return r->ret;
	if (cli_pick_bar(&dev, o, &r->bar, &bar_size))
		goto out;
	r->ranges = o->ranges;
	r->nr = o->nr_ranges;
	if (!r->nr) {
		r->whole = (struct p2p_range){ .offset = 0, .length = bar_size };
		r->ranges = &r->whole;
		r->nr = 1;
	}
	r->fd = p2p_dmabuf_create(&dev, r->bar, r->ranges, r->nr, O_RDWR | O_CLOEXEC);
	if (r->fd < 0) {
		cli_err("%s", p2p_last_error());
		goto out;
	}
	snprintf(r->exp_name, sizeof(r->exp_name), "?");
	if (cli_dmabuf_facts(r->fd, &r->ino, &r->size, r->exp_name, sizeof(r->exp_name))) {
		close(r->fd);
		goto out;
	}
	r->made = true;
	p2p_debugfs_ensure();
	r->have_stat = !p2p_buffer_stat(bdf, r->ino, &r->st);
	if (o->mr) {
		imp = make_mr(r);
		if (imp < 0) {
			close(r->fd);
			goto out;
		}
	}
	if (o->hold_s) {
		fprintf(o->json ? stderr : stdout, "holding buffer ino=%llu (fd %d) for %u s\n",
			(unsigned long long)r->ino, r->fd, o->hold_s);
		r->held_s = o->hold_s;
		sleep(o->hold_s);
	}
	if (imp >= 0)
		close(imp);
	close(r->fd);
	r->have_rel = !p2p_release_find(r->ino, &r->rel);
	r->ret = CLI_PASS;
out:
	p2p_dev_close(&dev);
	return r->ret;
}

static void create_text(const struct create_result *r)
{
	uint32_t i;

	if (!r->made)
		return;
	printf("buffer: fd=%d ino=%llu size=%llu region=%u ranges=%u exp_name=%s\n", r->fd,
	       (unsigned long long)r->ino, (unsigned long long)r->size, r->bar, r->nr,
	       r->exp_name);
	if (r->have_stat)
		cli_print_stat(stdout, "debugfs: ", &r->st);
	if (r->mr) {
		printf("mr: handle=%u state=%s nents=%u mapped_length=%llu\n", r->handle,
		       p2p_mr_state_name(r->q.state), r->q.nents,
		       (unsigned long long)r->q.mapped_length);
		for (i = 0; i < r->nsegs; i++)
			printf("  seg %u: dma_addr=0x%llx length=0x%llx\n", i,
			       (unsigned long long)r->segs[i].dma_addr,
			       (unsigned long long)r->segs[i].length);
	}
	if (r->have_rel)
		printf("released: path=%s attaches=%u maps=%u revokes=%u unrevokes=%u\n",
		       r->rel.path, r->rel.attaches, r->rel.maps, r->rel.revokes,
		       r->rel.unrevokes);
}

static void create_json(const char *bdf, const struct create_result *r)
{
	struct json_object *j = cli_json_new("create"), *x, *arr;
	unsigned int i;

	cli_json_s(j, "device", bdf);
	if (r->made) {
		x = cli_json_obj(j, "buffer");
		cli_json_i(x, "fd", r->fd);
		cli_json_u(x, "ino", r->ino);
		cli_json_u(x, "size", r->size);
		cli_json_u(x, "region", r->bar);
		cli_json_s(x, "exp_name", r->exp_name);
		arr = cli_json_arr(x, "ranges");
		for (i = 0; i < r->nr; i++) {
			x = cli_json_obj(arr, NULL);
			cli_json_u(x, "offset", r->ranges[i].offset);
			cli_json_u(x, "length", r->ranges[i].length);
		}
		if (r->have_stat)
			cli_json_stat(j, "debugfs", &r->st);
		else
			cli_json_null(j, "debugfs");
	}
	if (r->mr) {
		x = cli_json_obj(j, "mr");
		cli_json_u(x, "handle", r->handle);
		cli_json_s(x, "state", p2p_mr_state_name(r->q.state));
		cli_json_u(x, "nents", r->q.nents);
		cli_json_u(x, "mapped_length", r->q.mapped_length);
		arr = cli_json_arr(x, "segs");
		for (i = 0; i < r->nsegs; i++) {
			x = cli_json_obj(arr, NULL);
			cli_json_sf(x, "dma_addr", "0x%llx", (unsigned long long)r->segs[i].dma_addr);
			cli_json_u(x, "length", r->segs[i].length);
		}
	}
	if (r->held_s)
		cli_json_u(j, "held_s", r->held_s);
	if (r->have_rel)
		cli_json_released(j, "released", &r->rel);
	else if (r->ret == CLI_PASS)
		cli_json_null(j, "released");
	cli_json_result(j, r->ret);
	cli_json_print(stdout, j);
}

int cmd_create(const struct cli_opts *o, const char *bdf)
{
	struct create_result r = { .fd = -1 };

	create_run(o, bdf, &r);
	if (o->json)
		create_json(bdf, &r);
	else
		create_text(&r);
	free(r.segs);
	return r.ret;
}
