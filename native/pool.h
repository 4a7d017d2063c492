/*
 * A pool of threads that run numbered tasks: each thread (the caller included) claims the next task number
 * from a shared counter until none are left, so a thread slowed by another process simply takes fewer tasks.
 * What a task computes must not depend on which thread runs it (the kernels' tilings are fixed by the
 * problem's shape), which keeps results identical for any thread count and any timing.
 */
#ifndef AEK_POOL_H
#define AEK_POOL_H

#include <stddef.h>

typedef struct aek_pool aek_pool;

/* task(ctx, task number, thread index in [0, threads)) */
typedef void (*aek_task_fn)(void *ctx, long task, int thread);

aek_pool *aek_pool_create(int threads);
void aek_pool_destroy(aek_pool *pool);
int aek_pool_threads(const aek_pool *pool);

/*
 * Runs tasks [0, ntasks) and returns when all are done. `parallel` = 0 runs them all on the caller (small
 * problems, where waking threads costs more than it saves). Not reentrant: one run at a time per pool.
 */
void aek_pool_run(aek_pool *pool, long ntasks, aek_task_fn fn, void *ctx, int parallel);

/* Turns the watch on shared cores (pool.c) on (the default) or off: off, every parallel run uses every thread. */
void aek_pool_watch(aek_pool *pool, int on);

/*
 * What the pool's watch on shared cores did (see pool.c): out[0] = holds begun (spells of serial runs because
 * another process wanted our cores), out[1] = runs those holds made serial.
 */
void aek_pool_contention(const aek_pool *pool, double out[2]);

/*
 * Per-thread scratch of at least `bytes`, 64-byte aligned, kept between runs (grown when asked for more).
 * Call from the task, with its thread index. Returns NULL when out of memory.
 */
void *aek_pool_scratch(aek_pool *pool, int thread, size_t bytes);

/* Shared scratch (e.g. packed B), grown on demand by the calling thread before a run. */
void *aek_pool_shared(aek_pool *pool, size_t bytes);

#endif
