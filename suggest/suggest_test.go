package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"status", "status", 0},
		{"stauts", "status", 1}, // one swap
		{"statu", "status", 1},
		{"sttaus", "status", 1},
		{"plna", "plan", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"ça", "ca", 1}, // runes, not bytes
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"approve", "audit", "breaker", "doctor", "plan", "policy", "run", "service", "sim", "status", "version"}
	for _, tc := range []struct {
		word string
		want string // "" for no suggestion
	}{
		{"stauts", "status"},
		{"STATUS", "status"},
		{"statsu", "status"},
		{"plna", "plan"},
		{"audt", "audit"},
		{"verison", "version"},
		{"docter", "doctor"},
		{"xyzzy", ""},
		{"r", ""},      // one letter: anything is one edit away
		{"ru", "run"},  // two letters, one edit
		{"status", ""}, // exact: nothing to suggest
		{"", ""},
	} {
		got, ok := Closest(tc.word, cmds)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("Closest(%q) = %q, %v; want %q", tc.word, got, ok, tc.want)
		}
	}
	if h := Hint("stauts", cmds); h != " (did you mean status?)" {
		t.Errorf("Hint = %q", h)
	}
	if h := Hint("zzz", cmds); h != "" {
		t.Errorf("Hint = %q, want none", h)
	}
}
