// Package localkey owns the install's local secret key: 32 random bytes in
// a file beside the journal, created at first start and readable by the
// service account only (mode 0600 on POSIX systems; a protected ACL that
// grants the owner and SYSTEM on Windows).
//
// The key signs what must not be forged by someone who can write the
// journal (anchors) and fingerprints secrets that must be recognised
// again without being stored (a password that failed to authenticate).
// It never reaches a log, the journal or a command's output.
package localkey
