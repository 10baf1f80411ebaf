// blocking: 1000 goroutines wait for about 1 s, in one of several ways, and the program reports
// how many OS threads the Go runtime needed (peak of /proc/self/status "Threads", and the
// runtime/pprof "threadcreate" profile count).
//
//	go build -o blocking . && ./blocking [-mode all|nanosleep|read|sleep|netpoll] [-n 1000] [-wait 1s]
//
// Modes:
//
//	nanosleep  each goroutine makes a blocking system call, syscall.Syscall(SYS_NANOSLEEP, 1 s).
//	           The goroutine's M stays in the kernel; sysmon retakes its P (retake, after
//	           20 us–10 ms) and hands it to another M, so every blocked goroutine ends up
//	           holding its own OS thread: about n threads.
//	read       each goroutine does a blocking read(2) on the read end of one shared pipe (a raw
//	           fd, not registered with the netpoller), which is written n bytes after `wait`.
//	           Same outcome as nanosleep: about n threads.
//	sleep      each goroutine calls time.Sleep(wait): a timer on its P, the goroutine parks and
//	           no thread blocks: the thread count stays near GOMAXPROCS.
//	netpoll    each goroutine reads from its own os.Pipe (non-blocking fds registered with the
//	           netpoller), written after `wait`: the goroutines park in the netpoller, at most
//	           one M blocks in epoll_wait: the thread count stays near GOMAXPROCS.
//
// With -mode all (the default) the program runs each mode in a fresh child process of itself,
// with GODEBUG=schedtrace=100, and prints one JSON object with all results and samples of the
// schedtrace lines (threads=, idlethreads=, runqueue=...).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Result of one mode.
type Result struct {
	Mode              string   `json:"mode"`
	Goroutines        int      `json:"goroutines"`
	Gomaxprocs        int      `json:"gomaxprocs"`
	ThreadsBefore     int      `json:"threadsBefore"`
	PeakThreads       int      `json:"peakThreads"`
	ThreadsAfter      int      `json:"threadsAfter"`
	ThreadcreateCount int      `json:"threadcreateProfile"`
	ElapsedMs         float64  `json:"elapsedMs"`
	LastStartMs       float64  `json:"lastGoroutineStartedMs"`
	Schedtrace        []string `json:"schedtraceSamples,omitempty"`
}

// threads reads the number of OS threads of this process from /proc/self/status.
func threads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Threads:")))
			return n
		}
	}
	return -1
}

func runMode(mode string, n int, wait time.Duration) Result {
	res := Result{Mode: mode, Goroutines: n, Gomaxprocs: runtime.GOMAXPROCS(0), ThreadsBefore: threads()}

	// A sampler on its own locked OS thread (so it runs even if every P is busy) records the
	// peak thread count every millisecond.
	var peak int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for {
			if t := int64(threads()); t > atomic.LoadInt64(&peak) {
				atomic.StoreInt64(&peak, t)
			}
			select {
			case <-stop:
				close(sampled)
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	wg.Add(n)
	t0 := time.Now()
	// started records when the last goroutine began its wait (ns since t0): with blocking
	// syscalls the goroutines can only start as fast as the runtime hands Ps to new threads.
	var lastStart int64
	started := func() {
		d := int64(time.Since(t0))
		for {
			old := atomic.LoadInt64(&lastStart)
			if d <= old || atomic.CompareAndSwapInt64(&lastStart, old, d) {
				return
			}
		}
	}
	switch mode {
	case "nanosleep":
		ts := syscall.Timespec{Sec: int64(wait / time.Second), Nsec: int64(wait % time.Second)}
		for i := 0; i < n; i++ {
			go func() {
				defer wg.Done()
				started()
				// syscall.Syscall = entersyscall + raw syscall + exitsyscall: a blocking call.
				syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
			}()
		}
	case "read":
		var p [2]int
		if err := syscall.Pipe(p[:]); err != nil { // blocking fds, not in the netpoller
			panic(err)
		}
		for i := 0; i < n; i++ {
			go func() {
				defer wg.Done()
				started()
				var b [1]byte
				if _, err := syscall.Read(p[0], b[:]); err != nil {
					panic(err)
				}
			}()
		}
		go func() {
			time.Sleep(wait)
			if _, err := syscall.Write(p[1], make([]byte, n)); err != nil {
				panic(err)
			}
		}()
	case "sleep":
		for i := 0; i < n; i++ {
			go func() {
				defer wg.Done()
				started()
				time.Sleep(wait)
			}()
		}
	case "netpoll":
		writers := make([]*os.File, n)
		for i := 0; i < n; i++ {
			r, w, err := os.Pipe() // non-blocking, registered with the netpoller
			if err != nil {
				panic(err)
			}
			writers[i] = w
			go func() {
				defer wg.Done()
				started()
				var b [1]byte
				if _, err := r.Read(b[:]); err != nil {
					panic(err)
				}
				r.Close()
			}()
		}
		go func() {
			time.Sleep(wait)
			for _, w := range writers {
				if _, err := w.Write([]byte{1}); err != nil {
					panic(err)
				}
				w.Close()
			}
		}()
	default:
		fmt.Fprintf(os.Stderr, "blocking: unknown mode %q (nanosleep, read, sleep, netpoll, all)\n", mode)
		os.Exit(2)
	}
	wg.Wait()
	res.ElapsedMs = float64(time.Since(t0).Microseconds()) / 1000
	res.LastStartMs = float64(atomic.LoadInt64(&lastStart)/1000) / 1000
	close(stop)
	<-sampled
	res.PeakThreads = int(atomic.LoadInt64(&peak))
	res.ThreadsAfter = threads()
	res.ThreadcreateCount = pprof.Lookup("threadcreate").Count()
	return res
}

// sampleSchedtrace keeps the SCHED lines of GODEBUG=schedtrace output, at most `max` of them,
// spread evenly over the run.
func sampleSchedtrace(stderr []byte, max int) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "SCHED") {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) <= max {
		return lines
	}
	out := make([]string, 0, max)
	for i := 0; i < max; i++ {
		out = append(out, lines[i*(len(lines)-1)/(max-1)])
	}
	return out
}

func main() {
	mode := flag.String("mode", "all", "nanosleep, read, sleep, netpoll or all")
	n := flag.Int("n", 1000, "goroutines")
	wait := flag.Duration("wait", time.Second, "how long each goroutine waits")
	flag.Parse()
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if *mode != "all" {
		if err := enc.Encode(runMode(*mode, *n, *wait)); err != nil {
			panic(err)
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	out := map[string]interface{}{"goVersion": runtime.Version(), "numCPU": runtime.NumCPU()}
	var results []Result
	for _, m := range []string{"nanosleep", "read", "sleep", "netpoll"} {
		cmd := exec.Command(self, "-mode", m, "-n", strconv.Itoa(*n), "-wait", wait.String())
		cmd.Env = append(os.Environ(), "GODEBUG=schedtrace=100")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "blocking: mode %s: %v\n%s", m, err, stderr.String())
			os.Exit(1)
		}
		var r Result
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			panic(err)
		}
		r.Schedtrace = sampleSchedtrace(stderr.Bytes(), 6)
		results = append(results, r)
	}
	out["results"] = results
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
