// gocosts measures the Go runtime's costs that schedlab's go:P model uses as parameters.
//
// Build:  go build -o gocosts .        Run: ./gocosts [-reps N] [-quick] [-procs 1,2]
//
// It prints one JSON object. For each GOMAXPROCS value in -procs it measures, in `reps`
// independent repetitions, and reports the median of the repetitions plus min, p25, p75 and
// max. Within a repetition a loop is timed in batches and the repetition's value is the median
// of the batch means, so that a batch that lost the CPU to another process does not count as
// the cost of the operation (sleeps: the median of the samples):
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
//	gosched          runtime.Gosched() with two goroutines taking turns, per call (each call
//	                 switches to the other goroutine). GOMAXPROCS=1 only: with more Ps the two
//	                 run in parallel and a Gosched need not switch.
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

// batches collects the mean time per iteration of each timed batch.
type batches []float64

func (b *batches) add(d time.Duration, k int) { *b = append(*b, float64(d.Nanoseconds())/float64(k)) }

// median of the batch means.
func (b batches) median() float64 {
	s := append([]float64(nil), b...)
	sort.Float64s(s)
	return pct(s, 50)
}

const batch = 200

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
	var b batches
	for done := 0; done < n; done += batch {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			ping <- i
			<-pong
		}
		b.add(time.Since(t0), 2*batch)
	}
	close(ping)
	<-pong
	return b.median()
}

// spawn returns ns per empty goroutine (spawn, run, exit) and ns per `go` statement alone,
// spawning n goroutines in groups of `group`, each group waited for before the next (median
// over the groups).
func spawn(n, group int) (life, spawnOnly float64) {
	var wg sync.WaitGroup
	var bl, bs batches
	for done := 0; done < n; done += group {
		wg.Add(group)
		t0 := time.Now()
		for i := 0; i < group; i++ {
			go func() { wg.Done() }()
		}
		t1 := time.Now()
		wg.Wait()
		bs.add(t1.Sub(t0), group)
		bl.add(time.Since(t0), group)
	}
	return bl.median(), bs.median()
}

func chanOp(n int) float64 {
	c := make(chan int, 1)
	var b batches
	for done := 0; done < n; done += batch {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			c <- i
			<-c
		}
		b.add(time.Since(t0), 2*batch)
	}
	return b.median()
}

func mutexPair(n int) float64 {
	var mu sync.Mutex
	x := 0
	var b batches
	for done := 0; done < n; done += batch {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			mu.Lock()
			x++
			mu.Unlock()
		}
		b.add(time.Since(t0), batch)
	}
	if x == 0 {
		panic("mutex")
	}
	return b.median()
}

// gosched: two goroutines each call runtime.Gosched() n times; the first one times its
// batches, during which both goroutines yield `batch` times each; ns per call.
func gosched(n int) float64 {
	var wg sync.WaitGroup
	wg.Add(1)
	stop := make(chan struct{})
	go func() { // the partner yields until told to stop
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	var b batches
	for done := 0; done < n; done += batch {
		t0 := time.Now()
		for i := 0; i < batch; i++ {
			runtime.Gosched()
		}
		b.add(time.Since(t0), 2*batch)
	}
	close(stop)
	wg.Wait()
	return b.median()
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
		if procs == 1 {
			vals["gosched"] = append(vals["gosched"], gosched(iters(300000)))
		}
		vals["sleepOvershoot"] = append(vals["sleepOvershoot"], sleepOvershoot(iters(50)))
	}
	out := map[string]Stat{}
	for _, k := range names {
		if len(vals[k]) > 0 {
			out[k] = stat(vals[k])
		}
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
