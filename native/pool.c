/*
 * The thread pool behind the native kernels (see pool.h). Why a pool of our own and not OpenMP: OpenMP's
 * schedules hand out iterations by thread number (static) or need its runtime's wait policy tuned to share
 * two cores with anything else (the PyTorch peer's OMP_WAIT_POLICY story), and libgomp may be missing where a
 * bare C compiler is not. This one is ~280 lines: workers spin briefly after a run (kernels come in quick
 * succession during a training step), then sleep on a condition variable, so an idle process costs nothing;
 * and while other processes take the cores, runs go serial for a while (see "Sharing the cores" below).
 */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/*
 * Waiting for the next run: a short busy spin (a pause is ~20-60 cycles: ~5 us), then polling with
 * sched_yield for ~100 us, then sleeping on the condition variable. Yielding rather than spinning is what keeps
 * a waiting thread from taking a core that the caller's serial work, or another process, needs: on a 2-core
 * machine with one core busy elsewhere, pure spinning made two threads slower than one.
 */
#define SPIN_PAUSES 200
#define YIELD_POLLS 100
/* The caller waiting for tasks others claimed: a few microseconds of pauses, then yield. */
#define SPIN_BEFORE_SLEEP 2000

/*
 * Sharing the cores with another process. With one busy process on two cores, the scheduler puts our worker
 * and the busy process on one core (or the caller shares with one of them). Parallel runs then gain little
 * (measured in W1 training: 1.0-1.1x over what the caller alone would take, against 1.7-1.9x on a quiet
 * machine) and cost the wakes and the wait for a slowed worker's last tile, so two threads ran 5-15 % slower
 * than one. Results do not depend on the thread count, so the pool may simply stop using its workers for a while.
 * Over each window of CONTENTION_WINDOW_NS of parallel runs the caller checks what the runs gained: its own
 * time per task, times the tasks, is what running them all alone would have taken; under CONTENTION_GAIN times
 * the runs' wall time, the workers are not paying for themselves. (It also read its own CPU clock at first, to
 * see itself off its core; CLOCK_THREAD_CPUTIME_ID is a system call here, and two per run cost the 2-thread
 * GEMM 256x784x256 a quarter to a third of its speed: 130-150 GFLOP/s against 180-200 without, on a quiet machine.)
 * Two such windows in a row (a single one happens on a quiet machine when another thread of Node's runs for a
 * moment) and the runs of the next hold go serial; then parallel runs probe again. Each probe that gains under
 * CONTENTION_GAIN_BACK doubles the hold (up to CONTENTION_HOLD_MAX_NS), so a lasting load costs ~1 % of the time
 * in probes; a probe that gains more resets it (the higher bar keeps one lucky window under load from restarting
 * the holds at the minimum). The thresholds sit between what one busy process and a quiet machine gave in those
 * measurements (see the README's Speed section for the bench run under load).
 */
#define CONTENTION_WINDOW_NS 20000000LL
#define CONTENTION_GAIN 1.25
#define CONTENTION_GAIN_BACK 1.5
#define CONTENTION_HOLD_MIN_NS 100000000LL
#define CONTENTION_HOLD_MAX_NS 1600000000LL

typedef struct contention {
  int64_t wall, alone;      /* summed over the parallel runs of the current window (ns) */
  int64_t serial_until;     /* CLOCK_MONOTONIC ns: runs before it go serial */
  int64_t hold;             /* the last hold, 0 after a window that found the workers paying */
  int strike;               /* the last window looked shared (a hold needs two in a row, or one in a probe) */
  int off;                  /* aek_pool_watch(p, 0): no window is judged, no hold begins */
  uint64_t serial_runs;     /* runs made serial by a hold (for tests and profiles) */
  uint64_t holds;           /* holds begun */
} contention;

