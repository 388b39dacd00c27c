package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/layout"
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

func (st *diskStore) ns() (nsSetting, error) {
	data, ok, err := st.read(layout.NSSettingsFile)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", layout.NSSettingsFile)
	}
	if err != nil {
		return nsSetting{}, err
	}
	var v nsJSON
	if err := decodeStrict(layout.NSSettingsFile, data, &v); err != nil {
		return nsSetting{}, err
	}
	c := vocab.Credential{Mode: v.Mode, Account: v.Account}
	if err := c.Validate(); err != nil {
		return nsSetting{}, fmt.Errorf("%s: %w", layout.NSSettingsFile, err)
	}
	return nsSetting{Cred: c, Version: v.PolicyVersion}, nil
}

func (st *diskStore) putNS(ns nsSetting) error {
	return st.write(layout.NSSettingsFile, marshal(nsJSON{ns.Cred.Mode, ns.Cred.Account, ns.Version}))
}

func (st *diskStore) agent(s int) (agentRec, error) {
	rel := layout.AgentJSON(string(st.cat.servers[s].name))
	data, ok, err := st.read(rel)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", rel)
	}
	if err != nil {
		return agentRec{}, err
	}
	var v agentJSON
	if err := decodeStrict(rel, data, &v); err != nil {
		return agentRec{}, err
	}
	return st.agentFromJSON(rel, v)
}

// agentFromJSON validates agent.json's untrusted values.
func (st *diskStore) agentFromJSON(rel string, v agentJSON) (agentRec, error) {
	if err := v.Applied.Validate(); err != nil {
		return agentRec{}, fmt.Errorf("%s: applied: %w", rel, err)
	}
	a := agentRec{Applied: v.Applied, Received: v.PolicyVersion, FullControl: v.FullControl}
	for _, p := range v.FullControl {
		if err := vocab.ValidAccount(p); err != nil {
			return agentRec{}, fmt.Errorf("%s: full_control: %w", rel, err)
		}
	}
	for _, g := range v.Downloading {
		p, ok := st.cat.Package(g)
		if !ok {
			return agentRec{}, fmt.Errorf("%s: downloading: unknown package %q", rel, vocab.Clip(string(g)))
		}
		a.Downloading = append(a.Downloading, p)
	}
	slices.Sort(a.Downloading)
	a.Downloading = slices.Compact(a.Downloading)
	return a, nil
}

func (st *diskStore) putAgent(s int, a agentRec) error {
	v := agentJSON{Applied: a.Applied, PolicyVersion: a.Received, FullControl: a.FullControl, Downloading: []vocab.GUID{}}
	if v.FullControl == nil {
		v.FullControl = []string{}
	}
	for _, p := range a.Downloading {
		v.Downloading = append(v.Downloading, st.cat.packages[p].id)
	}
	return st.write(layout.AgentJSON(string(st.cat.servers[s].name)), marshal(v))
}

// maxLogBytes is where agent.log is cut back to its last events.
const maxLogBytes = 256 << 10

func (st *diskStore) appendLog(s int, evs []logEvent) error {
	host := st.cat.servers[s].name
	rel := layout.AgentLog(string(host))
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(formatLogEvent(host, st.m.Epoch, e))
	}
	size, err := st.appendLines(rel, []byte(b.String()))
	if err != nil || size <= maxLogBytes {
		return err
	}
	lines, err := st.tail(rel, logTailEvents)
	if err != nil {
		return err
	}
	return st.write(rel, []byte(strings.Join(lines, "\n")+"\n"))
}

func (st *diskStore) logTail(s int) ([]logEvent, error) {
	rel := layout.AgentLog(string(st.cat.servers[s].name))
	lines, err := st.tail(rel, logTailEvents)
	if err != nil {
		return nil, err
	}
	out := make([]logEvent, 0, len(lines))
	for i, l := range lines {
		k, err := parseLogLine(l)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d from the end: %w", rel, len(lines)-i, err)
		}
		out = append(out, logEvent{Kind: k})
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

func (st *diskStore) nsSnapshot(p int) (fileVer, error) {
	id := st.cat.packages[p].id
	return st.readSnapshot(layout.NSSnapshot(string(id)), id)
}

func (st *diskStore) putNSSnapshot(p int, f fileVer) error {
	id := st.cat.packages[p].id
	return st.putSnapshotFile(layout.NSSnapshot(string(id)), id, f)
}

func (st *diskStore) snapshot(s, p int) (fileVer, error) {
	id := st.cat.packages[p].id
	return st.readSnapshot(layout.Snapshot(string(st.cat.servers[s].name), string(id)), id)
}

func (st *diskStore) putSnapshot(s, p int, f fileVer) error {
	id := st.cat.packages[p].id
	return st.putSnapshotFile(layout.Snapshot(string(st.cat.servers[s].name), string(id)), id, f)
}

func (st *diskStore) readSnapshot(rel string, id vocab.GUID) (fileVer, error) {
	data, ok, err := st.read(rel)
	if err != nil || !ok {
		return fileVer{}, err
	}
	v, err := parseSnapshot(rel, data, id)
	return fileVer{Present: err == nil, Version: v}, err
}

func (st *diskStore) putSnapshotFile(rel string, id vocab.GUID, f fileVer) error {
	if !f.Present {
		return st.remove(rel)
	}
	return st.write(rel, formatSnapshot(id, f.Version))
}

func (st *diskStore) statusFile(s, p int) (statusFile, error) {
	id := st.cat.packages[p].id
	rel := layout.Status(string(st.cat.servers[s].name), string(id))
	data, ok, err := st.read(rel)
	if err != nil || !ok {
		return statusFile{}, err
	}
	return parseStatus(rel, data, id)
}

func (st *diskStore) putStatusFile(s, p int, f statusFile) error {
	id := st.cat.packages[p].id
	rel := layout.Status(string(st.cat.servers[s].name), string(id))
	if !f.Present {
		return st.remove(rel)
	}
	return st.write(rel, formatStatus(id, f))
}

func (st *diskStore) candidates(int) ([]int, error) { return allIndices(len(st.cat.packages)), nil }

func (st *diskStore) absentSnapshots(s int) ([]int, error) {
	var out []int
	for p, info := range st.cat.packages {
		ok, err := st.exists(layout.Snapshot(string(st.cat.servers[s].name), string(info.id)))
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, p)
		}
	}
	return out, nil
}
