/*
 * pool.c — the "magic number" of a thread pool, on the real kernel.
 *
 * JOBS jobs are queued at once. Each job computes for C (CPU time of the thread, read from
 * CLOCK_THREAD_CPUTIME_ID, so time spent preempted does not count), then waits W in
 * nanosleep (the "network wait": the thread blocks and holds no CPU). A pool of T threads
 * takes the jobs from one shared queue, one at a time, in order. For every pool size and wait
 * it prints one JSON object: each job's latency (from the start of the run to the end of its
 * wait, all jobs being queued at the start), the time to finish the batch, how busy the CPUs
 * were, the context switches of the pool's threads, the wall time of each job's compute (C
 * plus any time it waited for a CPU) and how late its thread ran again after its nanosleep
 * (the timer's slack plus any wait for a CPU).
 *
 * This is the real counterpart of examples/seed-magic-number.yaml and of its twin
 * validation/scenarios/magic-number.yaml (docs/validation.md, experiment e).
 *
 * Build:  gcc -O2 -pthread -o pool pool.c
 * Run:    ./pool --threads 4,8,12 --wait-us 4000,19000 [--jobs 400] [--compute-us 1000]
 *                [--repeat R]       (prints one JSON object per run)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int64_t clock_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* one run's shared state */
static int g_jobs;
static int64_t g_compute_ns, g_wait_ns;
static int g_next;                 /* next job to take (atomic) */
static int64_t g_t0;               /* start of the run, set by the last thread through the barrier */
static int64_t *g_done;            /* per job: end of its wait, relative to g_t0 */
static int64_t *g_late;            /* per job: how late its thread ran again after nanosleep(W) */
static int64_t *g_compute;         /* per job: the wall time of its compute (C plus any wait for a CPU) */
static pthread_barrier_t g_start;

struct worker {
  pthread_t th;
  long nvcsw, nivcsw;
  int64_t cpu_ns;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  struct rusage r0, r1;
  if (pthread_barrier_wait(&g_start) == PTHREAD_BARRIER_SERIAL_THREAD)
    __atomic_store_n(&g_t0, now_ns(), __ATOMIC_RELEASE);
  int64_t t0;
  while ((t0 = __atomic_load_n(&g_t0, __ATOMIC_ACQUIRE)) == 0) sched_yield();
  getrusage(RUSAGE_THREAD, &r0);
  int64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  for (;;) {
    int j = __atomic_fetch_add(&g_next, 1, __ATOMIC_ACQ_REL);
    if (j >= g_jobs) break;
    /* compute: until this thread has used C of CPU time */
    int64_t c0 = now_ns();
    int64_t until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + g_compute_ns;
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until) {
    }
    g_compute[j] = now_ns() - c0;
    /* wait: nanosleep(W), restarted if a signal cuts it short */
    int64_t s0 = now_ns();
    struct timespec ts = {(time_t)(g_wait_ns / 1000000000LL), (long)(g_wait_ns % 1000000000LL)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    int64_t s1 = now_ns();
    g_late[j] = s1 - s0 - g_wait_ns;
    g_done[j] = s1 - t0;
  }
  w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  getrusage(RUSAGE_THREAD, &r1);
  w->nvcsw = r1.ru_nvcsw - r0.ru_nvcsw;
  w->nivcsw = r1.ru_nivcsw - r0.ru_nivcsw;
  return NULL;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static int64_t pct(const int64_t *s, long n, double p) {
  long rank = (long)(p / 100.0 * n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return s[rank - 1];
}

/* the whole machine's busy and total jiffies, from /proc/stat's first line */
static void machine_jiffies(long long *busy, long long *total) {
  *busy = *total = 0;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return;
  long long v[8] = {0};
  if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
    *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    *total = *busy + v[3] + v[4];
  }
  fclose(f);
}

static double own_cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void run(int threads, int64_t wait_ns, int repeat_index, int first) {
  g_wait_ns = wait_ns;
  g_next = 0;
  g_t0 = 0;
  memset(g_done, 0, g_jobs * sizeof *g_done);
  struct worker *w = calloc(threads, sizeof *w);
  if (!w) { perror("calloc"); exit(1); }
  if (pthread_barrier_init(&g_start, NULL, threads) != 0) { perror("pthread_barrier_init"); exit(1); }
  long long b0, tot0, b1, tot1;
  machine_jiffies(&b0, &tot0);
  double own0 = own_cpu_seconds();
  for (int i = 0; i < threads; i++) {
    int rc = pthread_create(&w[i].th, NULL, worker_main, &w[i]);
    if (rc != 0) { fprintf(stderr, "pool: pthread_create: %s\n", strerror(rc)); exit(1); }
  }
  for (int i = 0; i < threads; i++) pthread_join(w[i].th, NULL);
  machine_jiffies(&b1, &tot1);
  double own1 = own_cpu_seconds();
  pthread_barrier_destroy(&g_start);

  int64_t makespan = 0, cpu = 0;
  long nvcsw = 0, nivcsw = 0;
  for (int i = 0; i < g_jobs; i++) if (g_done[i] > makespan) makespan = g_done[i];
  for (int i = 0; i < threads; i++) { cpu += w[i].cpu_ns; nvcsw += w[i].nvcsw; nivcsw += w[i].nivcsw; }
  free(w);
  qsort(g_done, g_jobs, sizeof *g_done, cmp_i64);
  double late_sum = 0, compute_sum = 0;
  for (int i = 0; i < g_jobs; i++) { late_sum += g_late[i]; compute_sum += g_compute[i]; }
  qsort(g_late, g_jobs, sizeof *g_late, cmp_i64);
  qsort(g_compute, g_jobs, sizeof *g_compute, cmp_i64);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  /* the share of the machine's CPU time that other processes used during the run */
  double all = (double)(b1 - b0), total = (double)(tot1 - tot0);
  long hz = sysconf(_SC_CLK_TCK);
  double other = total > 0 ? (all - (own1 - own0) * hz) / total : 0;
  if (other < 0) other = 0;
  printf("%s{\"threads\": %d, \"waitUs\": %.0f, \"repeat\": %d, \"jobs\": %d, \"computeUs\": %.0f, "
         "\"makespanNs\": %lld, \"latencyNs\": {\"p10\": %lld, \"p50\": %lld, \"p90\": %lld, \"max\": %lld}, "
         "\"poolCpuNs\": %lld, \"cpuBusy\": %.4f, \"voluntarySwitches\": %ld, \"involuntarySwitches\": %ld, "
         "\"computeWallNs\": {\"mean\": %.0f, \"p50\": %lld, \"p90\": %lld}, "
         "\"sleepLateNs\": {\"mean\": %.0f, \"p10\": %lld, \"p50\": %lld, \"p90\": %lld}, \"otherCpu\": %.3f}",
         first ? "" : ",\n", threads, wait_ns / 1e3, repeat_index, g_jobs, g_compute_ns / 1e3, (long long)makespan,
         (long long)pct(g_done, g_jobs, 10), (long long)pct(g_done, g_jobs, 50), (long long)pct(g_done, g_jobs, 90),
         (long long)g_done[g_jobs - 1], (long long)cpu, makespan > 0 ? (double)cpu / ((double)makespan * ncpu) : 0,
         nvcsw, nivcsw, compute_sum / g_jobs, (long long)pct(g_compute, g_jobs, 50), (long long)pct(g_compute, g_jobs, 90),
         late_sum / g_jobs, (long long)pct(g_late, g_jobs, 10), (long long)pct(g_late, g_jobs, 50),
         (long long)pct(g_late, g_jobs, 90), other);
  fflush(stdout);
}

/* a comma-separated list of positive numbers */
static int parse_list(const char *s, double *out, int max, const char *what) {
  int n = 0;
  char *copy = strdup(s), *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *end;
    double v = strtod(tok, &end);
    if (*end != '\0' || !(v > 0) || n == max) {
      fprintf(stderr, "pool: %s: '%s' is not a list of at most %d positive numbers\n", what, s, max);
      exit(2);
    }
    out[n++] = v;
  }
  free(copy);
  if (n == 0) { fprintf(stderr, "pool: %s is empty\n", what); exit(2); }
  return n;
}

