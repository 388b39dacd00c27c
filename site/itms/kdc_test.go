package itms

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// fakeKDC is a Kerberos KDC for one realm over TCP (RFC 4120 7.2.2: each
// message prefixed by its length), written for these tests with gokrb5's
// message types: it asks for pre-authentication (an encrypted timestamp,
// as Active Directory does), answers AS-REQs of the users it knows with a
// TGT and TGS-REQs for the services it knows with a service ticket, and
// anything else with the KRB-ERROR a domain controller would send.
// aes256-cts-hmac-sha1-96 only, the default salt.
type fakeKDC struct {
	t        *testing.T
	realm    string
	ln       net.Listener
	users    map[string]string // user -> password
	services *keytab.Keytab    // the services' keys (the WinRM server's keytab)
	tgs      *keytab.Keytab    // krbtgt's key

	mu    sync.Mutex
	asked []string // "AS user" and "TGS spn", in order
}

const kdcEtype = etypeID.AES256_CTS_HMAC_SHA1_96

func newFakeKDC(t *testing.T, realm string) *fakeKDC {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &fakeKDC{t: t, realm: realm, ln: ln, users: map[string]string{}, services: keytab.New(), tgs: keytab.New()}
	if err := k.tgs.AddEntry("krbtgt/"+realm, realm, "krbtgt secret", time.Now(), 1, kdcEtype); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go k.serve(done)
	t.Cleanup(func() { ln.Close(); <-done })
	return k
}

// addService registers spn (such as HTTP/127.0.0.1) and returns the
// keytab its server verifies tickets with.
func (k *fakeKDC) addService(spn string) *keytab.Keytab {
	k.t.Helper()
	if err := k.services.AddEntry(spn, k.realm, "service secret "+spn, time.Now(), 1, kdcEtype); err != nil {
		k.t.Fatal(err)
	}
	return k.services
}

func (k *fakeKDC) krb5Conf() string {
	return fmt.Sprintf(`[libdefaults]
  default_realm = %[1]s
  dns_lookup_kdc = false
  dns_lookup_realm = false
  udp_preference_limit = 1
  default_tkt_enctypes = aes256-cts-hmac-sha1-96
  default_tgs_enctypes = aes256-cts-hmac-sha1-96
  permitted_enctypes = aes256-cts-hmac-sha1-96

[realms]
  %[1]s = {
    kdc = %[2]s
  }
`, k.realm, k.ln.Addr())
}

func (k *fakeKDC) requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.asked...)
}

func (k *fakeKDC) serve(done chan struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := k.ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			if err := k.exchange(c); err != nil && !errors.Is(err, io.EOF) {
				k.t.Errorf("fake KDC: %v", err)
			}
		}()
	}
}

