//go:build race

package cmdb

// Under the race detector the pure-Go SQLite runs some 80 times slower:
// fewer random CMDBs keep the test short; the plain run checks 300.
func init() { randomCMDBs = 40 }
