package crashpoint

// The kill points. Call sites name them with these constants.
const (
	BeforeIntent  = "before_intent"
	AfterIntent   = "after_intent"
	AfterAction   = "after_action"
	BeforeOutcome = "before_outcome"
	MidWrite      = "mid_write"
	// AfterVerification: a verification record is journaled, the next
	// rung's intent not yet (package controller).
	AfterVerification = "after_verification"

	// Inside a rotation of the journal (package audit), in order.
	RotateCopied   = "rotate_copied"
	RotateSealed   = "rotate_sealed"
	RotateNext     = "rotate_next"
	RotateSwitched = "rotate_switched"
	// Inside a retention sweep: the removal is journaled, the files not
	// yet removed.
	RetainRecorded = "retain_recorded"
)

// Points lists every kill point, in the order a pass meets them.
var Points = []string{BeforeIntent, AfterIntent, AfterAction, BeforeOutcome, MidWrite, AfterVerification,
	RotateCopied, RotateSealed, RotateNext, RotateSwitched, RetainRecorded}

// EnvVar names the environment variable a crashtest build reads.
const EnvVar = "RECONCILER_CRASH_AT"

// Syncer is what TearWrite needs of the journal's file.
type Syncer interface {
	Write(p []byte) (int, error)
	Sync() error
}