int main(int argc, char **argv) {
  double threads[64], waits[16];
  int nthreads = parse_list("4,8,12,16,24,32,40,48,64", threads, 64, "--threads");
  int nwaits = parse_list("4000,19000", waits, 16, "--wait-us");
  int repeat = 1;
  g_jobs = 400;
  g_compute_ns = 1000000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc) nthreads = parse_list(argv[++i], threads, 64, "--threads");
    else if (!strcmp(argv[i], "--wait-us") && i + 1 < argc) nwaits = parse_list(argv[++i], waits, 16, "--wait-us");
    else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) g_jobs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--compute-us") && i + 1 < argc) g_compute_ns = (int64_t)(atof(argv[++i]) * 1000);
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--threads T,T,...] [--wait-us W,W,...] [--jobs N] [--compute-us C] [--repeat R]\n", argv[0]);
      return 2;
    }
  }
  if (g_jobs < 1 || g_compute_ns < 1000 || repeat < 1) {
    fprintf(stderr, "pool: --jobs and --repeat must be at least 1, --compute-us at least 1\n");
    return 2;
  }
  g_done = calloc(g_jobs, sizeof *g_done);
  g_late = calloc(g_jobs, sizeof *g_late);
  g_compute = calloc(g_jobs, sizeof *g_compute);
  if (!g_done || !g_late || !g_compute) { perror("calloc"); return 1; }
  printf("[\n");
  int first = 1;
  /* repeats go round the whole grid, so a disturbance hits one run of a point, not all */
  for (int r = 0; r < repeat; r++)
    for (int wi = 0; wi < nwaits; wi++)
      for (int ti = 0; ti < nthreads; ti++) {
        run((int)threads[ti], (int64_t)(waits[wi] * 1000), r, first);
        first = 0;
      }
  printf("\n]\n");
  return 0;
}
