package scenario

// For the external fuzz test, which builds sites (package sim imports this
// one).
var (
	FaultPairs = faultPairs
)

// DesignExample is the scenario of DESIGN §7.
const DesignExample = designExample
