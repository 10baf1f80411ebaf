/*
 * timeslice.c — Linux time slices, observed from inside the threads.
 *
 * N CPU-bound threads are pinned to ONE CPU. Each thread reads CLOCK_MONOTONIC in a tight loop;
 * two consecutive reads normally lie a few tens of nanoseconds apart, so a gap longer than the
 * threshold (50 us by default) means the thread was off the CPU in between. Each thread records
 * its on-CPU segments [first read, last read] between gaps. Afterwards all segments of all
 * threads are put on one timeline (they share one CPU, so they never overlap):
 *   - consecutive segments of the SAME thread, with none of the other threads in between, form
 *     one turn: the gap between them was an interruption by something else (an interrupt, a
 *     kernel thread, another process, the hypervisor taking the vCPU away);
 *   - a turn's run length is its on-CPU time (the turn minus its interruptions): the time
 *     slice the scheduler gave it;
 *   - a thread's wait is the time from the end of one of its turns to the start of its next
 *     (Runnable, waiting for the CPU): with N threads sharing a CPU fairly, about N - 1 slices;
 *   - a handover is the gap between the end of one thread's turn and the start of the next
 *     thread's turn: the involuntary context switch as seen from user space (the tick
 *     interrupt, the scheduler, the switch), plus whatever else ran in between.
 *
 * Build:  gcc -O2 -pthread -o timeslice timeslice.c
 * Run:    ./timeslice --threads N [--seconds S] [--cpu C] [--gap-us G]   (prints one JSON object)
 *
 * The first turn of each thread (it starts at a barrier, part-way into someone's slice) and its
 * last turn (cut off by the end of the experiment) are partial and left out of the run lengths.
 * Other processes on the chosen CPU show up as interruptions and as longer waits; `otherOnCpu`
 * is the share of that CPU's time that anything but this process used during the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct vec {
  int64_t *v;
  long n, cap;
};

static void push(struct vec *x, int64_t val) {
  if (x->n == x->cap) {
    x->cap = x->cap ? x->cap * 2 : 256;
    x->v = realloc(x->v, x->cap * sizeof *x->v);
    if (!x->v) { perror("realloc"); exit(1); }
  }
  x->v[x->n++] = val;
}

struct worker {
  pthread_t th;
  int cpu;
  struct vec seg; /* on-CPU segments: start, end, start, end, ... (absolute ns) */
  long nvcsw, nivcsw;
};

static pthread_barrier_t g_start;
static int64_t g_end_ns; /* set by the last thread through the barrier */
static int64_t g_gap_ns = 50000;
static double g_seconds = 2;

static void *worker_main(void *arg) {
  struct worker *w = arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(w->cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(1); }
  if (pthread_barrier_wait(&g_start) == PTHREAD_BARRIER_SERIAL_THREAD)
    __atomic_store_n(&g_end_ns, now_ns() + (int64_t)(g_seconds * 1e9), __ATOMIC_RELEASE);
  int64_t end;
  while ((end = __atomic_load_n(&g_end_ns, __ATOMIC_ACQUIRE)) == 0) sched_yield();

  struct rusage r0, r1;
  getrusage(RUSAGE_THREAD, &r0);
  int64_t prev = now_ns(), seg_start = prev;
  for (;;) {
    int64_t t = now_ns();
    if (t - prev > g_gap_ns) { /* off the CPU between prev and t */
      push(&w->seg, seg_start);
      push(&w->seg, prev);
      seg_start = t;
    }
    prev = t;
    if (t >= end) break;
  }
  push(&w->seg, seg_start);
  push(&w->seg, prev);
  getrusage(RUSAGE_THREAD, &r1);
  w->nvcsw = r1.ru_nvcsw - r0.ru_nvcsw;
  w->nivcsw = r1.ru_nivcsw - r0.ru_nivcsw;
  return NULL;
}

struct segment {
  int64_t s, e;
  int tid;
};

struct turn {
  int64_t s, e, intr; /* start, end, time lost to interruptions inside the turn */
  int tid;
};

