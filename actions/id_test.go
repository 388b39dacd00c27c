package actions

import (
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

const guid = "0a1b2c3d-0000-0000-0000-00000000000f"

func TestParseID(t *testing.T) {
	g := vocab.GUID(guid)
	for _, tc := range []struct {
		in, canon string
		want      ID
	}{
		{"grant_acl:PS001", "grant_acl:PS001", ID{Kind: GrantACL, Target: Target{Server: "PS001"}}},
		{"delete_ns_snapshot:NS/" + guid, "delete_ns_snapshot:NS/" + guid, ID{Kind: DeleteNSSnapshot, Target: Target{Package: g}}},
		{"delete_ps_snapshot:PS002/{" + strings.ToUpper(guid) + "}", "delete_ps_snapshot:PS002/" + guid,
			ID{Kind: DeletePSSnapshot, Target: Target{Server: "PS002", Package: g}}},
		{"set_credential_mode:NS:anonymous#1", "set_credential_mode:NS:anonymous#1",
			ID{Kind: SetCredentialMode, Mode: vocab.Anonymous, Round: 1}},
		{"update_configuration:PS004#2", "update_configuration:PS004#2",
			ID{Kind: UpdateConfiguration, Target: Target{Server: "PS004"}, Round: 2}},
	} {
		got, err := ParseID(tc.in)
		if err != nil {
			t.Errorf("ParseID(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want || got.String() != tc.canon {
			t.Errorf("ParseID(%q) = %+v (%s), want %+v (%s)", tc.in, got, got, tc.want, tc.canon)
		}
	}
}

func TestParseIDRefuses(t *testing.T) {
	for in, why := range map[string]string{
		"":                                  "unknown action kind",
		"grant_acl":                         "want KIND:TARGET",
		"grant_acl:":                        "want KIND:TARGET",
		"reboot:PS001":                      "unknown action kind",
		"grant_acl:PS001#3":                 "round after # is 1 or 2",
		"grant_acl:PS001#x":                 "round after # is 1 or 2",
		"set_credential_mode:NS:nobody":     "mode",
		"grant_acl:PS 001":                  "",
		"delete_ps_snapshot:PS001/notaguid": "",
	} {
		_, err := ParseID(in)
		if err == nil {
			t.Errorf("ParseID(%q) accepted", in)
			continue
		}
		if !strings.HasPrefix(err.Error(), "action id ") || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseID(%q) = %v, want an error naming the id and %q", in, err, why)
		}
	}
}

// FuzzParseID: whatever ParseID accepts, its canonical form parses back to
// the same id, and FormatID writes that form.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"grant_acl:PS001", "set_credential_mode:NS:acc#2", "delete_ns_snapshot:NS/{" + guid + "}", "x:y:z#9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		canon := id.String()
		again, err := ParseID(canon)
		if err != nil || again != id {
			t.Fatalf("ParseID(%q) = %+v; its canonical form %q gives %+v, %v", s, id, canon, again, err)
		}
		if FormatID(id.Kind, id.Target, id.Round, id.Mode) != canon {
			t.Fatalf("FormatID disagrees with ID.String for %q", s)
		}
	})
}
