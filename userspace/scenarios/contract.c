// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios: upstream vfio-pci's exporter against an importer that breaks
 * the revoke contract on purpose (the importer's misbehave knob). What
 * upstream does is recorded as it is, with time bounds, so a change
 * upstream shows up as a changed result: its revoke, under memory_lock,
 * waits for the importer's fences and then for every unmap, without a
 * bound. An importer that never lets go therefore holds the revoke, and
 * the config write that asked for it, until the MR is deregistered, which
 * these scenarios do themselves after checking that the wait is still on.
 * Our exporter bounds that wait; its side is the contract_* selftests.
 */
#include <pthread.h>
#include <unistd.h>

#include "scenario.h"

/* Within the bound, and how long a "never" mode is watched before DEREG. */
#define CT_LATE_MS	600
#define CT_WATCH_MS	1500

struct mem_off {
	struct sc_dev *d;
	volatile bool done;
	int ret;
	uint64_t ms;
};

static void *mem_off_fn(void *arg)
{
	struct mem_off *j = arg;
	uint64_t t0 = p2p_now_ms();

	j->ret = p2p_trigger_fire(&j->d->dev, P2P_TRIG_MEM_OFF);
	j->ms = p2p_now_ms() - t0;
	j->done = true;
	return NULL;
}

static void upstream_contract(unsigned int mode, const char *what, bool never)
{
	struct mem_off j = { 0 };
	struct sc_dev d;
	pthread_t th;
	uint64_t t1;
	uint32_t h;
	int imp, fd;

	if (!sc_upstream())
		sc_skip("our exporter bounds this wait: the contract_* selftests test it");
	imp = sc_importer();
	sc_open_main(&d);
	fd = sc_buf(&d, 0, 1);
	SC_OK(p2p_imp_knob_set("misbehave_ms", CT_LATE_MS));
	SC_OK(p2p_imp_knob_set("misbehave", mode));
	h = sc_mr(imp, fd, sc->page);
	/* Only this MR misbehaves. */
	SC_OK(p2p_imp_knob_set("misbehave", 0));

	j.d = &d;
	if (pthread_create(&th, NULL, mem_off_fn, &j))
		sc_fail("pthread_create failed");
	if (never) {
		/*
		 * No sc_fail() from here until the join: a thread stuck in
		 * the kernel keeps the process, and the importer fd whose
		 * release would free it, alive.
		 */
		p2p_sleep_ms(CT_WATCH_MS);
		sc_expect(!j.done, "upstream's revoke still waits for the %s after %u ms",
			  what, CT_WATCH_MS);
		t1 = p2p_now_ms();
		sc_expect(!p2p_imp_dereg(imp, h, 0), "DEREG_MR: %s", p2p_last_error());
		pthread_join(th, NULL);
		sc_log("MEM off took %llu ms, %llu ms after DEREG_MR",
		       (unsigned long long)j.ms, (unsigned long long)(p2p_now_ms() - t1));
		sc_expect(p2p_now_ms() - t1 < 3000, "DEREG_MR let the revoke finish");
	} else {
		pthread_join(th, NULL);
		sc_log("MEM off took %llu ms (%s after %u ms)", (unsigned long long)j.ms, what,
		       CT_LATE_MS);
		sc_expect(j.ms + 50 >= CT_LATE_MS && j.ms < CT_LATE_MS + 5000,
			  "upstream's revoke waited for the late %s (%llu ms)", what,
			  (unsigned long long)j.ms);
		SC_OK(p2p_imp_dereg(imp, h, 0));
	}
	SC_OK(j.ret);
	SC_OK(p2p_trigger_fire(&d.dev, P2P_TRIG_MEM_ON));
	/* The buffer serves a well-behaved importer again. */
	h = sc_mr(imp, fd, sc->page);
	SC_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

static void unmap_late(void)
{
	upstream_contract(P2P_IMP_MISBEHAVE_UNMAP_LATE, "unmap", false);
}

static void unmap_never(void)
{
	upstream_contract(P2P_IMP_MISBEHAVE_UNMAP_NEVER, "unmap", true);
}

static void fence_late(void)
{
	upstream_contract(P2P_IMP_MISBEHAVE_FENCE_LATE, "fence", false);
}

static void fence_never(void)
{
	upstream_contract(P2P_IMP_MISBEHAVE_FENCE_NEVER, "fence", true);
}

const struct scenario sc_contract[] = {
	{ "upstream-unmap-late", unmap_late,
	  "upstream's revoke waits for an importer that unmaps 600 ms late", false },
	{ "upstream-unmap-never", unmap_never,
	  "upstream's revoke waits, unbounded, for an importer that never unmaps", false },
	{ "upstream-fence-late", fence_late,
	  "upstream's revoke waits for an importer fence signalled 600 ms late", false },
	{ "upstream-fence-never", fence_never,
	  "upstream's revoke waits, unbounded, for an importer fence never signalled", false },
};

const size_t sc_contract_n = sizeof(sc_contract) / sizeof(sc_contract[0]);
