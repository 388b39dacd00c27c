//go:build race

package simulate

// raceEnabled: the race detector slows simulations several times over.
const raceEnabled = true
