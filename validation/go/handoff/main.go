// handoff: where the time of one syscall handoff goes in the real Go runtime.
//
//	go build -o handoff . && ./handoff [-n 200] [-procs 1,2]
//
// n goroutines each make a blocking system call (syscall.Syscall(SYS_NANOSLEEP, 1 s)) under
// the runtime's execution tracer (runtime/trace). Each one holds its M in the kernel, so sysmon
// must retake the P (retake), hand it off (handoffp → startm) and start a new M (newm) before
// the next goroutine can run and enter its own system call. The program runs itself once per
// GOMAXPROCS value as a child that writes the trace, reads the trace back with `go tool trace
// -d` (the event dump of Go 1.19–1.21's tracer) and splits every handoff on P0 into:
//
//	allocm   ProcStart → ProcStop of sysmon's M: newm's allocm borrows the P for its allocations
//	         (m, g0 stack, gsignal) when the caller has none, as sysmon has none
//	start    sysmon's ProcStop → the new M's ProcStart: newosproc's clone, the new thread's
//	         start on a CPU, mstart/minit, until mstart1 acquires the P
//	hold     GoSysBlock → the new M's ProcStart: the retake until the new M holds the P
//	         (allocm + start, and what lies between them)
//	run      the new M's ProcStart → the next goroutine's GoSysCall
//	detect   that GoSysCall → the next GoSysBlock: from the goroutine entering its syscall to
//	         sysmon's retake (sysmon sees the same syscalltick at two looks, 20 µs usleep apart
//	         plus timer lateness)
//	handoff  GoSysBlock → the next GoSysBlock: one whole cycle
//
// and prints one JSON object with their quantiles (µs) per GOMAXPROCS.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// Quantiles of one part, in µs.
type Quantiles struct {
	Count int     `json:"count"`
	P10   float64 `json:"p10"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
}

// Result for one GOMAXPROCS.
type Result struct {
	Gomaxprocs int                  `json:"gomaxprocs"`
	Goroutines int                  `json:"goroutines"`
	Handoffs   int                  `json:"handoffsMeasured"`
	Skipped    int                  `json:"handoffsSkipped"`
	PartsUs    map[string]Quantiles `json:"partsUs"`
}

func child(n int, out string) {
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	wg.Add(n)
	ts := syscall.Timespec{Sec: 1}
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
		}()
	}
	wg.Wait()
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
}

type event struct {
	ts     int64
	kind   string
	p      int
	thread int // ProcStart's M id, else -1
}

// parse reads `go tool trace -d` lines: "<ts> <Kind> p=<P> g=<G> off=<off> [args]".
func parse(dump []byte) ([]event, error) {
	var evs []event
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		ts, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || !strings.HasPrefix(f[2], "p=") {
			continue
		}
		p, err := strconv.Atoi(strings.TrimPrefix(f[2], "p="))
		if err != nil {
			continue
		}
		e := event{ts: ts, kind: f[1], p: p, thread: -1}
		for _, a := range f[3:] {
			if strings.HasPrefix(a, "thread=") {
				e.thread, _ = strconv.Atoi(strings.TrimPrefix(a, "thread="))
			}
		}
		evs = append(evs, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading `go tool trace -d` output: %v", err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("no events in `go tool trace -d` output (this program reads the event dump of Go 1.19–1.21's tracer)")
	}
	return evs, nil
}

func quantiles(xs []int64) Quantiles {
	if len(xs) == 0 {
		return Quantiles{}
	}
	sort.Slice(xs, func(a, b int) bool { return xs[a] < xs[b] })
	q := func(f float64) float64 { return float64(xs[int(f*float64(len(xs)-1))]) / 1e3 }
	return Quantiles{Count: len(xs), P10: q(0.1), P50: q(0.5), P90: q(0.9)}
}

// analyse splits each handoff on P0 (the events between one GoSysBlock and the next) into its
// parts. Only handoffs of the expected shape are measured: retake's ProcStop, sysmon's M
// borrowing the P for allocm (ProcStart, ProcStop), the new M acquiring it (ProcStart, another
// M), then the next goroutine's GoStart and GoSysCall, in that order. Others — the P handed to
// an idle M (no allocm), a stop-the-world, anything in between — are counted as skipped.
func analyse(evs []event, procs, n int) Result {
	var blocks []int
	for i, e := range evs {
		if e.kind == "GoSysBlock" && e.p == 0 {
			blocks = append(blocks, i)
		}
	}
	want := []string{"ProcStop", "ProcStart", "ProcStop", "ProcStart", "GoStart", "GoSysCall"}
	parts := map[string][]int64{}
	skipped := 0
	for k := 0; k+1 < len(blocks); k++ {
		t0 := evs[blocks[k]].ts
		var seg []event
		for _, e := range evs[blocks[k]+1 : blocks[k+1]] {
			if e.p == 0 && e.kind != "HeapAlloc" && e.kind != "NextGC" {
				seg = append(seg, e)
			}
		}
		ok := len(seg) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = seg[i].kind == want[i]
		}
		// The borrowing M (sysmon) and the new M are two different Ms.
		if !ok || seg[1].thread == seg[3].thread {
			skipped++
			continue
		}
		borrow, borrowEnd, hold, sysCall := seg[1], seg[2], seg[3], seg[5]
		next := evs[blocks[k+1]].ts
		parts["allocm"] = append(parts["allocm"], borrowEnd.ts-borrow.ts)
		parts["start"] = append(parts["start"], hold.ts-borrowEnd.ts)
		parts["hold"] = append(parts["hold"], hold.ts-t0)
		parts["run"] = append(parts["run"], sysCall.ts-hold.ts)
		parts["detect"] = append(parts["detect"], next-sysCall.ts)
		parts["handoff"] = append(parts["handoff"], next-t0)
	}
	res := Result{Gomaxprocs: procs, Goroutines: n, Handoffs: len(parts["handoff"]), Skipped: skipped, PartsUs: map[string]Quantiles{}}
	for name, xs := range parts {
		res.PartsUs[name] = quantiles(xs)
	}
	return res
}

func main() {
	n := flag.Int("n", 200, "goroutines (each a blocking 1 s nanosleep)")
	procs := flag.String("procs", "1,2", "GOMAXPROCS values, comma-separated")
	childOut := flag.String("child", "", "(internal) run the goroutines and write the trace here")
	flag.Parse()
	if *childOut != "" {
		child(*n, *childOut)
		return
	}
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "handoff")
	if err != nil {
		panic(err)
	}
	// fail removes the temporary traces too (os.Exit skips deferred calls).
	fail := func(code int, format string, a ...interface{}) {
		fmt.Fprintf(os.Stderr, format, a...)
		os.RemoveAll(dir)
		os.Exit(code)
	}
	defer os.RemoveAll(dir)
	out := map[string]interface{}{"goVersion": runtime.Version()}
	var results []Result
	for _, s := range strings.Split(*procs, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || p < 1 {
			fail(2, "handoff: -procs %q: %q is not a GOMAXPROCS value (a whole number ≥ 1)\n", *procs, s)
		}
		tr := filepath.Join(dir, fmt.Sprintf("trace-%d.out", p))
		cmd := exec.Command(self, "-n", strconv.Itoa(*n), "-child", tr)
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", p))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fail(1, "handoff: GOMAXPROCS=%d: %v\n", p, err)
		}
		dump, err := exec.Command("go", "tool", "trace", "-d", tr).Output()
		if err != nil {
			fail(1, "handoff: go tool trace -d: %v\n", err)
		}
		evs, err := parse(dump)
		if err != nil {
			fail(1, "handoff: %v\n", err)
		}
		results = append(results, analyse(evs, p, *n))
	}
	out["runs"] = results
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
