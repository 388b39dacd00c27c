package vocab

import "strings"

// Status is a pair status as SWDPackageServer records it.
type Status string

// Statuses seen in SWDPackageServer.Status.
const (
	Ready            Status = "Ready"
	Pending          Status = "Pending"
	Invalid          Status = "Invalid"
	DownloadPending  Status = "Download Pending"
	RetryingDownload Status = "Retrying Download"
	// Deleted is recorded in a package server's PackageStatus.xml when the
	// package left the server's configuration (KBs 178503, 181052): the
	// agent counts down to deleting its files.
	Deleted Status = "Deleted"
)

// NormalizeStatus maps a CMDB status string to its canonical spelling; an
// unknown string is returned trimmed, so it is reported rather than lost.
func NormalizeStatus(s string) Status {
	t := strings.TrimSpace(s)
	for _, k := range []Status{Ready, Pending, Invalid, DownloadPending, RetryingDownload, Deleted} {
		if strings.EqualFold(t, string(k)) {
			return k
		}
	}
	return Status(t)
}

// InProgress reports whether the status means a download is under way or
// queued: such pairs are left alone while younger than the pending grace.
func (s Status) InProgress() bool {
	switch s {
	case Pending, DownloadPending, RetryingDownload:
		return true
	}
	return false
}

// LocalStatus is a package's status on the package server's agent.
type LocalStatus string

// Agent-side statuses (the agent's numeric codes 0-5 map onto these).
const (
	LocalReady       LocalStatus = "Ready"
	LocalDownloading LocalStatus = "Downloading"
	LocalWaiting     LocalStatus = "Waiting"
	LocalUnavailable LocalStatus = "Unavailable"
)