// exchange answers one length-prefixed message on c.
func (k *fakeKDC) exchange(c net.Conn) error {
	var n uint32
	if err := binary.Read(c, binary.BigEndian, &n); err != nil {
		return err
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(c, msg); err != nil {
		return err
	}
	var reply []byte
	var err error
	switch msg[0] {
	case 0x6a: // [APPLICATION 10] AS-REQ
		reply, err = k.asExchange(msg)
	case 0x6c: // [APPLICATION 12] TGS-REQ
		reply, err = k.tgsExchange(msg)
	default:
		return fmt.Errorf("unexpected message tag %#x", msg[0])
	}
	if err != nil {
		return err
	}
	if err := binary.Write(c, binary.BigEndian, uint32(len(reply))); err != nil {
		return err
	}
	_, err = c.Write(reply)
	return err
}

func (k *fakeKDC) krbError(sname types.PrincipalName, code int32, edata []byte) ([]byte, error) {
	e := messages.NewKRBError(sname, k.realm, code, "")
	e.EData = edata
	return e.Marshal()
}

// preauthRequired is KDC_ERR_PREAUTH_REQUIRED with the PA-ETYPE-INFO2
// the client derives its key with.
func (k *fakeKDC) preauthRequired(req messages.ASReq) ([]byte, error) {
	info, err := asn1.Marshal(types.ETypeInfo2{{EType: kdcEtype, Salt: k.realm + strings.Join(req.ReqBody.CName.NameString, "")}})
	if err != nil {
		return nil, err
	}
	edata, err := asn1.Marshal(types.PADataSequence{{PADataType: patype.PA_ETYPE_INFO2, PADataValue: info}})
	if err != nil {
		return nil, err
	}
	return k.krbError(req.ReqBody.SName, errorcode.KDC_ERR_PREAUTH_REQUIRED, edata)
}

// preauthOK reports whether req carries a timestamp encrypted with key.
func preauthOK(req messages.ASReq, key types.EncryptionKey) (present, ok bool) {
	for _, pa := range req.PAData {
		if pa.PADataType != patype.PA_ENC_TIMESTAMP {
			continue
		}
		var ed types.EncryptedData
		if err := ed.Unmarshal(pa.PADataValue); err != nil {
			return true, false
		}
		_, err := crypto.DecryptEncPart(ed, key, keyusage.AS_REQ_PA_ENC_TIMESTAMP)
		return true, err == nil
	}
	return false, false
}

func (k *fakeKDC) asExchange(msg []byte) ([]byte, error) {
	var req messages.ASReq
	if err := req.Unmarshal(msg); err != nil {
		return nil, fmt.Errorf("AS-REQ: %w", err)
	}
	user := req.ReqBody.CName.PrincipalNameString()
	k.mu.Lock()
	k.asked = append(k.asked, "AS "+user+"@"+req.ReqBody.Realm)
	k.mu.Unlock()
	password, known := k.users[user]
	if !known || req.ReqBody.Realm != k.realm {
		return k.krbError(req.ReqBody.SName, errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, nil)
	}
	clientKey, _, err := crypto.GetKeyFromPassword(password, req.ReqBody.CName, k.realm, kdcEtype, types.PADataSequence{})
	if err != nil {
		return nil, err
	}
	switch present, ok := preauthOK(req, clientKey); {
	case !present:
		return k.preauthRequired(req)
	case !ok:
		return k.krbError(req.ReqBody.SName, errorcode.KDC_ERR_PREAUTH_FAILED, nil)
	}
	now := time.Now().UTC().Truncate(time.Second)
	tgt, session, err := messages.NewTicket(req.ReqBody.CName, k.realm, req.ReqBody.SName, k.realm,
		ticketFlags(), k.tgs, kdcEtype, 1, now, now, now.Add(10*time.Hour), now.Add(10*time.Hour))
	if err != nil {
		return nil, err
	}
	enc, err := k.encPart(session, req.ReqBody.Nonce, req.ReqBody.SName, now, clientKey, keyusage.AS_REP_ENCPART, 1)
	if err != nil {
		return nil, err
	}
	rep := messages.ASRep{KDCRepFields: messages.KDCRepFields{PVNO: 5, MsgType: msgtype.KRB_AS_REP,
		CRealm: k.realm, CName: req.ReqBody.CName, Ticket: tgt, EncPart: enc}}
	return rep.Marshal()
}

func (k *fakeKDC) tgsExchange(msg []byte) ([]byte, error) {
	var req messages.TGSReq
	if err := req.Unmarshal(msg); err != nil {
		return nil, fmt.Errorf("TGS-REQ: %w", err)
	}
	sname := req.ReqBody.SName
	k.mu.Lock()
	k.asked = append(k.asked, "TGS "+sname.PrincipalNameString())
	k.mu.Unlock()
	var ap messages.APReq
	for _, pa := range req.PAData {
		if pa.PADataType == patype.PA_TGS_REQ {
			if err := ap.Unmarshal(pa.PADataValue); err != nil {
				return nil, fmt.Errorf("PA-TGS-REQ: %w", err)
			}
		}
	}
	if err := ap.Ticket.DecryptEncPart(k.tgs, nil); err != nil {
		return nil, fmt.Errorf("TGT: %w", err)
	}
	tgt := ap.Ticket.DecryptedEncPart
	if _, _, err := k.services.GetEncryptionKey(sname, k.realm, 1, kdcEtype); err != nil {
		return k.krbError(sname, errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, nil)
	}
	now := time.Now().UTC().Truncate(time.Second)
	tkt, session, err := messages.NewTicket(tgt.CName, k.realm, sname, k.realm,
		ticketFlags(), k.services, kdcEtype, 1, now, now, now.Add(10*time.Hour), now.Add(10*time.Hour))
	if err != nil {
		return nil, err
	}
	enc, err := k.encPart(session, req.ReqBody.Nonce, sname, now, tgt.Key, keyusage.TGS_REP_ENCPART_SESSION_KEY, 0)
	if err != nil {
		return nil, err
	}
	rep := messages.TGSRep{KDCRepFields: messages.KDCRepFields{PVNO: 5, MsgType: msgtype.KRB_TGS_REP,
		CRealm: k.realm, CName: tgt.CName, Ticket: tkt, EncPart: enc}}
	return rep.Marshal()
}

// encPart is the reply's part for the client, encrypted with key.
func (k *fakeKDC) encPart(session types.EncryptionKey, nonce int, sname types.PrincipalName, now time.Time,
	key types.EncryptionKey, usage uint32, kvno int) (types.EncryptedData, error) {
	p := messages.EncKDCRepPart{
		Key:       session,
		LastReqs:  []messages.LastReq{{LRType: 0, LRValue: now}},
		Nonce:     nonce,
		Flags:     ticketFlags(),
		AuthTime:  now,
		StartTime: now,
		EndTime:   now.Add(10 * time.Hour),
		RenewTill: now.Add(10 * time.Hour),
		SRealm:    k.realm,
		SName:     sname,
	}
	b, err := p.Marshal()
	if err != nil {
		return types.EncryptedData{}, err
	}
	return crypto.GetEncryptedData(b, key, usage, kvno)
}

func ticketFlags() asn1.BitString {
	f := types.NewKrbFlags()
	types.SetFlag(&f, flags.Forwardable)
	types.SetFlag(&f, flags.Renewable)
	types.SetFlag(&f, flags.Initial)
	return f
}

// principal is a user principal name for the tests.
func principal(name string) types.PrincipalName {
	return types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, name)
}