static int64_t clock_ns(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * Adds a parallel run that took `wall` ns and `alone` ns by the caller's own pace (see above); it ended at
 * `now`. Begins a hold when the window's verdict says so.
 */
static void contention_note(contention *c, int64_t wall, int64_t alone, int64_t now) {
  c->wall += wall;
  c->alone += alone;
  if (c->off || c->wall < CONTENTION_WINDOW_NS) return;
  /* In a probe (after a hold) the workers must show more than CONTENTION_GAIN to be trusted again. */
  int shared = (double)c->alone < (c->hold ? CONTENTION_GAIN_BACK : CONTENTION_GAIN) * (double)c->wall;
  /* On a quiet machine one window in a few dozen looks shared (another thread of Node's for a moment). */
  if (shared && !c->hold && !c->strike) {
    c->strike = 1;
  } else if (shared) {
    c->strike = 0;
    c->hold = c->hold ? c->hold * 2 : CONTENTION_HOLD_MIN_NS;
    if (c->hold > CONTENTION_HOLD_MAX_NS) c->hold = CONTENTION_HOLD_MAX_NS;
    c->serial_until = now + c->hold;
    c->holds++;
  } else {
    c->hold = 0;
    c->strike = 0;
  }
  c->wall = c->alone = 0;
}

typedef struct scratch {
  void *p;
  size_t bytes;
  char pad[64 - sizeof(void *) - sizeof(size_t)];
} scratch;

struct aek_pool {
  int threads;
  pthread_t *tids;
  scratch *local;
  scratch shared;
  /*
   * The current run. `claim` holds the run's number (high 32 bits) and the next task (low 32 bits), so a
   * worker that wakes late for a finished run fails its compare-and-swap instead of taking a task of the next
   * one. The caller sets `claim` to the new run's number with CLOSED (past any task) before it writes the
   * run's fields and opens it at task 0 after; a worker reads the fields only after claiming a task of that
   * run, which is unfinished while it runs (the caller waits for `done`).
   */
  _Atomic(aek_task_fn) fn;
  _Atomic(void *) ctx;
  _Atomic long ntasks;
  _Atomic uint64_t claim;
  _Atomic long done;
  _Atomic int gen; /* bumped to wake the workers for a run */
  _Atomic int stop;
  _Atomic int sleepers;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  contention busy; /* the caller's alone (runs are not reentrant) */
};

/* The task field of `claim` while a run is being written (ntasks is always smaller). */
#define CLOSED 0xffffffffu

typedef struct worker_arg {
  aek_pool *pool;
  int index;
} worker_arg;

/* Runs tasks of run `run` until none are left (or the run is over); returns how many it ran. */
static long claim_all(aek_pool *p, uint32_t run, int thread) {
  uint64_t v = atomic_load(&p->claim);
  for (long ran = 0;; ran++) {
    if ((uint32_t)(v >> 32) != run) return ran;
    long t = (long)(uint32_t)v;
    if (t >= atomic_load(&p->ntasks)) return ran;
    if (!atomic_compare_exchange_weak(&p->claim, &v, v + 1)) continue; /* v now holds the current value */
    atomic_load(&p->fn)(atomic_load(&p->ctx), t, thread);
    atomic_fetch_add(&p->done, 1);
    v = atomic_load(&p->claim);
  }
}

static void *worker_main(void *arg) {
  worker_arg *w = (worker_arg *)arg;
  aek_pool *p = w->pool;
  int index = w->index;
  free(w);
  int seen = atomic_load(&p->gen);
  for (;;) {
    int g = seen;
    for (int i = 0; i < SPIN_PAUSES && (g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop); i++) CPU_RELAX();
    for (int i = 0; i < YIELD_POLLS && (g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop); i++) sched_yield();
    if (g == seen && !atomic_load(&p->stop)) {
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) return NULL;
    seen = g;
    claim_all(p, (uint32_t)(atomic_load(&p->claim) >> 32), index);
  }
}

aek_pool *aek_pool_create(int threads) {
  if (threads < 1) threads = 1;
  aek_pool *p = (aek_pool *)calloc(1, sizeof(aek_pool));
  if (!p) return NULL;
  p->threads = threads;
  p->local = (scratch *)calloc((size_t)threads, sizeof(scratch));
  p->tids = (pthread_t *)calloc((size_t)threads, sizeof(pthread_t));
  if (!p->local || !p->tids) {
    free(p->local);
    free(p->tids);
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  for (int i = 1; i < threads; i++) {
    worker_arg *w = (worker_arg *)malloc(sizeof(worker_arg));
    if (w) {
      w->pool = p;
      w->index = i;
    }
    if (!w || pthread_create(&p->tids[i], NULL, worker_main, w) != 0) {
      /* Fewer threads than asked: run with the ones that started (results do not depend on the count). */
      free(w);
      p->threads = i;
      break;
    }
  }
  return p;
}

void aek_pool_destroy(aek_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->threads; i++) pthread_join(p->tids[i], NULL);
  for (int i = 0; i < p->threads; i++) free(p->local[i].p);
  free(p->shared.p);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->local);
  free(p->tids);
  free(p);
}

