/*
 * os_costs.c — measures the OS cost parameters of schedlab (`machine.costs`) on this machine.
 *
 * Build:  gcc -O2 -pthread -o os_costs os_costs.c
 * Run:    ./os_costs [--reps N] [--quick]       (prints one JSON object on stdout)
 *
 * Every figure is measured in `reps` independent repetitions; each repetition gives one value
 * (the median of batch means, or a median over samples for sleeps), and the JSON reports the
 * median of the repetitions together with min, p25, p75 and max so the spread is visible.
 * All times come from clock_gettime(CLOCK_MONOTONIC), in nanoseconds.
 *
 * Other processes spoil some figures badly: a wake-up onto the other CPU is no longer a wake-up
 * of an IDLE CPU when that CPU runs someone else, and thread creation gets cheaper when there is
 * no idle CPU to wake. So each repetition also measures how much of the machine's CPU time other
 * processes used during it (/proc/stat minus this process's own getrusage), and a repetition is
 * "quiet" when that share stays under 10%. The `costs` are the medians over the quiet
 * repetitions when there are at least 3 of them, else over all of them (`costsFrom` says which).
 *
 * What is measured (docs/costs.md explains how each figure maps onto the simulation):
 *
 *   syscall        syscall(SYS_getppid): the cheapest real system call, entry + exit.
 *                  Also a 0-byte write(2) to /dev/null, for comparison.
 *   pipeWriteRead  write 1 byte into a pipe and read it back in the SAME thread: the system-call
 *                  work of one ping-pong hop, without any thread switch or wake-up.
 *   contextSwitch  two threads pinned to the SAME CPU bounce one byte over two pipes. Each round
 *                  trip is 2 thread switches + 2 writes + 2 reads, so
 *                      contextSwitch = roundTrip / 2 - pipeWriteRead
 *                  i.e. the switch plus the wake-up bookkeeping that goes with it.
 *   wakeupIpi      the same ping-pong with the two threads pinned to TWO different CPUs. The
 *                  woken thread's CPU is idle (halted) when the byte arrives, so each hop pays
 *                  an inter-processor interrupt and an idle exit (on a VM: a VM exit on the
 *                  sender and a vCPU wake-up on the receiver). Reported as
 *                      wakeupIpi = roundTripCross / 2 - pipeWriteRead
 *                  which is the full latency of a wake-up onto another, idle CPU; schedlab
 *                  charges exactly this (and no contextSwitch) when the idle CPU last ran the
 *                  woken thread. `crossExtra` = (roundTripCross - roundTripSame) / 2 is the
 *                  extra over a same-CPU switch, reported for comparison.
 *   threadCreate   pthread_create of an empty thread as seen by the creator (clone, stack from
 *                  glibc's cache, placement of the new thread), and create + join (the whole
 *                  life of an empty thread seen from its creator). Measured unpinned (the new
 *                  thread usually starts on the other, idle CPU, and the creator pays for waking
 *                  it) and, as threadCreatePinned, with creator and thread pinned to one CPU.
 *   threadCreateGrowing, threadStartGrowing
 *                  the same while the process grows: 400 threads are created one by one, each
 *                  after a 100 us sleep and once the previous one has started (about 200 us
 *                  apart on the development VM), and each stays alive (blocked) until all
 *                  exist, so that past the first few (glibc's stack cache) every one gets a new
 *                  stack and the process keeps growing. threadCreateGrowing is pthread_create
 *                  as seen by the creator; threadStartGrowing is from the call to the new
 *                  thread's first instruction. An analogy for a Go thread storm, not the same
 *                  code: the Go runtime's newm clones onto a small g0 stack from its own heap,
 *                  where pthread_create maps an 8 MB stack (docs/validation.md, experiment b,
 *                  measures the Go runtime itself).
 *   timerSlack     overshoot of nanosleep() beyond the requested time, for requests of 50 us,
 *                  100 us, 200 us, 500 us and 1 ms, and this thread's /proc/self/timerslack_ns.
 *                  The overshoot is slack + timer interrupt + wake-up of the sleeper.
 *
 * Two more figures feed the Go model's costs (tools/measure/run.sh maps them into `go.costs`):
 *   epollWait0     epoll_wait() with a 0 timeout on an epoll set holding one idle pipe: what the
 *                  Go runtime's non-blocking netpoll(0) costs in the kernel.
 *   signal         pthread_kill() of the calling thread with SIGURG and an empty handler: send,
 *                  delivery, handler, sigreturn. The OS part of Go's asynchronous preemption
 *                  (sysmon's preemptM sends SIGURG to the M running the goroutine).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int g_reps = 11;
static double g_scale = 1.0; /* --quick divides iteration counts by 5 */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long iters(long n) {
  long k = (long)(n * g_scale);
  return k < 10 ? 10 : k;
}

