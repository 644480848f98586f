// SPDX-License-Identifier: GPL-2.0
/*
 * A small seeded PRNG (xoshiro256**, seeded through splitmix64) for
 * reproducible random test sequences: the same (seed, stream) gives the
 * same numbers on every machine and every run, which rand(3) does not
 * promise, and each stream (e.g. a worker thread) is independent.
 */
#include "dmabuf_p2p.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void p2p_prng_seed(struct p2p_prng *p, uint64_t seed, uint64_t stream)
{
	/* Mix the stream in first so (s, 1) and (s + 1, 0) differ. */
	uint64_t x = seed ^ splitmix64(&stream);
	int i;

	for (i = 0; i < 4; i++)
		p->s[i] = splitmix64(&x);
	/* xoshiro's one bad state; splitmix64 cannot give four zeros, but be sure. */
	if (!(p->s[0] | p->s[1] | p->s[2] | p->s[3]))
		p->s[0] = 1;
}

uint64_t p2p_prng_next(struct p2p_prng *p)
{
	uint64_t *s = p->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n) without modulo bias; 0 when n is 0. */
uint32_t p2p_prng_below(struct p2p_prng *p, uint32_t n)
{
	uint64_t lim, r;

	if (n <= 1)
		return 0;
	lim = UINT64_MAX - UINT64_MAX % n;
	do {
		r = p2p_prng_next(p);
	} while (r >= lim);
	return r % n;
}

/* The index of a uniformly chosen set bit of @mask; -1 if @mask is 0. */
int p2p_prng_pick_bit(struct p2p_prng *p, uint32_t mask)
{
	uint32_t k = p2p_prng_below(p, __builtin_popcount(mask));
	int i;

	if (!mask)
		return -1;
	for (i = 0; i < 32; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (!k--)
			return i;
	}
	return -1;
}
