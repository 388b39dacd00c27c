package itms

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/itms-tools/reconciler/vocab"
)

// FuzzAgentReply feeds arbitrary script output through the whole parsing
// path of an observation: it may be refused, never panic, and what it
// keeps is well-formed. Seeds: the recorded reply and variants.
func FuzzAgentReply(f *testing.F) {
	rec, err := os.ReadFile(filepath.Join("testdata", "replies", "observe_agent.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Add([]byte(`{"ok":true,"roots":[],"log":{"data":null,"refused":""},"local":[],"packages":[]}`))
	f.Add([]byte(`{"ok":false,"code":"com_error","error":"x","hresult":"0x80070005"}`))
	f.Add([]byte("garbage"))
	loc := buildLocations("", "", locateReply{InstallDir: `D:\Program Files\Altiris\Altiris Agent`, Locations: []string{"_default_"}})
	asked := []vocab.GUID{pkgReady, pkgStale, pkgDeleted}
	s := &Site{log: discardLogger()}
	f.Fuzz(func(t *testing.T, stdout []byte) {
		var r agentReply
		if err := decodeReply(opObserveAgent, testHost, stdout, &r); err != nil {
			return
		}
		facts, found, err := s.agentFacts(testHost, loc, asked, r)
		if err != nil {
			return
		}
		for _, p := range facts.Packages {
			if !p.Package.Valid() {
				t.Fatalf("invalid package %q in facts", p.Package)
			}
		}
		if facts.Known() || len(found.delivery) == 0 {
			t.Fatalf("facts %+v, folders %+v", facts, found)
		}
		e := facts.Evidence
		if e.BareFolders > e.FoldersRead || e.FoldersRead > len(facts.Packages) || e.TrustErrors > len(facts.Packages) {
			t.Fatalf("evidence %+v for %d packages", e, len(facts.Packages))
		}
		for _, p := range append(found.delivery, found.status...) {
			if vocab.CheckWindowsFolder(p) != nil {
				t.Fatalf("folder %q kept", p)
			}
		}
	})
}

// FuzzLocateReply: any locate_agent reply gives only checked folders,
// never a panic, and always the KB's folders as a fallback.
func FuzzLocateReply(f *testing.F) {
	rec, err := os.ReadFile(filepath.Join("testdata", "replies", "locate_agent.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Add([]byte(`{"ok":true,"install_dir":"","locations":[]}`))
	f.Add([]byte(`{"ok":true,"install_dir":"C:\\Windows","locations":["..\\x","Q:\\New folder for packages"]}`))
	f.Fuzz(func(t *testing.T, stdout []byte) {
		var r locateReply
		if err := decodeReply(opLocateAgent, testHost, stdout, &r); err != nil {
			return
		}
		loc := buildLocations("", "", r)
		for _, p := range append(loc.delivery, loc.status...) {
			if vocab.CheckWindowsFolder(p) != nil {
				t.Fatalf("folder %q kept", p)
			}
		}
		if len(loc.delivery) == 0 || len(loc.status) < 2 || len(loc.delivery) > 2*maxLocationValues+2 {
			t.Fatalf("locations %+v", loc)
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