static void die(const char *what) {
  fprintf(stderr, "os_costs: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* Pins the calling thread to one CPU (-1 = all CPUs this process may use). */
static cpu_set_t g_allowed;
static void pin_self(int cpu) {
  cpu_set_t set;
  if (cpu < 0) {
    set = g_allowed;
  } else {
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

/* ---------- other processes' CPU use ---------- */

struct load_mark {
  long long busy, total; /* jiffies over all CPUs, from /proc/stat */
  double own_s;          /* this process's CPU time, from getrusage */
};

static void load_mark(struct load_mark *m) {
  long long v[10] = {0};
  FILE *f = fopen("/proc/stat", "r");
  if (f) {
    if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
      memset(v, 0, sizeof v);
    fclose(f);
  }
  /* user nice system idle iowait irq softirq steal */
  m->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  m->total = m->busy + v[3] + v[4];
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  m->own_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Share of all CPU time between a and b that other processes used (0..1; -1 if unknown). */
static double other_load(const struct load_mark *a, const struct load_mark *b) {
  long long total = b->total - a->total;
  if (total <= 0) return -1;
  double hz = (double)sysconf(_SC_CLK_TCK);
  double other = (double)(b->busy - a->busy) - (b->own_s - a->own_s) * hz;
  double r = other / (double)total;
  return r < 0 ? 0 : r;
}

/* ---------- statistics over repetitions ---------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *sorted, int n, double p) {
  int rank = (int)(p / 100.0 * n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static double median_of(double *v, int n) {
  qsort(v, n, sizeof *v, cmp_double);
  return pct(v, n, 50);
}

/* Repetitions that count for the costs (see main); NULL = all. */
static int *g_use;

/* Median over the repetitions that count. */
static double median_used(const double *v, int n) {
  double *s = malloc(n * sizeof *s);
  int k = 0;
  for (int i = 0; i < n; i++)
    if (!g_use || g_use[i]) s[k++] = v[i];
  double m = k ? median_of(s, k) : 0;
  free(s);
  return m;
}

/* Prints `"name": {"used":…, "median":…, "min":…, "p25":…, "p75":…, "max":…, "reps":[…]}` with
 * `prec` decimals (0 for nanoseconds); "used" is the median of the repetitions that count. */
static void print_stat_p(const char *name, double *v, int n, int last, int prec) {
  double *s = malloc(n * sizeof *s);
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  printf("    \"%s\": {\"used\": %.*f, \"median\": %.*f, \"min\": %.*f, \"p25\": %.*f, \"p75\": %.*f, \"max\": %.*f, \"reps\": [",
         name, prec, median_used(v, n), prec, pct(s, n, 50), prec, s[0], prec, pct(s, n, 25), prec, pct(s, n, 75), prec, s[n - 1]);
  for (int i = 0; i < n; i++) printf("%s%.*f", i ? ", " : "", prec, v[i]);
  printf("]}%s\n", last ? "" : ",");
  free(s);
}

static void print_stat(const char *name, double *v, int n, int last) { print_stat_p(name, v, n, last, 0); }

/* ---------- batches ----------
 *
 * A loop of n iterations is timed in batches of BATCH iterations, and the value of the loop
 * is the MEDIAN of the batch means (not the overall mean): on a shared machine a batch now and
 * then loses the CPU to another process, and that should not count as the cost of the
 * operation being measured. The overall mean is reported as well (`…Mean` figures).
 */
#define BATCH 200

struct batches {
  double *v;
  long n, cap;
  int64_t total_ns;
  long total_iters;
};

static void batches_init(struct batches *b, long iters_total) {
  b->cap = iters_total / BATCH + 2;
  b->v = malloc(b->cap * sizeof(double));
  b->n = 0;
  b->total_ns = 0;
  b->total_iters = 0;
}

static void batches_add(struct batches *b, int64_t ns, long k) {
  if (b->n < b->cap) b->v[b->n++] = (double)ns / k;
  b->total_ns += ns;
  b->total_iters += k;
}

/* Median of the batch means; *mean receives the overall mean. Frees the batches. */
static double batches_done(struct batches *b, double *mean) {
  double m = median_of(b->v, (int)b->n);
  if (mean) *mean = (double)b->total_ns / b->total_iters;
  free(b->v);
  return m;
}

/* ---------- syscall ---------- */

static double measure_getppid(void) {
  long n = iters(300000);
  struct batches b;
  batches_init(&b, n);
  for (long i = 0; i < 1000; i++) syscall(SYS_getppid); /* warm up */
  for (long done = 0; done < n; done += BATCH) {
    int64_t t0 = now_ns();
    for (long i = 0; i < BATCH; i++) syscall(SYS_getppid);
    batches_add(&b, now_ns() - t0, BATCH);
  }
  return batches_done(&b, NULL);
}

static double measure_write0(int fd) {
  long n = iters(300000);
  struct batches b;
  batches_init(&b, n);
  char c = 0;
  for (long done = 0; done < n; done += BATCH) {
    int64_t t0 = now_ns();
    for (long i = 0; i < BATCH; i++)
      if (write(fd, &c, 0) != 0) die("write");
    batches_add(&b, now_ns() - t0, BATCH);
  }
  return batches_done(&b, NULL);
}

/* write 1 byte into a pipe and read it back, same thread: no switch, no wake-up. */
static double measure_pipe_wr(void) {
  int p[2];
  if (pipe(p) != 0) die("pipe");
  long n = iters(200000);
  struct batches b;
  batches_init(&b, n);
  char c = 'x';
  for (long done = 0; done < n; done += BATCH) {
    int64_t t0 = now_ns();
    for (long i = 0; i < BATCH; i++) {
      if (write(p[1], &c, 1) != 1) die("write");
      if (read(p[0], &c, 1) != 1) die("read");
    }
    batches_add(&b, now_ns() - t0, BATCH);
  }
  close(p[0]);
  close(p[1]);
  return batches_done(&b, NULL);
}

/* epoll_wait with a 0 timeout on a set holding one idle pipe: Go's netpoll(0). */
static double measure_epoll0(void) {
  int p[2];
  if (pipe(p) != 0) die("pipe");
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = p[0]};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) die("epoll_ctl");
  long n = iters(200000);
  struct batches b;
  batches_init(&b, n);
  struct epoll_event out[8];
  for (long done = 0; done < n; done += BATCH) {
    int64_t t0 = now_ns();
    for (long i = 0; i < BATCH; i++)
      if (epoll_wait(ep, out, 8, 0) != 0) die("epoll_wait");
    batches_add(&b, now_ns() - t0, BATCH);
  }
  close(ep);
  close(p[0]);
  close(p[1]);
  return batches_done(&b, NULL);
}

/* pthread_kill(self, SIGURG) with an empty handler: the OS part of Go's async preemption. */
static volatile sig_atomic_t g_signals;
static void on_sigurg(int sig) {
  (void)sig;
  g_signals++;
}

static double measure_signal(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigurg;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGURG, &sa, NULL) != 0) die("sigaction");
  long n = iters(100000);
  struct batches b;
  batches_init(&b, n);
  pthread_t self = pthread_self();
  for (long done = 0; done < n; done += BATCH) {
    int64_t t0 = now_ns();
    for (long i = 0; i < BATCH; i++) pthread_kill(self, SIGURG);
    batches_add(&b, now_ns() - t0, BATCH);
  }
  signal(SIGURG, SIG_DFL);
  return batches_done(&b, NULL);
}

/* ---------- pipe ping-pong ---------- */

struct pp {
  int ab[2], ba[2]; /* pipe A->B, pipe B->A */
  int cpu_b;
};

static void *pp_partner(void *arg) {
  struct pp *pp = arg;
  pin_self(pp->cpu_b);
  char b;
  for (;;) {
    ssize_t r = read(pp->ab[0], &b, 1);
    if (r != 1) break; /* EOF: done */
    if (write(pp->ba[1], &b, 1) != 1) die("write");
  }
  return NULL;
}

/*
 * Ping-pong between the calling thread (pinned to cpu_a) and a partner (pinned to cpu_b), n
 * round trips after a warm-up. Returns ns per round trip (median of batch means; *mean gets the
 * overall mean); *sw_per_rt receives the calling thread's context switches (voluntary +
 * involuntary, from getrusage) per round trip.
 */
static double pingpong(int cpu_a, int cpu_b, long n, double *sw_per_rt, double *mean) {
  struct pp pp;
  if (pipe(pp.ab) != 0 || pipe(pp.ba) != 0) die("pipe");
  pp.cpu_b = cpu_b;
  pin_self(cpu_a);
  pthread_t th;
  if (pthread_create(&th, NULL, pp_partner, &pp) != 0) die("pthread_create");
  char c = 'x';
  long warm = n / 10 + 100;
  for (long i = 0; i < warm; i++) {
    if (write(pp.ab[1], &c, 1) != 1) die("write");
    if (read(pp.ba[0], &c, 1) != 1) die("read");
  }
  struct batches b;
  batches_init(&b, n);
  struct rusage r0, r1;
  getrusage(RUSAGE_THREAD, &r0);
  const long k = BATCH / 10; /* round trips per batch */
  for (long done = 0; done < n; done += k) {
    int64_t t0 = now_ns();
    for (long i = 0; i < k; i++) {
      if (write(pp.ab[1], &c, 1) != 1) die("write");
      if (read(pp.ba[0], &c, 1) != 1) die("read");
    }
    batches_add(&b, now_ns() - t0, k);
  }
  getrusage(RUSAGE_THREAD, &r1);
  long rts = b.total_iters;
  close(pp.ab[1]); /* partner sees EOF */
  pthread_join(th, NULL);
  close(pp.ab[0]);
  close(pp.ba[0]);
  close(pp.ba[1]);
  pin_self(-1);
  long sw = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw);
  *sw_per_rt = (double)sw / rts;
  return batches_done(&b, mean);
}

