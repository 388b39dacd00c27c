package observed_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Abandoned driver calls must end once their driver returns: no test may
// leave a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
