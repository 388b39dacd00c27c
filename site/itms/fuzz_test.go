package itms

import (
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// FuzzAgentReply feeds arbitrary script output through the whole parsing
// path of an observation: it may be refused, never panic.
func FuzzAgentReply(f *testing.F) {
	f.Add([]byte(`{"ok":true,"policy_files":[],"acl":[],"log":{"data":null,"refused":""},"local":[],"packages":[]}`))
	f.Add([]byte(`{"ok":false,"code":"com_error","error":"x","hresult":"0x80070005"}`))
	f.Add([]byte(`{"ok":true,"policy_files":[{"name":"a","written":"2024-05-01T10:00:00Z","has_credentials":true,"user":"CORP\\a","refused":""}],` +
		`"acl":[{"identity":"x","rights":-1,"type":"Allow","inheritance":3,"propagation":0}],"log":{"data":"AAA=","refused":""},` +
		`"local":[{"id":"11111111-2222-3333-4444-000000000001","status":9}],"packages":[{"id":"11111111-2222-3333-4444-000000000001",` +
		`"snapshot":{"data":"PHMgdmVyc2lvbj0iMSIvPg==","refused":""},"status":{"data":"PHMvPg==","refused":""}}]}`))
	f.Add([]byte("garbage"))
	asked := []vocab.GUID{pkgReady, pkgStale}
	s := &Site{log: discardLogger()}
	s.lastNS.Store(&vocab.Credential{Mode: vocab.ACC, Account: `CORP\a`})
	f.Fuzz(func(t *testing.T, stdout []byte) {
		var r agentReply
		if err := decodeReply(opObserveAgent, testHost, stdout, &r); err != nil {
			return
		}
		facts, err := s.agentFacts(testHost, asked, r)
		if err != nil {
			return
		}
		for _, p := range facts.Packages {
			if !p.Package.Valid() {
				t.Fatalf("invalid package %q in facts", p.Package)
			}
		}
	})
}

// FuzzRootAttr: any file head is parsed or refused, never a panic.
func FuzzRootAttr(f *testing.F) {
	for _, s := range []string{`<s Version="1"/>`, `<?xml version="1.0"?><!DOCTYPE s><s/>`, `<s`, "\xef\xbb\xbf<a b='c'>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		if v, err := snapshotVersion(head); err == nil && checkVersion(v) != nil {
			t.Fatalf("accepted version %q", v)
		}
		_, _ = recordedStatus(head)
	})
}
