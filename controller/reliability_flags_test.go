package controller

import "flag"

// Flags of the reliability tests (RELIABILITY.md).
var (
	// long runs the long variants (the load test's 24 virtual hours on
	// 2,000 servers).
	long = flag.Bool("reliability.long", false, "run the long reliability variants")
	// strict fails on known, reported bugs instead of logging them.
	strict = flag.Bool("reliability.strict", false, "fail on known reliability bugs instead of logging them")
)
