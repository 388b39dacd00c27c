//go:build !linux

package main

// Resident set sizes are read from /proc and CPU time from getrusage: on
// other systems they are 0.
func rssMB() float64      { return 0 }
func peakRSSMB() float64  { return 0 }
func cpuSeconds() float64 { return 0 }
