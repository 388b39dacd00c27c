package controller

import "flag"

// Flags of the reliability tests (RELIABILITY.md).
// long runs the long variants (the load test's 24 virtual hours on 2,000
// servers).
var long = flag.Bool("reliability.long", false, "run the long reliability variants")