/* ---------- thread creation ---------- */

static void *empty_thread(void *arg) { return arg; }
/* ns of pthread_create (as seen by the creator) and of create + join, over n threads: the
 * median of the per-thread samples (one thread at a time, so a sample is one thread's life). */
static void measure_thread_create(long n, double *create, double *create_join) {
  pthread_t th;
  for (int i = 0; i < 20; i++) { /* warm glibc's stack cache */
    if (pthread_create(&th, NULL, empty_thread, NULL) != 0) die("pthread_create");
    pthread_join(th, NULL);
  }
  double *c = malloc(n * sizeof(double)), *cj = malloc(n * sizeof(double));
  for (long i = 0; i < n; i++) {
    int64_t t0 = now_ns();
    if (pthread_create(&th, NULL, empty_thread, NULL) != 0) die("pthread_create");
    int64_t t1 = now_ns();
    pthread_join(th, NULL);
    int64_t t2 = now_ns();
    c[i] = (double)(t1 - t0);
    cj[i] = (double)(t2 - t0);
  }
  *create = median_of(c, (int)n);
  *create_join = median_of(cj, (int)n);
  free(c);
  free(cj);
}

/* Threads of the growing-process measure: each records when it started, then blocks until
 * every thread of the round exists. */
static pthread_mutex_t grow_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t grow_cv = PTHREAD_COND_INITIALIZER;
static int grow_release;
static void *grow_thread(void *arg) {
  __atomic_store_n((int64_t *)arg, now_ns(), __ATOMIC_RELEASE);
  pthread_mutex_lock(&grow_mu);
  while (!grow_release) pthread_cond_wait(&grow_cv, &grow_mu);
  pthread_mutex_unlock(&grow_mu);
  return NULL;
}
/* Medians over n threads created 100 us apart while all stay alive: pthread_create as seen by
 * the creator, and from the call to the new thread's start. */
