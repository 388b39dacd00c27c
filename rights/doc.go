// Package rights decides whether a folder and the files in it may be
// trusted as commands from an administrator: who owns them, and whether
// anyone else may change them. On POSIX systems it reads the owner's uid
// and the mode bits; on Windows the owner SID and the DACL (through
// golang.org/x/sys/windows).
//
// Trusted accounts are the running process's own account (the service
// account) and the system's administrator (root; SYSTEM and
// Administrators on Windows). A folder is trusted when it is a real folder
// (no symbolic link) owned by a trusted account that nobody else may
// write to; a file when it is a regular file with one link, owned by a
// trusted account (on Windows: by any account, since only trusted ones
// may create it in a trusted folder) and writable by nobody else. Checks
// are made on the opened file, not its path, so a file swapped between
// the check and the read is refused.
//
// The package only inspects; it never changes rights or moves files.
package rights
