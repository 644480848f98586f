// SPDX-License-Identifier: GPL-2.0
/*
 * Which path released a dma-buf, seen from outside the exporter: the kernel
 * function tracer records a call stack at every release, and the stack is
 * classified the way exporter/release_path.c does it in-kernel. This is for
 * exporters with no debugfs of ours (upstream vfio-pci). The parser is pure
 * and unit-tested; the rest drives tracefs and takes over its function
 * tracer for the whole system, so one user at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* Traced in this order of preference: the first one the kernel has. */
static const char *const rel_funcs[] = {
	"vfio_pci_dma_buf_release",	/* upstream vfio-pci's buffers only */
	"dma_buf_release",		/* every dma-buf of the system */
};

/*
 * release_path.c's rules as ranks, the highest frame seen wins: an exiting
 * task closes its files through task_work too, so exit outranks it; a
 * kthread's fput() always goes through delayed_fput, and its comm is all a
 * trace shows of PF_KTHREAD.
 */
enum { RANK_OTHER, RANK_TASK_WORK, RANK_DELAYED, RANK_CLOSE, RANK_EXIT };

static const char *const rank_path[] = {
	P2P_REL_OTHER, P2P_REL_TASK_WORK, P2P_REL_DELAYED, P2P_REL_CLOSE, P2P_REL_EXIT,
};

/* Length of a symbol name without ".isra.0", "+0x1/0x2", " [mod]", "(args)". */
static size_t sym_len(const char *s)
{
	return strcspn(s, ".+ \t(");
}

static bool sym_is(const char *s, size_t len, const char *name)
{
	return len == strlen(name) && !strncmp(s, name, len);
}

static int frame_rank(const char *s)
{
	size_t len = sym_len(s);

	if (sym_is(s, len, "do_exit") || sym_is(s, len, "do_group_exit"))
		return RANK_EXIT;
	/* __fput_sync() tail-jumps to __fput(): the syscall frame may be all. */
	if (sym_is(s, len, "__fput_sync") ||
	    (len >= 9 && !strncmp(s + len - 9, "sys_close", 9)))
		return RANK_CLOSE;
	if (sym_is(s, len, "delayed_fput"))
		return RANK_DELAYED;
	return sym_is(s, len, "task_work_run") ? RANK_TASK_WORK : RANK_OTHER;
}

static const char *classify(int rank, const char *comm)
{
	if (rank < RANK_DELAYED && !strncmp(comm, "kworker/", 8))
		rank = RANK_DELAYED;
	return rank_path[rank];
}

/*
 * Recent function events, to pair a "<stack trace>" event with its
 * function event: the same cpu and pid, newest first. The trace merges the
 * cpus by time, so another cpu's release may come in between the two.
 */
#define PEND_MAX 32

struct pend {
	int cpu, pid;
	int idx;	/* into the releases; -1: not a release */
	bool stacked;
};

int p2p_parse_release_trace(const char *text, struct p2p_trace_rel *arr, int max)
{
	struct pend pend[PEND_MAX];
	int n = 0, blk = -1, rank = RANK_OTHER, cpu;
	unsigned int np = 0, i;
	const char *line;
	struct p2p_trace_rel ev;
	char buf[512], *t;

	line = text;
	while (p2p_next_line(&line, buf, sizeof(buf))) {
		if (!strncmp(buf, " => ", 4)) {
			if (frame_rank(buf + 4) > rank)
				rank = frame_rank(buf + 4);
			continue;
		}
		/* Any other line ends the stack block before it. */
		if (blk >= 0 && blk < max)
			strcpy(arr[blk].path, classify(rank, arr[blk].comm));
		blk = -1;
		rank = RANK_OTHER;
		if (buf[0] == '#' ||
		    !p2p_trace_line(buf, ev.comm, sizeof(ev.comm), &ev.pid, &cpu, &t))
			continue;
		if (!strncmp(t, "<stack trace>", 13)) {
			for (i = np; i-- > 0;) {
				if (pend[i].cpu == cpu && pend[i].pid == ev.pid &&
				    !pend[i].stacked) {
					pend[i].stacked = true;
					blk = pend[i].idx;
					break;
				}
			}
			continue;
		}
		if (np == PEND_MAX)
			memmove(pend, pend + 1, --np * sizeof(*pend));
		pend[np++] = (struct pend){ .cpu = cpu, .pid = ev.pid, .idx = -1 };
		snprintf(ev.func, sizeof(ev.func), "%.*s", (int)sym_len(t), t);
		for (i = 0; i < ARRAY_SIZE(rel_funcs); i++)
			if (!strcmp(ev.func, rel_funcs[i]))
				break;
		if (i == ARRAY_SIZE(rel_funcs))
			continue;
		/* Without its stack (func_stack_trace off) only the comm tells. */
		strcpy(ev.path, classify(RANK_OTHER, ev.comm));
		pend[np - 1].idx = n;
		if (n < max)
			arr[n] = ev;
		n++;
	}
	if (blk >= 0 && blk < max)
		strcpy(arr[blk].path, classify(rank, arr[blk].comm));
	return n;
}

