package actions

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/itms-tools/reconciler/vocab"
)

// ID is an action id taken apart: what FormatID joins and ParseID splits.
type ID struct {
	Kind   Kind
	Target Target
	Mode   vocab.Mode // set_credential_mode only
	Round  int        // 1 or 2 inside the credential reset cycle, else 0
}

// String is the id in canonical form (FormatID).
func (id ID) String() string { return FormatID(id.Kind, id.Target, id.Round, id.Mode) }

// FormatID builds the stable id of an action, KIND:TARGET[:MODE][#ROUND],
// for example "delete_ps_snapshot:PS001/{guid}" or, inside the credential
// reset cycle, "set_credential_mode:NS:anonymous#1". It is the only place
// that writes the format; ParseID is the only place that reads it.
func FormatID(k Kind, t Target, round int, mode vocab.Mode) string {
	id := string(k) + ":" + t.String()
	if mode != "" {
		id += ":" + string(mode)
	}
	if round > 0 {
		id += "#" + strconv.Itoa(round)
	}
	return id
}

// ParseID reads an action id as FormatID writes it. It accepts GUIDs in
// any case, with or without braces (ID.String gives the canonical form),
// and checks every part: the kind, the host, the GUID, the mode and a
// round of 1 or 2. The error names the id.
func ParseID(s string) (ID, error) {
	bad := func(why string) error { return fmt.Errorf("action id %q: %s", vocab.Clip(s), why) }
	kindText, rest, ok := strings.Cut(s, ":")
	k, err := ParseKind(kindText)
	if err != nil {
		return ID{}, bad(err.Error())
	}
	if !ok || rest == "" {
		return ID{}, bad("want KIND:TARGET, e.g. grant_acl:PS001 or delete_ns_snapshot:NS/<guid>")
	}
	id := ID{Kind: k}
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		if id.Round, err = strconv.Atoi(rest[i+1:]); err != nil || id.Round < 1 || id.Round > 2 {
			return ID{}, bad("round after # is 1 or 2")
		}
		rest = rest[:i]
	}
	target, modeText, hasMode := strings.Cut(rest, ":")
	if hasMode {
		if id.Mode, err = vocab.ParseMode(modeText); err != nil {
			return ID{}, bad(err.Error())
		}
	}
	if id.Target, err = parseTarget(target); err != nil {
		return ID{}, bad(err.Error())
	}
	return id, nil
}

// parseTarget reads NS, NS/GUID, HOST or HOST/GUID.
func parseTarget(s string) (Target, error) {
	server, pkg, hasPkg := strings.Cut(s, "/")
	var t Target
	if server != "NS" {
		h, err := vocab.ParseHost(server)
		if err != nil {
			return t, err
		}
		t.Server = h
	}
	if hasPkg {
		g, err := vocab.ParseGUID(pkg)
		if err != nil {
			return t, err
		}
		t.Package = g
	}
	return t, nil
}