static int cmp_seg(const void *a, const void *b) {
  const struct segment *x = a, *y = b;
  return x->s < y->s ? -1 : x->s > y->s;
}

/* busy and total jiffies of one CPU, from its /proc/stat line */
static void cpu_jiffies(int cpu, long long *busy, long long *total) {
  char want[16], line[512];
  snprintf(want, sizeof want, "cpu%d ", cpu);
  *busy = *total = 0;
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want)) != 0) continue;
    long long v[8] = {0};
    sscanf(line + strlen(want), "%lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    *total = *busy + v[3] + v[4];
    break;
  }
  fclose(f);
}

static double own_cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
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

/* Histogram bucket edges in ms: [0,1) [1,2) [2,3) [3,4) [4,5) [5,8) [8,16) [16,64) [64,256) [256,inf) */
static const double EDGES_MS[] = {1, 2, 3, 4, 5, 8, 16, 64, 256};
#define NEDGES 9

static void print_dist(const char *name, struct vec *all, int last) {
  qsort(all->v, all->n, sizeof *all->v, cmp_i64);
  long n = all->n;
  printf("  \"%s\": {\"count\": %ld", name, n);
  if (n > 0) {
    double sum = 0;
    for (long i = 0; i < n; i++) sum += all->v[i];
    printf(", \"meanNs\": %.0f, \"minNs\": %lld, \"p10Ns\": %lld, \"p50Ns\": %lld, \"p90Ns\": %lld, \"p99Ns\": %lld, \"maxNs\": %lld",
           sum / n, (long long)all->v[0], (long long)pct(all->v, n, 10), (long long)pct(all->v, n, 50),
           (long long)pct(all->v, n, 90), (long long)pct(all->v, n, 99), (long long)all->v[n - 1]);
    long counts[NEDGES + 1] = {0};
    for (long i = 0; i < n; i++) {
      int b = 0;
      while (b < NEDGES && all->v[i] >= EDGES_MS[b] * 1e6) b++;
      counts[b]++;
    }
    printf(", \"histogramMs\": {");
    for (int b = 0; b <= NEDGES; b++) {
      char label[32];
      if (b == 0) snprintf(label, sizeof label, "<%g", EDGES_MS[0]);
      else if (b == NEDGES) snprintf(label, sizeof label, ">=%g", EDGES_MS[NEDGES - 1]);
      else snprintf(label, sizeof label, "%g-%g", EDGES_MS[b - 1], EDGES_MS[b]);
      printf("%s\"%s\": %ld", b ? ", " : "", label, counts[b]);
    }
    printf("}");
  }
  printf("}%s\n", last ? "" : ",");
}