static void measure_thread_growth(long n, double *create, double *start) {
  pthread_t *th = malloc(n * sizeof(pthread_t));
  int64_t *began = calloc(n, sizeof(int64_t));
  double *c = malloc(n * sizeof(double)), *st = malloc(n * sizeof(double));
  struct timespec gap = {0, 100000};
  grow_release = 0;
  for (long i = 0; i < n; i++) {
    int64_t t0 = now_ns();
    int rc = pthread_create(&th[i], NULL, grow_thread, &began[i]);
    if (rc != 0) {
      errno = rc; /* pthread_create returns its error; die() prints errno */
      die("pthread_create");
    }
    int64_t t1 = now_ns();
    nanosleep(&gap, NULL);
    while (__atomic_load_n(&began[i], __ATOMIC_ACQUIRE) == 0) nanosleep(&gap, NULL);
    c[i] = (double)(t1 - t0);
    st[i] = (double)(began[i] - t0);
  }
  pthread_mutex_lock(&grow_mu);
  grow_release = 1;
  pthread_cond_broadcast(&grow_cv);
  pthread_mutex_unlock(&grow_mu);
  for (long i = 0; i < n; i++) pthread_join(th[i], NULL);
  *create = median_of(c, (int)n);
  *start = median_of(st, (int)n);
  free(th);
  free(began);
  free(c);
  free(st);
}

