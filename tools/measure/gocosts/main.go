// gocosts measures the Go runtime's costs that schedlab's go:P model uses as parameters.
//
// Build:  go build -o gocosts .        Run: ./gocosts [-reps N] [-quick] [-procs 1,2]
//
// It prints one JSON object. For each GOMAXPROCS value in -procs it measures, in `reps`
// independent repetitions (the value of a repetition is a mean over many iterations, or a
// median over samples for sleeps), and reports the median of the repetitions plus min, p25,
// p75 and max:
//
//	goroutineSwitch  two goroutines bounce a value over two unbuffered channels; a round trip
//	                 is two goroutine switches (each side blocks in a receive and is readied by
//	                 the other's send), so  goroutineSwitch = roundTrip / 2.
//	                 At GOMAXPROCS=1 this is the runtime alone (gopark, ready into runnext,
//	                 schedule, gogo). At GOMAXPROCS=2 the partner may sit on the other P, and a
//	                 hop can involve waking a sleeping M (futex) and spinning Ms: an OS cost too.
//	goStatement      `go f()` of an empty goroutine that calls wg.Done(), in batches of 100
//	                 followed by wg.Wait(): the whole life of an empty goroutine (newproc, run,
//	                 goexit), per goroutine, in the steady state where exited Gs and their
//	                 stacks are reused from the P's free list. goSpawnOnly is the time of the
//	                 `go` statements alone (the spawning loop of each batch).
//	goSpawnCold      the same for 100,000 goroutines spawned before any of them runs: each
//	                 needs a fresh G and stack, so this includes page faults and GC work.
//	chanOp           one send or one receive on a buffered channel that never blocks (cap 1,
//	                 send then receive in the same goroutine), per operation.
//	mutex            sync.Mutex Lock + Unlock, uncontended, per pair.
//	gosched          runtime.Gosched() with two goroutines taking turns, per call.
//	sleepOvershoot   time.Sleep(1ms): the actual sleep minus 1 ms (median of samples).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var scale = 1.0

func iters(n int) int {
	k := int(float64(n) * scale)
	if k < 10 {
		k = 10
	}
	return k
}

// Stat is the spread of one figure over the repetitions, in ns.
type Stat struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	P25    float64   `json:"p25"`
	P75    float64   `json:"p75"`
	Max    float64   `json:"max"`
	Reps   []float64 `json:"reps"`
}

// pct is the nearest-rank percentile of a sorted slice.
func pct(s []float64, p float64) float64 {
	rank := int(p/100*float64(len(s)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func stat(v []float64) Stat {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	reps := make([]float64, len(v))
	for i, x := range v {
		reps[i] = round1(x)
	}
	return Stat{round1(pct(s, 50)), round1(s[0]), round1(pct(s, 25)), round1(pct(s, 75)), round1(s[len(s)-1]), reps}
}

// pingPong returns ns per goroutine switch on an unbuffered channel ping-pong.
func pingPong(n int) float64 {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	warm := n/10 + 100
	for i := 0; i < warm; i++ {
		ping <- i
		<-pong
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	el := time.Since(t0)
	close(ping)
	<-pong
	return float64(el.Nanoseconds()) / float64(2*n)
}

// spawn returns ns per empty goroutine (spawn, run, exit) and ns per `go` statement alone,
// spawning n goroutines in batches of `batch`, each batch waited for before the next.
func spawn(n, batch int) (life, spawnOnly float64) {
	var wg sync.WaitGroup
	var spawning time.Duration
	t0 := time.Now()
	for done := 0; done < n; done += batch {
		wg.Add(batch)
		s0 := time.Now()
		for i := 0; i < batch; i++ {
			go func() { wg.Done() }()
		}
		spawning += time.Since(s0)
		wg.Wait()
	}
	el := time.Since(t0)
	total := float64(n/batch*batch + batch*btoi(n%batch != 0))
	return float64(el.Nanoseconds()) / total, float64(spawning.Nanoseconds()) / total
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func chanOp(n int) float64 {
	c := make(chan int, 1)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		c <- i
		<-c
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(2*n)
}

func mutexPair(n int) float64 {
	var mu sync.Mutex
	x := 0
	t0 := time.Now()
	for i := 0; i < n; i++ {
		mu.Lock()
		x++
		mu.Unlock()
	}
	el := time.Since(t0)
	if x != n {
		panic("mutex")
	}
	return float64(el.Nanoseconds()) / float64(n)
}

// gosched: two goroutines each call runtime.Gosched() n times; ns per call.
func gosched(n int) float64 {
	var wg sync.WaitGroup
	wg.Add(2)
	start := make(chan struct{})
	for g := 0; g < 2; g++ {
		go func() {
			<-start
			for i := 0; i < n; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return float64(time.Since(t0).Nanoseconds()) / float64(2*n)
}

func sleepOvershoot(samples int) float64 {
	v := make([]float64, samples)
	for i := range v {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		v[i] = float64(time.Since(t0).Nanoseconds() - int64(time.Millisecond))
	}
	sort.Float64s(v)
	return pct(v, 50)
}

func measure(procs, reps int) map[string]Stat {
	runtime.GOMAXPROCS(procs)
	names := []string{"goroutineSwitch", "goStatement", "goSpawnOnly", "goSpawnCold", "chanOp", "mutex", "gosched", "sleepOvershoot"}
	vals := map[string][]float64{}
	for r := 0; r < reps; r++ {
		// Interleaved by repetition, so a burst of outside load spreads over all figures.
		runtime.GC()
		vals["goroutineSwitch"] = append(vals["goroutineSwitch"], pingPong(iters(300000)))
		life, only := spawn(iters(300000), 100)
		vals["goStatement"] = append(vals["goStatement"], life)
		vals["goSpawnOnly"] = append(vals["goSpawnOnly"], only)
		n := iters(100000)
		cold, _ := spawn(n, n)
		vals["goSpawnCold"] = append(vals["goSpawnCold"], cold)
		vals["chanOp"] = append(vals["chanOp"], chanOp(iters(2000000)))
		vals["mutex"] = append(vals["mutex"], mutexPair(iters(5000000)))
		vals["gosched"] = append(vals["gosched"], gosched(iters(300000)))
		vals["sleepOvershoot"] = append(vals["sleepOvershoot"], sleepOvershoot(iters(50)))
	}
	out := map[string]Stat{}
	for _, k := range names {
		out[k] = stat(vals[k])
	}
	return out
}

func main() {
	reps := flag.Int("reps", 11, "repetitions per figure")
	quick := flag.Bool("quick", false, "fewer iterations (a fast, noisier run)")
	procsFlag := flag.String("procs", "1,2", "GOMAXPROCS values, comma-separated")
	flag.Parse()
	if *quick {
		scale = 0.2
	}
	if *reps < 1 {
		*reps = 1
	}
	result := map[string]interface{}{
		"version": runtime.Version(),
		"numCPU":  runtime.NumCPU(),
		"reps":    *reps,
	}
	byProcs := map[string]map[string]Stat{}
	for _, p := range strings.Split(*procsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "gocosts: bad -procs value %q\n", p)
			os.Exit(2)
		}
		byProcs["gomaxprocs"+strconv.Itoa(n)] = measure(n, *reps)
	}
	result["detail"] = byProcs
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(result); err != nil {
		panic(err)
	}
}
