package disk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/layout"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// nsJSON is ns/settings.json: the Package Service security setting.
type nsJSON struct {
	Mode          vocab.Mode `json:"mode"`
	Account       string     `json:"account,omitempty"`
	PolicyVersion int64      `json:"policy_version"`
}

// agentJSON is servers/NAME/agent.json: what Windows holds on the PS.
type agentJSON struct {
	Applied       vocab.Credential `json:"applied"`
	PolicyVersion int64            `json:"policy_version"`
	FullControl   []string         `json:"full_control"`
	Downloading   []vocab.GUID     `json:"downloading"`
}

// decodeStrict decodes one JSON value, refusing unknown fields and
// trailing data.
func decodeStrict(file string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the value", file)
	}
	return nil
}

func marshal(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // plain structs of strings and numbers
	}
	return append(b, '\n')
}

// NS implements world.Store.
func (st *Store) NS() (world.NSSetting, error) {
	data, ok, err := st.read(layout.NSSettingsFile)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", layout.NSSettingsFile)
	}
	if err != nil {
		return world.NSSetting{}, err
	}
	var v nsJSON
	if err := decodeStrict(layout.NSSettingsFile, data, &v); err != nil {
		return world.NSSetting{}, err
	}
	c := vocab.Credential{Mode: v.Mode, Account: v.Account}
	if err := c.Validate(); err != nil {
		return world.NSSetting{}, fmt.Errorf("%s: %w", layout.NSSettingsFile, err)
	}
	return world.NSSetting{Cred: c, Version: v.PolicyVersion}, nil
}

// PutNS implements world.Store.
func (st *Store) PutNS(ns world.NSSetting) error {
	return st.write(layout.NSSettingsFile, marshal(nsJSON{ns.Cred.Mode, ns.Cred.Account, ns.Version}))
}

// Agent implements world.Store.
func (st *Store) Agent(s int) (world.AgentRec, error) {
	rel := layout.AgentJSON(string(st.cat.Servers[s].Name))
	data, ok, err := st.read(rel)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", rel)
	}
	if err != nil {
		return world.AgentRec{}, err
	}
	var v agentJSON
	if err := decodeStrict(rel, data, &v); err != nil {
		return world.AgentRec{}, err
	}
	return st.agentFromJSON(rel, v)
}

// agentFromJSON validates agent.json's untrusted values.
func (st *Store) agentFromJSON(rel string, v agentJSON) (world.AgentRec, error) {
	if err := v.Applied.Validate(); err != nil {
		return world.AgentRec{}, fmt.Errorf("%s: applied: %w", rel, err)
	}
	a := world.AgentRec{Applied: v.Applied, Received: v.PolicyVersion, FullControl: v.FullControl}
	for _, p := range v.FullControl {
		if err := vocab.ValidAccount(p); err != nil {
			return world.AgentRec{}, fmt.Errorf("%s: full_control: %w", rel, err)
		}
	}
	for _, g := range v.Downloading {
		p, ok := st.cat.Package(g)
		if !ok {
			return world.AgentRec{}, fmt.Errorf("%s: downloading: unknown package %q", rel, vocab.Clip(string(g)))
		}
		a.Downloading = append(a.Downloading, p)
	}
	slices.Sort(a.Downloading)
	a.Downloading = slices.Compact(a.Downloading)
	return a, nil
}

// PutAgent implements world.Store.
func (st *Store) PutAgent(s int, a world.AgentRec) error {
	v := agentJSON{Applied: a.Applied, PolicyVersion: a.Received, FullControl: a.FullControl, Downloading: []vocab.GUID{}}
	if v.FullControl == nil {
		v.FullControl = []string{}
	}
	for _, p := range a.Downloading {
		v.Downloading = append(v.Downloading, st.cat.Packages[p].ID)
	}
	return st.write(layout.AgentJSON(string(st.cat.Servers[s].Name)), marshal(v))
}

// maxLogBytes is where agent.log is cut back to its last events.
const maxLogBytes = 256 << 10

// AppendLog implements world.Store.
func (st *Store) AppendLog(s int, evs []world.LogEvent) error {
	host := st.cat.Servers[s].Name
	rel := layout.AgentLog(string(host))
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(formatLogEvent(host, st.m.Epoch, e))
	}
	size, err := st.appendLines(rel, []byte(b.String()))
	if err != nil || size <= maxLogBytes {
		return err
	}
	lines, err := st.tail(rel, world.LogTailEvents)
	if err != nil {
		return err
	}
	return st.write(rel, []byte(strings.Join(lines, "\n")+"\n"))
}

