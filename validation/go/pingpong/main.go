// pingpong: two goroutines bounce a value over two unbuffered channels for a fixed time, at
// GOMAXPROCS=1 and at GOMAXPROCS=2, and report goroutine switches per second (two switches per
// round trip: each side blocks in a receive and is readied by the other's send).
//
//	go build -o pingpong . && ./pingpong [-duration 1s] [-procs 1,2]
//
// At GOMAXPROCS=1 the whole exchange is the runtime alone (the readied goroutine goes to
// runnext of the sender's P and runs when the sender blocks). At GOMAXPROCS=2 the second P's M
// may be woken to steal the readied goroutine, so the OS (futex wake-ups, idle CPUs) joins in.
// Prints one JSON object. Also reports the OS threads' context switches during the run
// (/proc/self/status voluntary_ctxt_switches + nonvoluntary_ctxt_switches of all threads) and
// the process's CPU time per switch (cpuNsPerSwitch; /proc/self/stat, 10 ms resolution).
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// osSwitches sums voluntary and involuntary context switches over all threads of the process.
func osSwitches() int64 {
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return -1
	}
	var total int64
	for _, d := range dirs {
		b, err := os.ReadFile("/proc/self/task/" + d.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "voluntary_ctxt_switches:") || strings.HasPrefix(line, "nonvoluntary_ctxt_switches:") {
				f := strings.Fields(line)
				n, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
				total += n
			}
		}
	}
	return total
}

type result struct {
	Gomaxprocs        int     `json:"gomaxprocs"`
	RoundTrips        int64   `json:"roundTrips"`
	Seconds           float64 `json:"seconds"`
	SwitchesPerSecond float64 `json:"switchesPerSecond"`
	NsPerSwitch       float64 `json:"nsPerSwitch"`
	OSContextSwitches int64   `json:"osContextSwitches"`
	CPUSecondsUsed    float64 `json:"cpuSecondsUsed"`
	// CPU time of the whole process per switch: at GOMAXPROCS=1 the cost of a switch even when
	// other processes took the CPU away for part of the run (wall-clock figures then drop).
	CPUNsPerSwitch float64 `json:"cpuNsPerSwitch"`
}

func cpuTime() float64 {
	var ru [2]int64
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+2:])
	ru[0], _ = strconv.ParseInt(f[11], 10, 64) // utime (clock ticks)
	ru[1], _ = strconv.ParseInt(f[12], 10, 64) // stime
	return float64(ru[0]+ru[1]) / 100          // USER_HZ = 100
}

func run(procs int, d time.Duration) result {
	runtime.GOMAXPROCS(procs)
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	for i := 0; i < 10000; i++ { // warm-up
		ping <- i
		<-pong
	}
	sw0, cpu0 := osSwitches(), cpuTime()
	t0 := time.Now()
	deadline := t0.Add(d)
	var n int64
	for time.Now().Before(deadline) {
		for i := 0; i < 1000; i++ {
			ping <- i
			<-pong
		}
		n += 1000
	}
	el := time.Since(t0)
	sw1, cpu1 := osSwitches(), cpuTime()
	close(ping)
	<-pong
	return result{procs, n, el.Seconds(), float64(2*n) / el.Seconds(), float64(el.Nanoseconds()) / float64(2*n), sw1 - sw0, cpu1 - cpu0, (cpu1 - cpu0) * 1e9 / float64(2*n)}
}

func main() {
	d := flag.Duration("duration", time.Second, "how long each run lasts")
	procs := flag.String("procs", "1,2", "GOMAXPROCS values")
	flag.Parse()
	var results []result
	for _, p := range strings.Split(*procs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			panic("bad -procs")
		}
		results = append(results, run(n, *d))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]interface{}{"goVersion": runtime.Version(), "numCPU": runtime.NumCPU(), "results": results}); err != nil {
		panic(err)
	}
}