/* The tracer off first, then its settings; best effort. */
static void tr_teardown(void)
{
	p2p_tracefs_write("current_tracer", "nop");
	p2p_tracefs_write("options/func_stack_trace", "0");
	p2p_tracefs_write("set_ftrace_filter", "");
	p2p_tracefs_write("options/pause-on-trace", "1");
}

/* The first of rel_funcs the kernel can trace, as it names it. */
static int pick_func(char *out, size_t len)
{
	char path[128], *text, *line, *save = NULL;
	int best = ARRAY_SIZE(rel_funcs), i, ret;

	snprintf(path, sizeof(path), "%s/available_filter_functions", p2p_tracefs_root());
	ret = p2p_read_file_alloc(path, &text, NULL);
	if (ret == -ENOENT)
		return p2p_seterr_msg(ENOENT, "kernel has no function tracer (%s)",
				      "CONFIG_FUNCTION_TRACER, CONFIG_DYNAMIC_FTRACE");
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < best; i++) {
			if (sym_is(line, sym_len(line), rel_funcs[i])) {
				best = i;
				snprintf(out, len, "%.*s", (int)strcspn(line, " \t"), line);
			}
		}
	}
	free(text);
	if (best == ARRAY_SIZE(rel_funcs))
		return p2p_seterr_msg(ENOENT, "kernel cannot trace %s nor %s",
				      rel_funcs[0], rel_funcs[1]);
	return 0;
}

int p2p_release_trace_start(void)
{
	/* The filter goes first: a stack trace of every function kills the box. */
	static const char *const setup[][2] = {
		{ "current_tracer", "nop" },
		{ "set_ftrace_filter", NULL },	/* the function picked */
		{ "current_tracer", "function" },
		{ "options/func_stack_trace", "1" },
		/*
		 * Else opening "trace" stops recording until it is closed and
		 * a release meanwhile goes unseen; before 5.10 it always does.
		 */
		{ "options/pause-on-trace", "0" },
		{ "trace", "" },
		{ "tracing_on", "1" },
	};
	const char *val;
	char func[128];
	unsigned int i;
	int ret;

	if (!p2p_tracefs_find(true))
		return p2p_seterr_msg(ENOENT, "no tracefs (kernel without CONFIG_FTRACE?)");
	ret = pick_func(func, sizeof(func));
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(setup); i++) {
		val = setup[i][1] ? setup[i][1] : func;
		ret = p2p_tracefs_write(setup[i][0], val);
		if (ret == -ENOENT && strstr(setup[i][0], "pause-on-trace"))
			continue;
		if (ret) {
			tr_teardown();
			return p2p_seterr(-ret, "write '%s' to %s/%s", val,
					  p2p_tracefs_root(), setup[i][0]);
		}
	}
	return 0;
}

int p2p_release_trace_read(struct p2p_trace_rel *arr, int max)
{
	char *text;
	int ret;

	ret = p2p_tracefs_read_trace(&text);
	if (ret)
		return ret;
	ret = p2p_parse_release_trace(text, arr, max);
	free(text);
	return ret;
}

/* Releases through task_work and delayed_fput finish after their cause. */
int p2p_release_trace_wait(int want, struct p2p_trace_rel *arr, int max,
			   unsigned int timeout_ms)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	int n;

	while ((n = p2p_release_trace_read(arr, max)) >= 0 && n < want) {
		if (p2p_now_ms() >= deadline)
			return p2p_seterr_msg(ETIMEDOUT,
					      "%d of %d dma-buf releases traced after %u ms",
					      n, want, timeout_ms);
		p2p_sleep_ms(20);
	}
	return n;
}

/* Best effort, also after a failed start or in another process. */
void p2p_release_trace_stop(void)
{
	if (p2p_tracefs_root() || p2p_tracefs_find(false))
		tr_teardown();
}
