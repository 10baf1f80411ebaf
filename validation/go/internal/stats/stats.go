// Package stats summarizes samples for the validation programs' JSON output, with the
// nearest-rank percentiles schedlab's own summaries use.
package stats

import "sort"

// Dist is a summary of samples in nanoseconds.
type Dist struct {
	Count int     `json:"count"`
	Min   float64 `json:"minNs"`
	P10   float64 `json:"p10Ns"`
	P50   float64 `json:"p50Ns"`
	P90   float64 `json:"p90Ns"`
	P99   float64 `json:"p99Ns"`
	Max   float64 `json:"maxNs"`
	Mean  float64 `json:"meanNs"`
}

// pct is the nearest-rank percentile p of the sorted samples s.
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

// Summarize summarizes v (left as it is); no samples give a zero Dist.
func Summarize(v []float64) Dist {
	if len(v) == 0 {
		return Dist{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return Dist{len(s), s[0], pct(s, 10), pct(s, 50), pct(s, 90), pct(s, 99), s[len(s)-1], sum / float64(len(s))}
}
