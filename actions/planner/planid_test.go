package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/itms-tools/reconciler/actions"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// TestAppendActionIsJSONMarshal: the hand-written encoding of the plan id
// gives json.Marshal's bytes, for actions full of awkward strings.
func TestAppendActionIsJSONMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		as := make([]actions.Action, r.IntN(3))
		for j := range as {
			as[j] = randomAction(r)
		}
		want, err := json.Marshal(as)
		if err != nil {
			t.Fatal(err)
		}
		got := []byte{'['}
		for j := range as {
			if j > 0 {
				got = append(got, ',')
			}
			got = appendAction(got, &as[j])
		}
		got = append(got, ']')
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestPlanIDEncoderKnowsEveryField fails when a field is added to an
// action: appendAction must then learn it, or plan ids would ignore it.
func TestPlanIDEncoderKnowsEveryField(t *testing.T) {
	want := map[string][]string{
		"Action": {`ID json:"id"`, `Kind json:"kind"`, `Target json:"target"`, `Mode json:"mode,omitempty"`,
			`Account json:"account,omitempty"`, `Round json:"round,omitempty"`, `Reasons json:"reasons"`, `After json:"after,omitempty"`},
		"Target": {`Server json:"server,omitempty"`, `Package json:"package,omitempty"`},
		"Reason": {`Cause json:"cause"`, `Message json:"message"`, `Facts json:"facts,omitempty"`, `Requires json:"requires,omitempty"`},
		"Fact":   {`Name json:"name"`, `Value json:"value"`},
	}
	for _, v := range []any{actions.Action{}, actions.Target{}, actions.Reason{}, actions.Fact{}} {
		typ := reflect.TypeOf(v)
		var got []string
		for f := range typ.Fields() {
			got = append(got, fmt.Sprintf("%s %s", f.Name, f.Tag))
		}
		if !slices.Equal(got, want[typ.Name()]) {
			t.Errorf("%s fields %q; appendAction (planid.go) encodes %q", typ.Name(), got, want[typ.Name()])
		}
	}
}

var awkward = []string{"", "PS001", `CORP\svc`, `a"b`, "<tag>&", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
	"é ü 日本", "\u2028\u2029", "\xff\xfe", "a\xc3", "😀", "\u00e9\xed\xa0\x80", "ok"}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	var sb strings.Builder
	for range r.IntN(3) {
		sb.WriteString(awkward[r.IntN(len(awkward))])
	}
	return sb.String()
}

func randomStrings(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = randomString(r)
	}
	return out
}

func randomAction(r *rand.Rand) actions.Action {
	a := actions.Action{ID: randomString(r), Kind: actions.Kind(randomString(r)),
		Target: actions.Target{Server: vocab.Host(randomString(r)), Package: vocab.GUID(randomString(r))},
		Mode:   vocab.Mode(randomString(r)), Account: randomString(r), Round: r.IntN(5) - 1, After: randomStrings(r)}
	switch r.IntN(3) {
	case 0:
	case 1:
		a.Reasons = []actions.Reason{}
	default:
		for range 1 + r.IntN(3) {
			rs := actions.Reason{Cause: actions.Cause(randomString(r)), Message: randomString(r), Requires: randomStrings(r)}
			if r.IntN(3) > 0 {
				rs.Facts = []actions.Fact{}
				for range r.IntN(3) {
					rs.Facts = append(rs.Facts, actions.Fact{Name: randomString(r), Value: randomString(r)})
				}
			}
			a.Reasons = append(a.Reasons, rs)
		}
	}
	return a
}
