// quota: a Go server under a CPU quota, at a given GOMAXPROCS, with its requests arriving over
// the network from a process outside the quota.
//
// Run without -serve, the program is the client: it starts itself again with -serve, moves
// that server into the cgroup given by -cgroup (writing its pid to cgroup.procs; the cgroup's
// quota is set by the caller, validation/run.sh: one CPU's worth, 100 ms per 100 ms), and sends
// it UDP datagrams on the loopback at fixed times, each carrying its send time:
//
//	light: every 100 ms a request; the server fans it out to 2 goroutines computing 20 ms each
//	       and waits for both (40 ms of CPU per 100 ms: under a quota of one CPU).
//	heavy: every 10 ms a request (compute 1 ms, sleep 2 ms, compute 1 ms), and every 500 ms a
//	       job of 2 goroutines computing 75 ms each (150 ms of CPU: above the quota within one
//	       period if it can run on two CPUs).
//
// The server's reader goroutine starts one goroutine per datagram; a request's latency runs
// from its send time to its end, so time the server spends throttled counts, as it does for a
// real server. The client is outside the cgroup, so its sending is not throttled. The
// computing is a loop calibrated at start-up (iterations per ms); the garbage collector is off
// (schedlab has none). The client reads the cgroup's cpu.stat before and after (periods,
// throttled periods, time throttled summed over the CPUs), watches it during the run for where
// the quota's periods fall (phaseUs), and prints one JSON object. -trace FILE also writes the
// server's runtime trace of the run, to see where a request's time goes (go tool trace).
//
//	go build -o quota . && ./quota -cgroup /sys/fs/cgroup/cpu/NAME -procs 2 -mode heavy [-requests 200] [-trace FILE]
//
// The real counterpart of validation/scenarios/go-quota.yaml (docs/validation.md, experiment f).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"schedlab.dev/validation/go/internal/stats"
)

var sink uint64

// spin runs n iterations of a loop with no calls (preemptible only asynchronously, as a real
// compute loop).
func spin(n int64) {
	x := uint64(n)
	for i := int64(0); i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink += x
}

// calibrate returns the iterations of spin per millisecond: the fastest of 15 runs of about
// 2 ms (the least disturbed one).
func calibrate() float64 {
	n := int64(100000)
	for {
		t0 := time.Now()
		spin(n)
		if time.Since(t0) > 2*time.Millisecond {
			break
		}
		n *= 2
	}
	best := 0.0
	for i := 0; i < 15; i++ {
		t0 := time.Now()
		spin(n)
		perMs := float64(n) / (float64(time.Since(t0)) / 1e6)
		if perMs > best {
			best = perMs
		}
	}
	return best
}

// Datagram kinds: byte 0, then the send time (Unix ns, little-endian) in bytes 1-8, then the
// request's number (little-endian uint32) in bytes 9-12.
const (
	kindRequest = 1
	kindJob     = 2
	kindEnd     = 3
)

// serverResult is what the server prints on stdout when the client's end datagram arrives
// and every request and job has finished.
type serverResult struct {
	GoVersion string     `json:"goVersion"`
	Requests  stats.Dist `json:"requests"`
	// Each request's latency in µs, in the order sent.
	ByRequest []int64 `json:"latencyUsByRequest"`
	Jobs      int     `json:"jobs"`
	SpinPerMs float64 `json:"spinPerMs"`
	// Light load: the wall time of each 20 ms part (its compute, plus any time off a CPU).
	PartWall stats.Dist `json:"partWall"`
	// The server's CPU time (user + system) and context switches from its first datagram to
	// its last request's end.
	CPUMs               float64 `json:"cpuMs"`
	VoluntarySwitches   int64   `json:"voluntarySwitches"`
	InvoluntarySwitches int64   `json:"involuntarySwitches"`
}

