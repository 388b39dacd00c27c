// Package memory is the simulated site's memory store, for `reconciler
// sim`, tests and benchmarks at millions of pairs. It keeps only what
// deviates from a healthy site (a healthy pair costs nothing), answers the
// CMDB's questions from indexes it maintains instead of SQL, and builds
// the would-be path of every file it changes so that the guard (package
// layout) refuses and counts exactly as on disk. It implements world.Store
// and shows what a disk store holding the same state shows.
//
// Beyond the contract it can copy itself (brute-force searches over
// action sequences), key its complete state, and write its CMDB into a
// SQLite database (benchmarks of the production query).
package memory