/* ---------- timer slack ---------- */

static const long SLEEP_REQ_NS[] = {50000, 100000, 200000, 500000, 1000000};
#define NREQ 5

/* One repetition: `per` sleeps of each requested length; fills per-request medians and
 * returns the median overshoot over all of this repetition's samples. */
static double measure_sleep_rep(int per, double *by_req) {
  double *all = malloc(sizeof(double) * per * NREQ);
  double *one = malloc(sizeof(double) * per);
  int k = 0;
  for (int r = 0; r < NREQ; r++) {
    for (int i = 0; i < per; i++) {
      struct timespec req = {0, SLEEP_REQ_NS[r]};
      int64_t t0 = now_ns();
      nanosleep(&req, NULL);
      double over = (double)(now_ns() - t0 - SLEEP_REQ_NS[r]);
      one[i] = over;
      all[k++] = over;
    }
    by_req[r] = median_of(one, per);
  }
  double m = median_of(all, k);
  free(all);
  free(one);
  return m;
}

static long read_long_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  if (fscanf(f, "%ld", &v) != 1) v = -1;
  fclose(f);
  return v;
}

/* ---------- main ---------- */

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) g_reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--quick")) g_scale = 0.2;
    else {
      fprintf(stderr, "usage: %s [--reps N] [--quick]\n", argv[0]);
      return 2;
    }
  }
  if (g_reps < 1) g_reps = 1;
  if (sched_getaffinity(0, sizeof g_allowed, &g_allowed) != 0) die("sched_getaffinity");
  int cpus[2] = {-1, -1}, ncpu = 0;
  for (int c = 0; c < CPU_SETSIZE && ncpu < 2; c++)
    if (CPU_ISSET(c, &g_allowed)) cpus[ncpu++] = c;

  int R = g_reps;
  double *getppid_v = calloc(R, sizeof(double)), *write0_v = calloc(R, sizeof(double));
  double *pipewr_v = calloc(R, sizeof(double));
  double *epoll_v = calloc(R, sizeof(double)), *signal_v = calloc(R, sizeof(double));
  double *rt_same = calloc(R, sizeof(double)), *rt_cross = calloc(R, sizeof(double));
  double *sw_same = calloc(R, sizeof(double)), *sw_cross = calloc(R, sizeof(double));
  double *rt_same_mean = calloc(R, sizeof(double)), *rt_cross_mean = calloc(R, sizeof(double));
  double *cs_v = calloc(R, sizeof(double)), *ipi_v = calloc(R, sizeof(double));
  double *extra_v = calloc(R, sizeof(double));
  double *tc_v = calloc(R, sizeof(double)), *tcj_v = calloc(R, sizeof(double));
  double *tcg_v = calloc(R, sizeof(double)), *tsg_v = calloc(R, sizeof(double));
  double *tcp_v = calloc(R, sizeof(double)), *tcpj_v = calloc(R, sizeof(double));
  double *slack_v = calloc(R, sizeof(double));
  double *slack_req[NREQ];
  for (int r = 0; r < NREQ; r++) slack_req[r] = calloc(R, sizeof(double));

  int devnull = open("/dev/null", O_WRONLY);
  if (devnull < 0) die("open /dev/null");

  /* The measurements are interleaved repetition by repetition, so that a burst of load from
   * elsewhere on the machine spreads over all figures instead of spoiling one of them. */
  double *load_v = calloc(R, sizeof(double));
  for (int rep = 0; rep < R; rep++) {
    struct load_mark m0, m1;
    load_mark(&m0);
    pin_self(cpus[0]);
    getppid_v[rep] = measure_getppid();
    write0_v[rep] = measure_write0(devnull);
    pipewr_v[rep] = measure_pipe_wr();
    epoll_v[rep] = measure_epoll0();
    signal_v[rep] = measure_signal();
    pin_self(-1);

    rt_same[rep] = pingpong(cpus[0], cpus[0], iters(40000), &sw_same[rep], &rt_same_mean[rep]);
    cs_v[rep] = rt_same[rep] / 2 - pipewr_v[rep];
    if (ncpu >= 2) {
      rt_cross[rep] = pingpong(cpus[0], cpus[1], iters(10000), &sw_cross[rep], &rt_cross_mean[rep]);
      ipi_v[rep] = rt_cross[rep] / 2 - pipewr_v[rep];
      extra_v[rep] = (rt_cross[rep] - rt_same[rep]) / 2;
    }

    measure_thread_create(iters(2000), &tc_v[rep], &tcj_v[rep]);
    pin_self(cpus[0]);
    measure_thread_create(iters(2000), &tcp_v[rep], &tcpj_v[rep]);
    pin_self(-1);
    measure_thread_growth(iters(400), &tcg_v[rep], &tsg_v[rep]);

    double by_req[NREQ];
    slack_v[rep] = measure_sleep_rep(g_scale < 1 ? 6 : 20, by_req);
    for (int r = 0; r < NREQ; r++) slack_req[r][rep] = by_req[r];
    load_mark(&m1);
    load_v[rep] = other_load(&m0, &m1);
  }

  /* Which repetitions count for the costs: the quiet ones if there are at least 3. */
  int nquiet = 0;
  for (int rep = 0; rep < R; rep++)
    if (load_v[rep] >= 0 && load_v[rep] < 0.10) nquiet++;
  int use_quiet = nquiet >= 3;
  g_use = calloc(R, sizeof(int));
  for (int rep = 0; rep < R; rep++) g_use[rep] = !use_quiet || (load_v[rep] >= 0 && load_v[rep] < 0.10);

  double med_cs = median_used(cs_v, R);
  double med_ipi = ncpu >= 2 ? median_used(ipi_v, R) : -1;
  double med_tc = median_used(tc_v, R);
  double med_sc = median_used(getppid_v, R);
  double med_sl = median_used(slack_v, R);

  printf("{\n");
  printf("  \"costs\": {\"contextSwitch\": %.0f, ", med_cs);
  if (ncpu >= 2) printf("\"wakeupIpi\": %.0f, ", med_ipi);
  else printf("\"wakeupIpi\": null, ");
  printf("\"threadCreate\": %.0f, \"syscall\": %.0f, \"timerSlack\": %.0f},\n", med_tc, med_sc, med_sl);
  printf("  \"reps\": %d,\n", R);
  printf("  \"quietReps\": %d,\n", nquiet);
  printf("  \"costsFrom\": \"%s\",\n", use_quiet ? "quiet repetitions" : "all repetitions (fewer than 3 were quiet)");
  printf("  \"otherCpuPerRep\": [");
  for (int rep = 0; rep < R; rep++) printf("%s%.2f", rep ? ", " : "", load_v[rep]);
  printf("],\n");
  printf("  \"cpusUsed\": [%d, %d],\n", cpus[0], cpus[1]);
  printf("  \"timerslackNs\": %ld,\n", read_long_file("/proc/self/timerslack_ns"));
  printf("  \"detail\": {\n");
  print_stat("contextSwitch", cs_v, R, 0);
  if (ncpu >= 2) {
    print_stat("wakeupIpi", ipi_v, R, 0);
    print_stat("crossExtra", extra_v, R, 0);
    print_stat("roundTripCross", rt_cross, R, 0);
    print_stat("roundTripCrossMean", rt_cross_mean, R, 0);
  }
  print_stat("roundTripSame", rt_same, R, 0);
  print_stat("roundTripSameMean", rt_same_mean, R, 0);
  print_stat("pipeWriteRead", pipewr_v, R, 0);
  print_stat("syscall", getppid_v, R, 0);
  print_stat("write0", write0_v, R, 0);
  print_stat("epollWait0", epoll_v, R, 0);
  print_stat("signal", signal_v, R, 0);
  print_stat("threadCreate", tc_v, R, 0);
  print_stat("threadCreateJoin", tcj_v, R, 0);
  print_stat("threadCreatePinned", tcp_v, R, 0);
  print_stat("threadCreateJoinPinned", tcpj_v, R, 0);
  print_stat("threadCreateGrowing", tcg_v, R, 0);
  print_stat("threadStartGrowing", tsg_v, R, 0);
  print_stat("timerSlack", slack_v, R, 0);
  for (int r = 0; r < NREQ; r++) {
    char name[64];
    snprintf(name, sizeof name, "sleepOvershoot%ldus", SLEEP_REQ_NS[r] / 1000);
    print_stat(name, slack_req[r], R, 0);
  }
  /* Context switches of the measuring thread per round trip (getrusage, voluntary +
   * involuntary): ~1 in both set-ups (it leaves the CPU once per round trip, either blocking in
   * read or preempted by the partner it woke). A sanity check that every round trip really
   * switched threads. */
  print_stat_p("switchesPerRoundTripSame", sw_same, R, ncpu < 2, 3);
  if (ncpu >= 2) print_stat_p("switchesPerRoundTripCross", sw_cross, R, 1, 3);
  printf("  }\n}\n");
  return 0;
}
