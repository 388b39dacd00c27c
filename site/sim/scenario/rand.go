package scenario

import "math/rand/v2"

// Purposes of the random streams a scenario's seed drives, one stream per
// purpose, so that adding a fault to a scenario does not change the site's
// GUIDs. The values are part of every seeded site: changing one changes
// every golden file.
const (
	StreamServers  uint64 = iota + 0x5173 // server GUIDs
	StreamPackages                        // package GUIDs, names and versions
	StreamNS                              // the NS policy version
	StreamFaults                          // the servers and packages faults pick by count
)

// Rand returns the seeded random stream of one purpose.
func Rand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}
