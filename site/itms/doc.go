// Package itms is the driver for a real ITMS 8.x estate. It implements
// observed.CMDB over SQL Server (github.com/microsoft/go-mssqldb through
// database/sql, the shared query text of package cmdb), observed.NSSource
// and observed.AgentSource by running embedded PowerShell scripts over
// WinRM (WS-Management messages from github.com/masterzen/winrm, NTLM from
// github.com/Azure/go-ntlmssp or Kerberos from github.com/jcmturner/gokrb5),
// apply.Driver with one script per action kind, and the leader lock with
// sp_getapplock. It reads the CMDB only on the primary, after package cmdb
// has checked the schema.
//
// Security rules it keeps:
//
//   - Nothing variable is ever part of script text: parameters travel as
//     base64 JSON inside a fixed wrapper, and the command line is a fixed
//     bootstrap that reads the script from stdin.
//   - Every value is checked in Go before a request is built: package ids
//     are canonical GUIDs, servers are host names, configured folders are
//     plain absolute drive paths; a refused request is never sent.
//   - File paths are built from a folder and a validated GUID only; a
//     folder is configured, or discovered on the server (locate.go) and
//     checked like a configured one. Scripts use -LiteralPath and follow a
//     reparse point between a file and its folder only into another
//     discovered folder (the agent's relocation junctions), never out.
//   - The applied credential and policy version of an agent are not
//     observable (docs/itms.md): they are reported unknown, with KB
//     179719's evidence beside them.
//   - Secrets (the DSN, the WinRM password) come from the environment or
//     files named by the policy; they never appear in errors, logs or
//     startup notes, and Basic authentication is never sent.
//   - TLS is verified for SQL Server and WinRM unless the policy switches it
//     off explicitly, and then StartupNotes says so.
//
// What ITMS does not document (the shape of client policy, snapshot and
// status files, the credential setting's storage, the meaning of some COM
// errors) is a documented constant or an admin-provided command, listed in
// docs/itms.md with how it was verified. Tests run at the protocol
// boundary: go-mssqldb against an in-process TDS peer (internal/tdspeer),
// a fake database/sql driver, an httptest WS-Management server and an
// in-process Kerberos KDC; no real ITMS, SQL Server or domain was
// available.
//
// The package decides nothing: it observes and applies what it is told.
package itms