// serve: bind a UDP port on the loopback, calibrate, print the port, then start a goroutine per
// datagram until the end datagram.
func serve(mode, tracePath string) {
	debug.SetGCPercent(-1)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
		os.Exit(1)
	}
	// Wait for the client to have moved this process into the cgroup, then calibrate there.
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
		os.Exit(1)
	}
	perMs := calibrate()
	if tracePath != "" {
		// A runtime trace of the run (go tool trace), from after the calibration.
		tf, err := os.Create(tracePath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
			os.Exit(1)
		}
		if err := trace.Start(tf); err != nil {
			fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
			os.Exit(1)
		}
		defer func() {
			trace.Stop()
			_ = tf.Close()
		}()
	}
	compute := func(ms float64) { spin(int64(ms * perMs)) }
	var mu sync.Mutex
	var latencies []float64
	var byRequest []int64
	var parts []float64
	var ru0 syscall.Rusage
	started := false
	jobs := 0
	record := func(idx int, d int64) {
		mu.Lock()
		latencies = append(latencies, float64(d))
		for len(byRequest) <= idx {
			byRequest = append(byRequest, -1)
		}
		byRequest[idx] = d / 1000
		mu.Unlock()
	}
	var all sync.WaitGroup
	fmt.Printf("%d\n", conn.LocalAddr().(*net.UDPAddr).Port)
	buf := make([]byte, 64)
	// The client kills this process if a run takes a minute; the deadline is for a client
	// that died first.
	if err := conn.SetReadDeadline(time.Now().Add(60 * time.Second)); err != nil {
		fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
		os.Exit(1)
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "quota server: %v\n", err)
			os.Exit(1)
		}
		if n < 13 {
			continue
		}
		if !started {
			started = true
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		}
		sent := int64(binary.LittleEndian.Uint64(buf[1:9]))
		idx := int(binary.LittleEndian.Uint32(buf[9:13]))
		kind := buf[0]
		if kind == kindEnd {
			break
		}
		all.Add(1)
		switch {
		case kind == kindJob:
			jobs++
			go func() {
				defer all.Done()
				var wg sync.WaitGroup
				wg.Add(2)
				for k := 0; k < 2; k++ {
					go func() { defer wg.Done(); compute(75) }()
				}
				wg.Wait()
			}()
		case mode == "light":
			go func() {
				defer all.Done()
				var wg sync.WaitGroup
				wg.Add(2)
				for k := 0; k < 2; k++ {
					go func() {
						defer wg.Done()
						c0 := time.Now()
						compute(20)
						d := float64(time.Since(c0))
						mu.Lock()
						parts = append(parts, d)
						mu.Unlock()
					}()
				}
				wg.Wait()
				record(idx, time.Now().UnixNano()-sent)
			}()
		default:
			go func() {
				defer all.Done()
				compute(1)
				time.Sleep(2 * time.Millisecond)
				compute(1)
				record(idx, time.Now().UnixNano()-sent)
			}()
		}
	}
	all.Wait()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := func(r syscall.Rusage) float64 {
		return float64(r.Utime.Sec+r.Stime.Sec)*1e3 + float64(r.Utime.Usec+r.Stime.Usec)/1e3
	}
	res := serverResult{runtime.Version(), stats.Summarize(latencies), byRequest, jobs, perMs, stats.Summarize(parts), cpu(ru1) - cpu(ru0), ru1.Nvcsw - ru0.Nvcsw, ru1.Nivcsw - ru0.Nivcsw}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		panic(err)
	}
}

// cpuStat reads a cgroup's cpu.stat (v1: throttled_time in ns; v2: throttled_usec).
func cpuStat(path string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 {
			if v, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
				out[fields[0]] = v
			}
		}
	}
	return out, sc.Err()
}

// periodOf reads the cgroup's quota period (v2: cpu.max "QUOTA PERIOD"; v1: cpu.cfs_period_us).
func periodOf(cgroup string) (time.Duration, error) {
	if b, err := os.ReadFile(filepath.Join(cgroup, "cpu.max")); err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			if us, err := strconv.ParseInt(f[1], 10, 64); err == nil && us > 0 {
				return time.Duration(us) * time.Microsecond, nil
			}
		}
		return 0, fmt.Errorf("cpu.max reads %q", strings.TrimSpace(string(b)))
	}
	b, err := os.ReadFile(filepath.Join(cgroup, "cpu.cfs_period_us"))
	if err != nil {
		return 0, err
	}
	us, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || us <= 0 {
		return 0, fmt.Errorf("cpu.cfs_period_us reads %q", strings.TrimSpace(string(b)))
	}
	return time.Duration(us) * time.Microsecond, nil
}