int main(int argc, char **argv) {
  int n = 2, cpu = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc) n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) g_seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) cpu = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--gap-us") && i + 1 < argc) g_gap_ns = (int64_t)(atof(argv[++i]) * 1000);
    else {
      fprintf(stderr, "usage: %s --threads N [--seconds S] [--cpu C] [--gap-us G]\n", argv[0]);
      return 2;
    }
  }
  if (n < 1 || n > 10000 || g_seconds <= 0 || g_seconds > 60) {
    fprintf(stderr, "timeslice: --threads must be 1..10000 and --seconds 0..60\n");
    return 2;
  }
  if (cpu < 0) { /* default: the highest-numbered CPU this process may use */
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    for (int c = 0; c < CPU_SETSIZE; c++)
      if (CPU_ISSET(c, &allowed)) cpu = c;
  }

  /* cost of one loop iteration (clock read), measured unpinned before the experiment */
  int64_t c0 = now_ns();
  for (int i = 0; i < 1000000; i++) now_ns();
  double clock_ns = (now_ns() - c0) / 1e6;

  long long busy0, total0, busy1, total1;
  cpu_jiffies(cpu, &busy0, &total0);
  double own0 = own_cpu_seconds();
  pthread_barrier_init(&g_start, NULL, n);
  struct worker *w = calloc(n, sizeof *w);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (int i = 0; i < n; i++) {
    w[i].cpu = cpu;
    if (pthread_create(&w[i].th, &attr, worker_main, &w[i]) != 0) { perror("pthread_create"); return 1; }
  }
  for (int i = 0; i < n; i++) pthread_join(w[i].th, NULL);
  cpu_jiffies(cpu, &busy1, &total1);
  /* share of the chosen CPU's time used by anything but this process (other processes,
   * kernel threads, interrupts): the experiment is clean when this is small */
  double other_on_cpu = -1;
  if (total1 > total0) {
    double other = (double)(busy1 - busy0) - (own_cpu_seconds() - own0) * (double)sysconf(_SC_CLK_TCK);
    other_on_cpu = other < 0 ? 0 : other / (double)(total1 - total0);
  }

  /* All segments on one timeline, sorted by start time. */
  long nseg = 0;
  for (int i = 0; i < n; i++) nseg += w[i].seg.n / 2;
  struct segment *all = malloc(nseg * sizeof *all);
  long k = 0;
  for (int i = 0; i < n; i++)
    for (long j = 0; j < w[i].seg.n; j += 2) all[k++] = (struct segment){w[i].seg.v[j], w[i].seg.v[j + 1], i};
  qsort(all, nseg, sizeof *all, cmp_seg);

  /* Merge into turns; collect handovers and interruptions. */
  struct turn *turns = malloc(nseg * sizeof *turns);
  long nturn = 0;
  struct vec handovers = {0}, interruptions = {0};
  for (long i = 0; i < nseg; i++) {
    if (nturn > 0 && turns[nturn - 1].tid == all[i].tid) {
      struct turn *t = &turns[nturn - 1];
      push(&interruptions, all[i].s - t->e);
      t->intr += all[i].s - t->e;
      t->e = all[i].e;
    } else {
      if (nturn > 0) push(&handovers, all[i].s - turns[nturn - 1].e);
      turns[nturn++] = (struct turn){all[i].s, all[i].e, 0, all[i].tid};
    }
  }

  /* Per thread: run lengths of its complete turns, waits between its turns. */
  struct vec runs = {0}, waits = {0};
  long *nturns = calloc(n, sizeof(long)), *seen = calloc(n, sizeof(long));
  int64_t *last_end = calloc(n, sizeof(int64_t));
  for (long i = 0; i < nturn; i++) nturns[turns[i].tid]++;
  long min_turns = -1, max_turns = 0;
  for (int i = 0; i < n; i++) {
    if (min_turns < 0 || nturns[i] < min_turns) min_turns = nturns[i];
    if (nturns[i] > max_turns) max_turns = nturns[i];
  }
  for (long i = 0; i < nturn; i++) {
    int tid = turns[i].tid;
    long idx = seen[tid]++;
    if (idx > 0) push(&waits, turns[i].s - last_end[tid]);
    if (idx > 0 && idx < nturns[tid] - 1) push(&runs, turns[i].e - turns[i].s - turns[i].intr);
    last_end[tid] = turns[i].e;
  }
  long nvcsw = 0, nivcsw = 0;
  for (int i = 0; i < n; i++) {
    nvcsw += w[i].nvcsw;
    nivcsw += w[i].nivcsw;
  }
  printf("{\n  \"threads\": %d, \"cpu\": %d, \"seconds\": %g, \"gapThresholdNs\": %lld, \"clockReadNs\": %.1f,\n",
         n, cpu, g_seconds, (long long)g_gap_ns, clock_ns);
  printf("  \"otherOnCpu\": %.2f,\n", other_on_cpu);
  printf("  \"turnsPerThread\": {\"min\": %ld, \"max\": %ld},\n", min_turns, max_turns);
  printf("  \"contextSwitches\": {\"voluntary\": %ld, \"involuntary\": %ld},\n", nvcsw, nivcsw);
  print_dist("runs", &runs, 0);
  print_dist("waits", &waits, 0);
  print_dist("handovers", &handovers, 0);
  print_dist("interruptions", &interruptions, 1);
  printf("}\n");
  return 0;
}
