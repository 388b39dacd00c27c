package itms

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"sync"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is MD4; this is the test's domain controller
)

// ntlmServer plays a Windows host's NTLM authentication for fakeWinRM, as
// a domain controller checks it: a NEGOTIATE gets a CHALLENGE, and an
// AUTHENTICATE is accepted only when its NTLMv2 proof was computed from
// the password the server holds. An accepted connection stays
// authenticated, as on WinRM, so later requests on it pass without a
// handshake. Every AUTHENTICATE is a logon attempt; failed ones are what
// locks an account out.
type ntlmServer struct {
	mu       sync.Mutex
	password string
	authed   map[string]bool // remote address → authenticated connection
	logons   int             // AUTHENTICATE messages received
	failed   int             // of which refused
}

const ntlmServerChallenge = "8bytes!!"

func newNTLMServer(password string) *ntlmServer {
	return &ntlmServer{password: password, authed: map[string]bool{}}
}

// setPassword changes the account's password, as an admin would in AD.
func (n *ntlmServer) setPassword(p string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.password = p
}

// counts returns the logon attempts and the refused ones.
func (n *ntlmServer) counts() (logons, failed int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logons, n.failed
}

// handle is a fakeWinRM.auth: true when the request may be served.
func (n *ntlmServer) handle(w http.ResponseWriter, r *http.Request) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.authed[r.RemoteAddr] {
		return true
	}
	msg := ntlmToken(r.Header.Get("Authorization"))
	switch {
	case len(msg) > 12 && msg[8] == 1:
		w.Header().Set("WWW-Authenticate", "NTLM "+ntlmChallenge())
	case len(msg) > 12 && msg[8] == 3:
		n.logons++
		if n.verify(msg) {
			n.authed[r.RemoteAddr] = true
			return true
		}
		n.failed++
		w.Header().Set("WWW-Authenticate", "NTLM")
	default:
		w.Header().Set("WWW-Authenticate", "NTLM")
	}
	w.WriteHeader(http.StatusUnauthorized)
	return false
}

func ntlmToken(header string) []byte {
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "NTLM") && !strings.EqualFold(scheme, "Negotiate") {
		return nil
	}
	b, _ := base64.StdEncoding.DecodeString(token)
	return b
}

// verify checks an AUTHENTICATE message's NTLMv2 response (MS-NLMP
// 3.3.2) against the password held.
func (n *ntlmServer) verify(msg []byte) bool {
	nt, ok1 := ntlmField(msg, 20)
	domain, ok2 := ntlmField(msg, 28)
	user, ok3 := ntlmField(msg, 36)
	if !ok1 || !ok2 || !ok3 || len(nt) < 16 {
		return false
	}
	h := md4.New()
	h.Write(utf16le(n.password))
	owf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(fromUTF16le(user))+fromUTF16le(domain)))
	proof := hmacMD5(owf, []byte(ntlmServerChallenge), nt[16:])
	return hmac.Equal(proof, nt[:16])
}

// ntlmField reads the variable field whose descriptor is at off.
func ntlmField(msg []byte, off int) ([]byte, bool) {
	if len(msg) < off+8 {
		return nil, false
	}
	l := int(binary.LittleEndian.Uint16(msg[off:]))
	at := int(binary.LittleEndian.Uint32(msg[off+4:]))
	if at < 0 || at+l > len(msg) {
		return nil, false
	}
	return msg[at : at+l], true
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