// watchPeriods polls cpu.stat's nr_periods about every 200 µs until stop is closed, and sends
// on done the times, since t0, at which it saw the count grow: each is a firing of the
// cgroup's period timer (a refill), seen up to a poll late.
func watchPeriods(statPath string, t0 time.Time, stop <-chan struct{}, done chan<- []time.Duration) {
	var edges []time.Duration
	last := int64(-1)
	for {
		select {
		case <-stop:
			done <- edges
			return
		default:
		}
		if s, err := cpuStat(statPath); err == nil {
			n := s["nr_periods"]
			if last >= 0 && n > last {
				edges = append(edges, time.Since(t0))
			}
			last = n
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// phaseOf estimates where the periods fall against t0, in [0, period): the period timer fires
// at phase + k × period, and each edge is seen a little after it, so the estimate is the edge
// seen earliest within its period (residues compared around the circle, so a phase near the
// period's end works too). -1 when no edge was seen.
func phaseOf(edges []time.Duration, period time.Duration) time.Duration {
	if len(edges) == 0 {
		return -1
	}
	res := func(d time.Duration) time.Duration { return ((d % period) + period) % period }
	ref := res(edges[0])
	best := time.Duration(0)
	for _, e := range edges {
		off := res(res(e)-ref+period/2) - period/2
		if off < best {
			best = off
		}
	}
	return res(ref + best)
}

func throttledNs(s map[string]int64) int64 {
	if v, ok := s["throttled_time"]; ok {
		return v
	}
	return s["throttled_usec"] * 1000
}

// server is the server process once started: fail kills it, so that no process is left in
// the cgroup (validation/run.sh removes the cgroup afterwards).
var server *exec.Cmd

func fail(format string, a ...interface{}) {
	if server != nil && server.Process != nil {
		_ = server.Process.Kill()
		_ = server.Wait()
	}
	fmt.Fprintf(os.Stderr, "quota: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	procs := flag.Int("procs", runtime.NumCPU(), "the server's GOMAXPROCS")
	mode := flag.String("mode", "heavy", "light or heavy")
	requests := flag.Int("requests", 0, "requests to send (default: 20 light, 200 heavy: about 2 s)")
	cgroup := flag.String("cgroup", "", "the cgroup directory to run the server in (with cgroup.procs and cpu.stat)")
	isServer := flag.Bool("serve", false, "(internal) run as the server")
	tracePath := flag.String("trace", "", "write the server's runtime trace of the run to this file (go tool trace)")
	flag.Parse()
	if *mode != "light" && *mode != "heavy" {
		fmt.Fprintf(os.Stderr, "quota: -mode must be light or heavy, not %q\n", *mode)
		os.Exit(2)
	}
	if *isServer {
		serve(*mode, *tracePath)
		return
	}
	if *procs < 1 || *cgroup == "" {
		fmt.Fprintf(os.Stderr, "quota: -procs must be at least 1 and -cgroup is required (got %d, %q)\n", *procs, *cgroup)
		os.Exit(2)
	}
	n := *requests
	if n <= 0 {
		n = 20
		if *mode == "heavy" {
			n = 200
		}
	}
	period := 10 * time.Millisecond
	if *mode == "light" {
		period = 100 * time.Millisecond
	}
	self, err := os.Executable()
	if err != nil {
		fail("%v", err)
	}
	cmd := exec.Command(self, "-serve", "-mode", *mode, "-trace", *tracePath)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(*procs))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail("%v", err)
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	out := bufio.NewReader(stdoutPipe)
	if err := cmd.Start(); err != nil {
		fail("%v", err)
	}
	server = cmd
	// Nothing here should take a minute (a run is about 2.5 s): a lost datagram or a stuck
	// server ends the run with an error instead of hanging.
	time.AfterFunc(60*time.Second, func() { fail("timed out after 60 s (a lost end datagram, or a stuck server)") })
	if err := os.WriteFile(filepath.Join(*cgroup, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0); err != nil {
		fail("moving the server into the cgroup: %v", err)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		fail("%v", err)
	}
	line, err := out.ReadString('\n')
	if err != nil {
		fail("the server did not start: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		fail("the server printed %q, not a port", line)
	}
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		fail("%v", err)
	}
	statPath := filepath.Join(*cgroup, "cpu.stat")
	before, err := cpuStat(statPath)
	if err != nil {
		fail("%v", err)
	}
	quotaPeriod, err := periodOf(*cgroup)
	if err != nil {
		fail("reading the quota's period: %v", err)
	}
	send := func(kind byte, idx int) {
		var b [13]byte
		b[0] = kind
		binary.LittleEndian.PutUint64(b[1:9], uint64(time.Now().UnixNano()))
		binary.LittleEndian.PutUint32(b[9:13], uint32(idx))
		if _, err := conn.Write(b[:]); err != nil {
			fail("send: %v", err)
		}
	}
	// Requests at t0 + i×period, i = 1..n; in heavy mode a job at every 500 ms as well (one per
	// 50 requests), sent just after that instant's request.
	t0 := time.Now()
	// Where the quota's periods fall against t0 (Linux's period timer runs on multiples of the
	// period of the monotonic clock, so each run meets them at its own phase).
	stopWatch := make(chan struct{})
	edgesCh := make(chan []time.Duration, 1)
	go watchPeriods(statPath, t0, stopWatch, edgesCh)
	jobs := 0
	for i := 1; i <= n; i++ {
		at := t0.Add(time.Duration(i) * period)
		time.Sleep(time.Until(at))
		send(kindRequest, i-1)
		if *mode == "heavy" && i%50 == 0 {
			send(kindJob, 0)
			jobs++
		}
	}
	send(kindEnd, 0)
	close(stopWatch)
	edges := <-edgesCh
	var phaseUs interface{} // null when no period edge was seen
	if ph := phaseOf(edges, quotaPeriod); ph >= 0 {
		phaseUs = float64(ph.Nanoseconds()) / 1000
	}
	var res serverResult
	if err := json.NewDecoder(out).Decode(&res); err != nil {
		fail("reading the server's result: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		fail("the server: %v", err)
	}
	elapsed := time.Since(t0)
	after, err := cpuStat(statPath)
	if err != nil {
		fail("%v", err)
	}
	if res.Requests.Count != n || res.Jobs != jobs {
		fail("the server got %d requests and %d jobs of %d and %d sent (datagrams lost on the loopback)", res.Requests.Count, res.Jobs, n, jobs)
	}
	result := map[string]interface{}{
		"goVersion":          res.GoVersion,
		"gomaxprocs":         *procs,
		"mode":               *mode,
		"numCPU":             runtime.NumCPU(),
		"requests":           res.Requests,
		"latencyUsByRequest": res.ByRequest,
		"jobs":               jobs,
		"elapsedMs":          float64(elapsed.Microseconds()) / 1000,
		"spinPerMs":          res.SpinPerMs,
		"server": map[string]interface{}{
			"cpuMs":               res.CPUMs,
			"voluntarySwitches":   res.VoluntarySwitches,
			"involuntarySwitches": res.InvoluntarySwitches,
			"partWall":            res.PartWall,
		},
		"quotaPeriodUs":   quotaPeriod.Microseconds(),
		"periodEdgesSeen": len(edges),
		"phaseUs":         phaseUs,
		"throttled": map[string]int64{
			"periods":          after["nr_periods"] - before["nr_periods"],
			"throttledPeriods": after["nr_throttled"] - before["nr_throttled"],
			"throttledNs":      throttledNs(after) - throttledNs(before),
		},
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(result); err != nil {
		panic(err)
	}
}
