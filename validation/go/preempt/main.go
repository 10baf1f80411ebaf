// preempt: at GOMAXPROCS=1, one goroutine runs a pure compute loop (no function calls, so no
// cooperative preemption point) while the main goroutine sleeps 1 ms over and over. The sleeper's
// timer fires on time, but it cannot run until the hog leaves the only P: sysmon preempts a
// goroutine that has run for 10 ms (forcePreemptNS) with a signal (asynchronous preemption,
// Go 1.14+), and sysmon itself only looks every 20 us–10 ms. So each wake-up is late by about
// 10–20 ms.
//
//	go build -o preempt . && ./preempt [-samples 100]
//
// Prints one JSON object: the sleeper's wake-up delay (actual sleep - 1 ms) first without the
// hog (baseline), then with it. Run with GODEBUG=asyncpreemptoff=1 and the sleeper never wakes
// (the hog is never preempted): the harness does that under a time limit.
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"schedlab.dev/validation/go/internal/stats"
)

// delays sleeps 1 ms `n` times and returns how late each wake-up was.
func delays(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		v[i] = float64(time.Since(t0) - time.Millisecond)
	}
	return v
}

var stop int32
var sink uint64

func hog() {
	x := uint64(1)
	// atomic.LoadInt32 is a compiler intrinsic (a plain load), not a call: this loop has no
	// preemption point of its own.
	for atomic.LoadInt32(&stop) == 0 {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}

func main() {
	samples := flag.Int("samples", 100, "1 ms sleeps to time with the hog running")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	base := delays(20)
	go hog()
	runtime.Gosched() // let the hog start
	t0 := time.Now()
	with := delays(*samples)
	elapsed := time.Since(t0)
	atomic.StoreInt32(&stop, 1)
	out := map[string]interface{}{
		"goVersion":         runtime.Version(),
		"gomaxprocs":        1,
		"godebug":           os.Getenv("GODEBUG"),
		"sleepRequestNs":    int64(time.Millisecond),
		"wakeDelayAlone":    stats.Summarize(base),
		"wakeDelayWithHog":  stats.Summarize(with),
		"elapsedWithHogMs":  float64(elapsed.Microseconds()) / 1000,
		"wakeupsPerSecond":  float64(*samples) / elapsed.Seconds(),
		"forcePreemptNsDoc": 10_000_000,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
