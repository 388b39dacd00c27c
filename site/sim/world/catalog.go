package world

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/scenario"
	"github.com/itms-tools/reconciler/vocab"
)

// Catalog is the immutable part of a site: its servers (in name order) and
// packages (in GUID order) with their identities and versions. Every
// server and package index of the simulator refers to these slices. A
// catalog built by hand (a store decoding its own file) must be indexed
// (Index) before use.
type Catalog struct {
	Servers  []ServerInfo
	Packages []PackageInfo
	byName   map[string]int     // upper-case server name → index
	byID     map[vocab.GUID]int // package GUID → index
}

// ServerInfo is one package server of a catalog.
type ServerInfo struct {
	Name  vocab.Host
	ID    vocab.GUID
	Upper string // ID as SQL Server's CONVERT spells it (set by Index)
}

// PackageInfo is one package of a catalog.
type PackageInfo struct {
	ID      vocab.GUID
	Upper   string // ID as SQL Server's CONVERT spells it (set by Index)
	Name    string
	Version string // decimal integer, at least 2
	Prev    string // version - 1: what a stale snapshot holds (set by Index)
}

// NewCatalog builds the servers and packages of a scenario from the seed.
func NewCatalog(sc *scenario.Scenario, seed int64) *Catalog {
	c := &Catalog{}
	taken := map[vocab.GUID]bool{}
	r := scenario.Rand(seed, scenario.StreamServers)
	for i := range sc.Servers {
		id := freshGUID(r, taken)
		c.Servers = append(c.Servers, ServerInfo{Name: vocab.Host(scenario.ServerName(i, sc.Servers)), ID: id})
	}
	r = scenario.Rand(seed, scenario.StreamPackages)
	names := packageNames(r, sc.Packages)
	for i := range sc.Packages {
		v := 2 + r.IntN(40)
		c.Packages = append(c.Packages, PackageInfo{ID: freshGUID(r, taken), Name: names[i], Version: strconv.Itoa(v)})
	}
	slices.SortFunc(c.Packages, func(a, b PackageInfo) int { return strings.Compare(string(a.ID), string(b.ID)) })
	_ = c.Index() // GUIDs are drawn fresh and names are numbered: no duplicate
	return c
}

// Index fills the lookup maps and the derived fields (Upper, Prev). It
// fails when two servers share a name or two packages an ID.
func (c *Catalog) Index() error {
	c.byName = make(map[string]int, len(c.Servers))
	for i := range c.Servers {
		s := &c.Servers[i]
		s.Upper = strings.ToUpper(string(s.ID))
		c.byName[strings.ToUpper(string(s.Name))] = i
	}
	c.byID = make(map[vocab.GUID]int, len(c.Packages))
	for i := range c.Packages {
		p := &c.Packages[i]
		p.Upper = strings.ToUpper(string(p.ID))
		n, _ := strconv.Atoi(p.Version)
		p.Prev = strconv.Itoa(n - 1)
		c.byID[p.ID] = i
	}
	if len(c.byName) != len(c.Servers) || len(c.byID) != len(c.Packages) {
		return errors.New("duplicate server or package")
	}
	return nil
}

// Server finds a server by name, case-insensitively.
func (c *Catalog) Server(h vocab.Host) (int, bool) {
	i, ok := c.byName[strings.ToUpper(string(h))]
	return i, ok
}

// Package finds a package by canonical GUID.
func (c *Catalog) Package(g vocab.GUID) (int, bool) {
	i, ok := c.byID[g]
	return i, ok
}

// Size is how many servers and packages the site has.
func (c *Catalog) Size() (servers, packages int) { return len(c.Servers), len(c.Packages) }

// freshGUID draws a random version-4 GUID not drawn before.
func freshGUID(r *rand.Rand, taken map[vocab.GUID]bool) vocab.GUID {
	for {
		var b [16]byte
		for i := range 2 {
			u := r.Uint64()
			for j := range 8 {
				b[i*8+j] = byte(u >> (8 * j))
			}
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		g := vocab.GUID(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32])
		if !taken[g] {
			taken[g] = true
			return g
		}
	}
}

// softwareNames are the kind of packages a software library holds.
var softwareNames = []string{
	"7-Zip 24.08 (x64)", "Adobe Acrobat Reader DC 24.004", "Google Chrome 131.0.6778",
	"Mozilla Firefox ESR 128.5", "Notepad++ 8.7.1", "VLC media player 3.0.21",
	"Microsoft Edge 131.0.2903", "Zoom Workplace 6.2.11", "Microsoft Teams 24295",
	"Cisco Secure Client 5.1.6", "Citrix Workspace 2409", "PuTTY 0.82",
	"WinSCP 6.3.5", "Git for Windows 2.47.1", "Python 3.12.8", "Java SE Runtime 8u431",
	"Microsoft .NET Desktop Runtime 8.0.11", "Visual C++ Redistributable 2015-2022 14.42",
	"Microsoft Office LTSC 2021 16.0.14332", "Microsoft OneDrive 24.226",
	"Symantec Endpoint Protection 14.3 RU9", "Broadcom Symantec Management Agent 8.7",
	"Wireshark 4.4.2", "KeePass 2.57.1", "Paint.NET 5.1.1", "GIMP 2.10.38",
	"LibreOffice 24.8.3", "Foxit PDF Reader 2024.3", "TeamViewer Host 15.60",
	"Webex App 44.11", "Slack 4.41.105", "Visual Studio Code 1.96.0",
	"SQL Server Management Studio 20.2", "Power BI Desktop 2.138", "Tableau Reader 2024.3",
	"AutoCAD LT 2025.1", "SAP GUI for Windows 8.00 PL11", "Oracle Instant Client 23.6",
	"IrfanView 4.70", "Greenshot 1.2.10", "FileZilla Client 3.68.1", "Audacity 3.7.0",
	"HP Universal Print Driver 7.3", "Lenovo System Update 5.08", "Dell Command Update 5.4",
	"Intel Graphics Driver 31.0.101", "BitLocker Recovery Tool 2.0", "Windows 11 24H2 Update KB5048667",
}

// packageNames returns n package names in a seeded order; past the list's
// length, later builds of the same software.
func packageNames(r *rand.Rand, n int) []string {
	base := slices.Clone(softwareNames)
	r.Shuffle(len(base), func(i, j int) { base[i], base[j] = base[j], base[i] })
	out := make([]string, n)
	for i := range n {
		out[i] = base[i%len(base)]
		if k := i / len(base); k > 0 {
			out[i] += fmt.Sprintf(" build %d", k+1)
		}
	}
	return out
}

// otherCredential is the credential a broken PS holds instead of the NS
// setting: anonymous when the NS wants an account, an old account else.
func otherCredential(ns vocab.Credential) vocab.Credential {
	if ns.Mode.NeedsAccount() {
		return vocab.Credential{Mode: vocab.Anonymous}
	}
	return vocab.Credential{Mode: vocab.ACC, Account: `CORP\svc-itms-old`}
}

// Principals every healthy Package Delivery ACL holds.
const (
	PrincipalSystem = "SYSTEM"
	PrincipalAdmins = "Administrators"
)

// DefaultACL is the Full Control list of a healthy PS.
func DefaultACL(ns vocab.Credential) []string {
	acl := []string{PrincipalSystem, PrincipalAdmins}
	if ns.Mode.NeedsAccount() {
		acl = append(acl, ns.Account)
	}
	return acl
}

// HasPrincipal reports whether acl holds the account (case-insensitive).
func HasPrincipal(acl []string, account string) bool {
	return slices.ContainsFunc(acl, func(p string) bool { return strings.EqualFold(p, account) })
}