int aek_pool_threads(const aek_pool *p) { return p->threads; }

void aek_pool_run(aek_pool *p, long ntasks, aek_task_fn fn, void *ctx, int parallel) {
  if (ntasks <= 0) return;
  if (!parallel || p->threads == 1 || ntasks == 1 || (unsigned long)ntasks >= CLOSED) {
    for (long t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  int64_t wall0 = clock_ns(CLOCK_MONOTONIC);
  if (wall0 < p->busy.serial_until) {
    p->busy.serial_runs++;
    for (long t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  uint32_t run = (uint32_t)(atomic_load(&p->claim) >> 32) + 1;
  /*
   * Closed first (the new run's number, no task left): a late worker of the last run fails to claim, and one
   * that reads the new number takes nothing before the run is written. Then the run, then open it at task 0.
   */
  atomic_store(&p->claim, ((uint64_t)run << 32) | CLOSED);
  atomic_store(&p->fn, fn);
  atomic_store(&p->ctx, ctx);
  atomic_store(&p->ntasks, ntasks);
  atomic_store(&p->done, 0);
  atomic_store(&p->claim, (uint64_t)run << 32);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  long mine = claim_all(p, run, 0);
  int64_t own = clock_ns(CLOCK_MONOTONIC) - wall0;
  /*
   * Wait for the tasks others claimed (not for the workers: one that has not woken yet simply finds nothing
   * left). If the OS took a worker's core in the middle of a task, give ours up rather than spin.
   */
  for (long i = 0; atomic_load(&p->done) < ntasks; i++) {
    if (i < SPIN_BEFORE_SLEEP) CPU_RELAX();
    else sched_yield();
  }
  int64_t wall1 = clock_ns(CLOCK_MONOTONIC);
  /* The caller ran `mine` tasks in `own` ns (its share of the run's start-up included): alone, all would take. */
  int64_t alone = mine > 0 ? (int64_t)((double)own / (double)mine * (double)ntasks) : wall1 - wall0;
  contention_note(&p->busy, wall1 - wall0, alone, wall1);
}

void aek_pool_watch(aek_pool *p, int on) {
  p->busy.off = !on;
  p->busy.serial_until = 0;
  p->busy.hold = 0;
  p->busy.strike = 0;
}

void aek_pool_contention(const aek_pool *p, double out[2]) {
  out[0] = (double)p->busy.holds;
  out[1] = (double)p->busy.serial_runs;
}

static void *grow(scratch *s, size_t bytes) {
  if (s->bytes >= bytes && s->p) return s->p;
  free(s->p);
  size_t rounded = (bytes + 63) & ~(size_t)63;
  s->p = aligned_alloc(64, rounded ? rounded : 64);
  s->bytes = s->p ? rounded : 0;
  return s->p;
}

void *aek_pool_scratch(aek_pool *p, int thread, size_t bytes) { return grow(&p->local[thread], bytes); }

void *aek_pool_shared(aek_pool *p, size_t bytes) { return grow(&p->shared, bytes); }
