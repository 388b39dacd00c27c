package layout

import (
	"strings"
	"testing"
)

const g1 = "0123abcd-0000-4000-8000-00000000beef"

func TestCheckPath(t *testing.T) {
	tests := []struct {
		op   Op
		rel  string
		want bool
	}{
		{Delete, "ns/ProgramData/Symantec/SMP/Snapshots/{" + g1 + "}.xml", true},
		{Delete, "servers/PS001/ProgramData/Symantec/Symantec Agent/Package Delivery/{" + g1 + "}/snapshot.xml", true},
		{Delete, "servers/ps-7.corp.example/ProgramData/Symantec/Symantec Agent/Package Server Agent/PackageStatus/{" + g1 + "}/PackageStatus.xml", true},
		{Write, "servers/PS001/agent.json", true},
		{Read, "servers/PS001/ProgramData/Symantec/Symantec Agent/Logs/agent.log", true},
		{Write, "ns/settings.json", true},
		{Write, "site.json", true},
		{Write, "cmdb.sqlite", true},
		{Delete, "servers/PS001/agent.json", false},
		{Delete, "servers/PS001/ProgramData/Symantec/Symantec Agent/Logs/agent.log", false},
		{Delete, "site.json", false},
		{Delete, "cmdb.sqlite", false},
		{Read, "servers/PS001/ProgramData/Symantec/Symantec Agent/Package Delivery/{" + g1 + "}/other.xml", false},
		{Read, "servers/PS001/ProgramData/Symantec/Symantec Agent/Package Delivery/{" + strings.ToUpper(g1) + "}/snapshot.xml", false},
		{Read, "servers/PS001/ProgramData/Symantec/Symantec Agent/Package Delivery/" + g1 + "/snapshot.xml", false},
		{Read, "servers/PS001/ProgramData/Symantec/Symantec Agent/Package Delivery/{..\\..\\Windows}/snapshot.xml", false},
		{Read, "ns/ProgramData/Symantec/SMP/Snapshots/{" + g1 + "}.sig", false},
		{Write, "servers/C:/agent.json", false},
		{Write, "servers/CON/agent.json", false},
		{Write, "servers/../agent.json", false},
		{Write, "servers/PS001/../../etc/agent.json", false},
		{Write, "/etc/passwd", false},
		{Write, "servers/PS001//agent.json", false},
		{Write, "servers/PS001/agent.json\x00", false},
		{Write, "servers\\PS001\\agent.json", false},
		{Write, "", false},
		{Write, "ns/ProgramData/Symantec/SMP/Snapshots", false},
	}
	for _, tc := range tests {
		err := Check(tc.op, tc.rel)
		if (err == nil) != tc.want {
			t.Errorf("Check(%s, %q) = %v, want allowed %t", tc.op, tc.rel, err, tc.want)
		}
	}
}
