package vocab

import (
	"strings"
	"testing"
)

func TestParseGUID(t *testing.T) {
	tests := []struct {
		in   string
		want GUID
		ok   bool
	}{
		{"67dc1775-0f72-4ec3-a774-a650f5a05acd", "67dc1775-0f72-4ec3-a774-a650f5a05acd", true},
		{"67DC1775-0F72-4EC3-A774-A650F5A05ACD", "67dc1775-0f72-4ec3-a774-a650f5a05acd", true},
		{"{67dc1775-0f72-4ec3-a774-a650f5a05acd}", "67dc1775-0f72-4ec3-a774-a650f5a05acd", true},
		{"", "", false},
		{`..\..\Windows\System32`, "", false},
		{"67dc1775-0f72-4ec3-a774-a650f5a05ac", "", false},
		{"67dc1775-0f72-4ec3-a774-a650f5a05acdd", "", false},
		{"67dc1775x0f72-4ec3-a774-a650f5a05acd", "", false},
		{"67dc1775-0f72-4ec3-a774-a650f5a05acg", "", false},
		{" 67dc1775-0f72-4ec3-a774-a650f5a05acd", "", false},
		{"{67dc1775-0f72-4ec3-a774-a650f5a05acd", "", false},
		{"67dc1775-0f72-4ec3-a774-a650f5a0\\acd", "", false},
		{"67dc1775-0f72-4ec3-a774-a650f5a05a:d", "", false},
	}
	for _, tc := range tests {
		got, err := ParseGUID(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseGUID(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && (!got.Valid() || got.Braced() != "{"+string(tc.want)+"}") {
			t.Errorf("%q: Valid/Braced wrong", got)
		}
	}
	if GUID("67DC1775-0F72-4EC3-A774-A650F5A05ACD").Valid() {
		t.Error("upper case is not canonical")
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"PS001", true},
		{"ps-01.corp.example", true},
		{"a", true},
		{"", false},
		{"-ps", false},
		{"ps-", false},
		{"ps..corp", false},
		{"ps_01", false},
		{`C:\Windows`, false},
		{`\\server\share`, false},
		{"..", false},
		{"NUL", false},
		{"com1", false},
		{"COM1.corp", false},
		{"LPT9", false},
		{"CONSOLE", true},
		{"ps 01", false},
		{"ps01.", false},
		{"$(calc)", false},
		{"ps'01", false},
		{strings.Repeat("a", 64), false},
		{strings.Repeat("a.", 127) + "a", false},
	}
	for _, tc := range tests {
		if _, err := ParseHost(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseHost(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestIsDeviceName(t *testing.T) {
	for _, n := range []string{"NUL", "nul", "CON", "PRN", "AUX", "COM1", "com9.txt", "LPT1", "NUL ", "CONIN$"} {
		if !IsDeviceName(n) {
			t.Errorf("IsDeviceName(%q) = false", n)
		}
	}
	for _, n := range []string{"NULL", "COM", "COM10", "snapshot.xml", "CONSOLE"} {
		if IsDeviceName(n) {
			t.Errorf("IsDeviceName(%q) = true", n)
		}
	}
}

func TestCredential(t *testing.T) {
	acc := Credential{Mode: ACC, Account: `CORP\svc`}
	tests := []struct {
		a, b  Credential
		equal bool
	}{
		{acc, Credential{Mode: ACC, Account: `corp\SVC`}, true},
		{acc, Credential{Mode: AppID, Account: `CORP\svc`}, false},
		{acc, Credential{Mode: ACC, Account: `CORP\other`}, false},
		{Credential{Mode: Anonymous}, Credential{Mode: Anonymous, Account: "x"}, true},
	}
	for _, tc := range tests {
		if got := tc.a.Equal(tc.b); got != tc.equal {
			t.Errorf("%v.Equal(%v) = %v", tc.a, tc.b, got)
		}
	}
	invalid := []Credential{{Mode: "root"}, {Mode: ACC}, {Mode: AppID, Account: "a\nb"}, {Mode: ACC, Account: "a*b"}}
	for _, c := range invalid {
		if c.Validate() == nil {
			t.Errorf("%+v validated", c)
		}
	}
	if err := acc.Validate(); err != nil || acc.String() != `acc CORP\svc` {
		t.Errorf("acc: %v %q", err, acc.String())
	}
	if m, err := ParseMode("ACC"); err != nil || m != ACC {
		t.Errorf("ParseMode(ACC) = %q %v", m, err)
	}
}

func TestStatus(t *testing.T) {
	if NormalizeStatus(" ready ") != Ready || NormalizeStatus("download pending") != DownloadPending {
		t.Error("normalisation")
	}
	if NormalizeStatus("Weird") != "Weird" {
		t.Error("unknown statuses are kept as read")
	}
	if !Pending.InProgress() || Invalid.InProgress() || Ready.InProgress() {
		t.Error("InProgress")
	}
}

func FuzzValidation(f *testing.F) {
	for _, s := range []string{"PS001", `..\..\Windows`, "{67dc1775-0f72-4ec3-a774-a650f5a05acd}", "COM1.txt", `\\?\C:\x`, "a.b-c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if g, err := ParseGUID(s); err == nil {
			if !g.Valid() || strings.ContainsAny(string(g), `\/:.{} `) {
				t.Fatalf("accepted GUID %q unsafe", g)
			}
		}
		if h, err := ParseHost(s); err == nil {
			if strings.ContainsAny(string(h), `\/: "'$()[]*?`) || strings.HasSuffix(string(h), ".") || IsDeviceName(string(h)) {
				t.Fatalf("accepted host %q unsafe", h)
			}
		}
	})
}

func TestCheckWindowsFolder(t *testing.T) {
	ok := []string{`C:\ProgramData\Symantec\SMP\Snapshots`, `E:\Agent\Package Delivery`, `d:\x`}
	bad := []string{``, `C:`, `C:\`, `Logs`, `\\server\share\x`, `\\?\C:\x`, `\\.\C:\x`, `C:\x\..\y`,
		`C:\x\.`, `C:\x\file:stream`, `C:\x.`, `C:\x `, `C:\Windows\System32`, `C:\x\NUL`, `C:\x\COM1.txt`,
		`C:\x\[a]`, `C:\x\*`, `C:\x\$(calc)`, `C:\x\a'b`, `C:\x\`, `C:\x\\y`, "C:\\x\ny", `C:/x`}
	for _, p := range ok {
		if err := CheckWindowsFolder(p); err != nil {
			t.Errorf("CheckWindowsFolder(%q) = %v", p, err)
		}
	}
	for _, p := range bad {
		if CheckWindowsFolder(p) == nil {
			t.Errorf("CheckWindowsFolder(%q) accepted", p)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := map[string]string{
		"7-Zip 23.01":          "7-Zip 23.01",
		"Café ünïcode":         "Café ünïcode",
		"a\x1b[2Jb":            `"a\x1b[2Jb"`,
		"line\r\nforged line":  `"line\r\nforged line"`,
		"tab\there":            `"tab\there"`,
		"bidi \u202e reversed": `"bidi \u202e reversed"`,
	}
	for in, want := range tests {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %s, want %s", in, got, want)
		}
	}
}
