package itms

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
	"github.com/itms-tools/reconciler/vocab"
)

// craftedChallenge is an NTLM CHALLENGE_MESSAGE whose target name field
// starts at offset 0xFFFFFFFF with length 2: the offset plus the length
// wraps around in 32 bits, so go-ntlmssp before v0.1.1 (GO-2026-5543,
// CVE-2026-32952) passed its bounds check and sliced out of range.
func craftedChallenge() string {
	b := make([]byte, 48)
	copy(b, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(b[8:], 2)
	binary.LittleEndian.PutUint16(b[12:], 2)          // target name length
	binary.LittleEndian.PutUint16(b[14:], 2)          // and maximum length
	binary.LittleEndian.PutUint32(b[16:], 0xFFFFFFFF) // at the end of the 32-bit range
	binary.LittleEndian.PutUint32(b[20:], 0x00000201) // Unicode, NTLM
	copy(b[24:32], "8bytes!!")
	binary.LittleEndian.PutUint32(b[44:], 48)
	return base64.StdEncoding.EncodeToString(b)
}

// craftedServer answers every NEGOTIATE with the crafted challenge.
func craftedServer(t *testing.T) *fakeWinRM {
	f := newFakeWinRM(t, okAnswer(t))
	f.auth = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.Header.Get("Authorization"), "NTLM ") {
			w.Header().Set("WWW-Authenticate", "NTLM "+craftedChallenge())
		} else {
			w.Header().Set("WWW-Authenticate", "NTLM")
		}
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	return f
}

// A server sending a crafted NTLM challenge gets an error back, not a
// panic: the driver call itself returns (before the upgrade to go-ntlmssp
// v0.1.1 it panicked, and only the observer's recover kept the process up).
func TestCraftedNTLMChallengeIsAnError(t *testing.T) {
	f := craftedServer(t)
	site := openAgainst(t, f, newTestEnv())
	var err error
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("the driver panicked on a crafted NTLM challenge: %v", v)
			}
		}()
		_, err = site.Agent(context.Background(), testHost, nil)
	}()
	if err == nil {
		t.Fatal("a crafted NTLM challenge was accepted")
	}
	assertNoSentinel(t, err.Error())
	if len(f.sent()) != 0 {
		t.Error("a script was sent after a crafted challenge")
	}
}

// Through the observer, the server is not observed and says why; the
// observer goes on with the others.
func TestCraftedNTLMChallengeDoesNotStopTheObserver(t *testing.T) {
	f := craftedServer(t)
	site := openAgainst(t, f, newTestEnv())
	o := &observed.Observer{Agents: site, NS: site, Concurrency: 2, CallTimeout: time.Minute}
	obs := observed.NewObservation(time.Now())
	o.ObserveAgents(context.Background(), obs, map[vocab.Host][]vocab.GUID{testHost: nil}, nil)
	a, ok := obs.Agent(testHost)
	if !ok || a.Reachable || a.Error == "" {
		t.Fatalf("agent = %+v, %v; want not reachable with an error", a, ok)
	}
	if strings.Contains(a.Error, "panic") {
		t.Errorf("the observer recovered a panic (%s): the NTLM library should refuse the challenge", a.Error)
	}
}