// LogTail implements world.Store.
func (st *Store) LogTail(s int) ([]world.LogEvent, error) {
	rel := layout.AgentLog(string(st.cat.Servers[s].Name))
	lines, err := st.tail(rel, world.LogTailEvents)
	if err != nil {
		return nil, err
	}
	out := make([]world.LogEvent, 0, len(lines))
	for i, l := range lines {
		k, err := parseLogLine(l)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d from the end: %w", rel, len(lines)-i, err)
		}
		out = append(out, world.LogEvent{Kind: k})
	}
	return out, nil
}

// tailLines reads the last n non-empty lines of r (of the given size),
// in chunks from the end.
func tailLines(r io.ReaderAt, size int64, n int) ([]string, error) {
	const chunk = 16 << 10
	var buf []byte
	off := size
	for off > 0 && bytes.Count(buf, []byte{'\n'}) <= n && size-off < maxFile {
		k := min(off, chunk)
		off -= k
		part := make([]byte, k)
		if _, err := r.ReadAt(part, off); err != nil && err != io.EOF {
			return nil, err
		}
		buf = append(part, buf...)
	}
	lines := strings.Split(string(buf), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // the first line is cut
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" })
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

// NSSnapshot implements world.Store.
func (st *Store) NSSnapshot(p int) (world.FileVer, error) {
	id := st.cat.Packages[p].ID
	return st.readSnapshot(layout.NSSnapshot(string(id)), id)
}

// PutNSSnapshot implements world.Store.
func (st *Store) PutNSSnapshot(p int, f world.FileVer) error {
	id := st.cat.Packages[p].ID
	return st.putSnapshotFile(layout.NSSnapshot(string(id)), id, f)
}

// Snapshot implements world.Store.
func (st *Store) Snapshot(s, p int) (world.FileVer, error) {
	id := st.cat.Packages[p].ID
	return st.readSnapshot(layout.Snapshot(string(st.cat.Servers[s].Name), string(id)), id)
}

// PutSnapshot implements world.Store.
func (st *Store) PutSnapshot(s, p int, f world.FileVer) error {
	id := st.cat.Packages[p].ID
	return st.putSnapshotFile(layout.Snapshot(string(st.cat.Servers[s].Name), string(id)), id, f)
}

func (st *Store) readSnapshot(rel string, id vocab.GUID) (world.FileVer, error) {
	data, ok, err := st.read(rel)
	if err != nil || !ok {
		return world.FileVer{}, err
	}
	v, err := parseSnapshot(rel, data, id)
	return world.FileVer{Present: err == nil, Version: v}, err
}

func (st *Store) putSnapshotFile(rel string, id vocab.GUID, f world.FileVer) error {
	if !f.Present {
		return st.remove(rel)
	}
	return st.write(rel, formatSnapshot(id, f.Version))
}

// StatusFile implements world.Store.
func (st *Store) StatusFile(s, p int) (world.StatusFile, error) {
	id := st.cat.Packages[p].ID
	rel := layout.Status(string(st.cat.Servers[s].Name), string(id))
	data, ok, err := st.read(rel)
	if err != nil || !ok {
		return world.StatusFile{}, err
	}
	return parseStatus(rel, data, id)
}

// PutStatusFile implements world.Store.
func (st *Store) PutStatusFile(s, p int, f world.StatusFile) error {
	id := st.cat.Packages[p].ID
	rel := layout.Status(string(st.cat.Servers[s].Name), string(id))
	if !f.Present {
		return st.remove(rel)
	}
	return st.write(rel, formatStatus(id, f))
}

// Candidates implements world.Store.
func (st *Store) Candidates(int) ([]int, error) { return allIndices(len(st.cat.Packages)), nil }

// AbsentSnapshots implements world.Store.
func (st *Store) AbsentSnapshots(s int) ([]int, error) {
	var out []int
	for p, info := range st.cat.Packages {
		ok, err := st.exists(layout.Snapshot(string(st.cat.Servers[s].Name), string(info.ID)))
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
