// SPDX-License-Identifier: GPL-2.0
/*
 * Which path ran a buffer's release, told from the release's own call
 * stack, and the log the rig reads it back from.
 *
 * The compiler turns the call in __fput_sync() and ____fput() into a tail
 * jump to __fput(), so those frames may be missing from the stack; close(2)
 * is then recognised by the syscall frame that called __fput_sync().
 */
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_debugfs.h"
#include "p2p_exp.h"

#define P2P_EXP_STACK_DEPTH	48

static const char * const p2p_exp_path_names[] = {
	[P2P_EXP_PATH_CLOSE] = P2P_REL_CLOSE,
	[P2P_EXP_PATH_TASK_WORK] = P2P_REL_TASK_WORK,
	[P2P_EXP_PATH_DELAYED] = P2P_REL_DELAYED,
	[P2P_EXP_PATH_EXIT] = P2P_REL_EXIT,
	[P2P_EXP_PATH_OTHER] = P2P_REL_OTHER,
};

const char *p2p_exp_path_name(enum p2p_exp_rel_path path)
{
	if (path >= ARRAY_SIZE(p2p_exp_path_names))
		path = P2P_EXP_PATH_OTHER;
	return p2p_exp_path_names[path];
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_path_name);

/* @sym as printed by sprint_symbol_no_offset(): "name[.suffix] [module]" */
unsigned int p2p_exp_classify_sym(const char *sym)
{
	size_t len = strcspn(sym, ". ");
	static const char sys_close[] = "sys_close";
	size_t sl = sizeof(sys_close) - 1;

	if ((len == 11 && !strncmp(sym, "__fput_sync", len)) ||
	    (len >= sl && !strncmp(sym + len - sl, sys_close, sl)))
		return P2P_EXP_SEEN_SYNC;
	if (len == 12 && !strncmp(sym, "delayed_fput", len))
		return P2P_EXP_SEEN_DELAYED;
	if (len == 13 && !strncmp(sym, "task_work_run", len))
		return P2P_EXP_SEEN_TASK_WORK;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_classify_sym);

/*
 * An exiting task closes its files through task_work too, so PF_EXITING is
 * asked first; a kthread's fput() always goes through delayed_fput.
 */
enum p2p_exp_rel_path p2p_exp_classify(unsigned int task_flags,
				       unsigned int seen)
{
	if (task_flags & PF_EXITING)
		return P2P_EXP_PATH_EXIT;
	if (seen & P2P_EXP_SEEN_SYNC)
		return P2P_EXP_PATH_CLOSE;
	if ((seen & P2P_EXP_SEEN_DELAYED) || (task_flags & PF_KTHREAD))
		return P2P_EXP_PATH_DELAYED;
	if (seen & P2P_EXP_SEEN_TASK_WORK)
		return P2P_EXP_PATH_TASK_WORK;
	return P2P_EXP_PATH_OTHER;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_classify);

enum p2p_exp_rel_path p2p_exp_release_path(void)
{
	unsigned int seen = 0;
#ifdef CONFIG_STACKTRACE
	unsigned long entries[P2P_EXP_STACK_DEPTH];
	char *sym;
	unsigned int n, i;

	/* KSYM_SYMBOL_LEN is too big for the stack next to entries[]. */
	sym = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (sym) {
		n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
		for (i = 0; i < n; i++) {
			sprint_symbol_no_offset(sym, entries[i]);
			seen |= p2p_exp_classify_sym(sym);
		}
		kfree(sym);
	}
#endif
	return p2p_exp_classify(current->flags, seen);
}

/* The last P2P_EXP_RELEASE_LOG releases, a ring; process context only. */
static DEFINE_MUTEX(p2p_exp_log_lock);
static struct p2p_exp_rel_entry p2p_exp_log[P2P_EXP_RELEASE_LOG];
static unsigned int p2p_exp_log_next;
static unsigned int p2p_exp_log_len;

void p2p_exp_log_release(const struct p2p_exp_buf *buf,
			 enum p2p_exp_rel_path path)
{
	struct p2p_exp_rel_entry *e;

	mutex_lock(&p2p_exp_log_lock);
	e = &p2p_exp_log[p2p_exp_log_next];
	e->ino = buf->ino;
	e->path = path;
	e->attaches = atomic_read(&buf->stats.attaches);
	e->maps = atomic_read(&buf->stats.maps);
	e->revokes = atomic_read(&buf->stats.revokes);
	e->unrevokes = atomic_read(&buf->stats.unrevokes);
	p2p_exp_log_next = (p2p_exp_log_next + 1) % P2P_EXP_RELEASE_LOG;
	if (p2p_exp_log_len < P2P_EXP_RELEASE_LOG)
		p2p_exp_log_len++;
	mutex_unlock(&p2p_exp_log_lock);
}

static const struct p2p_exp_rel_entry *p2p_exp_log_at(unsigned int i)
{
	unsigned int first = (p2p_exp_log_next + P2P_EXP_RELEASE_LOG -
			      p2p_exp_log_len) % P2P_EXP_RELEASE_LOG;

	return &p2p_exp_log[(first + i) % P2P_EXP_RELEASE_LOG];
}

/* The newest entry for @ino. */
bool p2p_exp_log_find(unsigned long ino, struct p2p_exp_rel_entry *out)
{
	bool found = false;
	unsigned int i;

	mutex_lock(&p2p_exp_log_lock);
	for (i = p2p_exp_log_len; i-- > 0;) {
		const struct p2p_exp_rel_entry *e = p2p_exp_log_at(i);

		if (e->ino == ino) {
			*out = *e;
			found = true;
			break;
		}
	}
	mutex_unlock(&p2p_exp_log_lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_log_find);

void p2p_exp_log_show(struct seq_file *m)
{
	unsigned int i;

	mutex_lock(&p2p_exp_log_lock);
	for (i = 0; i < p2p_exp_log_len; i++) {
		const struct p2p_exp_rel_entry *e = p2p_exp_log_at(i);

		seq_printf(m, P2P_EXP_REL_FMT, e->ino,
			   p2p_exp_path_name(e->path), e->attaches, e->maps,
			   e->revokes, e->unrevokes);
	}
	mutex_unlock(&p2p_exp_log_lock);
}

void p2p_exp_log_clear(void)
{
	mutex_lock(&p2p_exp_log_lock);
	p2p_exp_log_next = 0;
	p2p_exp_log_len = 0;
	mutex_unlock(&p2p_exp_log_lock);
}
