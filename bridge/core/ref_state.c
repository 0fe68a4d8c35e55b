/*
 * The reference state as a seqlock.  One writer (the core loop) and any
 * number of readers (the NTP hot path, possibly in worker threads).  The
 * sequence counter is odd while a write is in progress; with the fences it
 * makes a torn copy detectable, and the reader simply copies again.  The
 * writer never waits and a reader never blocks the writer.
 */
#include <stdatomic.h>
#include <string.h>

#include "bridge/core/ref_state.h"

static _Atomic unsigned int seq;
static struct ref_snapshot current = {
	.sync = REF_UNSYNCED,
	.leap = 3,
	.stratum = 16,
};
static uint64_t generation;

void ref_state_publish(const struct ref_snapshot *s)
{
	unsigned int v = atomic_load_explicit(&seq, memory_order_relaxed);

	atomic_store_explicit(&seq, v + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	current = *s;
	current.generation = ++generation;
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&seq, v + 2, memory_order_relaxed);
}

void ref_state_read(struct ref_snapshot *s)
{
	unsigned int v1, v2;

	do {
		v1 = atomic_load_explicit(&seq, memory_order_acquire);
		/* volatile copy: the compiler may not assume current is stable */
		memcpy(s, (const void *)(const volatile struct ref_snapshot *)&current,
		       sizeof(*s));
		atomic_thread_fence(memory_order_acquire);
		v2 = atomic_load_explicit(&seq, memory_order_relaxed);
	} while ((v1 & 1) || v1 != v2);
}

double ref_state_dispersion_at(const struct ref_snapshot *s, const struct timespec *now)
{
	double age = (double)(now->tv_sec - s->ref_time.tv_sec) +
		     (double)(now->tv_nsec - s->ref_time.tv_nsec) * 1e-9;

	if (age < 0.0)
		age = 0.0;
	return s->root_dispersion + s->dispersion_rate * age;
}

const char *ref_state_sync_name(int sync)
{
	switch (sync) {
	case REF_SYNCED:
		return "synced";
	case REF_HOLDOVER:
		return "holdover";
	default:
		return "unsynchronised";
	}
}
