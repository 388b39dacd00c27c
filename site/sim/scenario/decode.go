package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/itms-tools/reconciler/vocab"
)

// Parse decodes a scenario file (DESIGN §7), fills in defaults and
// validates it. Unknown fields at any level and unknown fault kinds are
// errors. Errors read "FILE:LINE:COL: faults[N]: message" where a position
// and a fault are known.
func Parse(filename string, data []byte) (*Scenario, error) {
	d := &jsonDoc{file: filename, data: data}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, d.errAt(max(se.Offset-1, 0), "%s", se.Error())
		}
		return nil, d.errAt(0, "%s", err)
	}
	raw, err := d.scenario()
	if err != nil {
		return nil, err
	}
	return raw.finish(d)
}

// jsonDoc walks a scenario file token by token, so that every error can
// point at the field it is about.
type jsonDoc struct {
	file string
	data []byte
	dec  *json.Decoder
}

// errAt formats an error at a byte offset of the file.
func (d *jsonDoc) errAt(off int64, format string, args ...any) error {
	line, col := lineCol(d.data, off)
	return fmt.Errorf("%s:%d:%d: %s", d.file, line, col, fmt.Sprintf(format, args...))
}

// lineCol converts a byte offset into a 1-based line and column (in runes).
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// next returns the offset where the next token starts.
func (d *jsonDoc) next() int64 {
	off := d.dec.InputOffset()
	for off < int64(len(d.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), d.data[off]) >= 0 {
		off++
	}
	return off
}

// rawScenario is a scenario as written, with the position of each field.
type rawScenario struct {
	at         map[string]int64
	start      int64
	name       string
	seed       int64
	servers    int
	packages   int
	credential vocab.Credential
	duration   string
	faults     []rawFault
}

// rawFault is one fault as written, with the position of each field.
type rawFault struct {
	at           map[string]int64
	start        int64
	kind         string
	servers      []string
	count        int
	packages     int
	from, forDur string
	packageID    string
}

func (d *jsonDoc) scenario() (*rawScenario, error) {
	d.dec = json.NewDecoder(bytes.NewReader(d.data))
	r := &rawScenario{start: d.next()}
	err := d.object("", func(key string, at int64) error {
		switch key {
		case "name":
			return d.value(at, key, &r.name)
		case "seed":
			return d.value(at, key, &r.seed)
		case "servers":
			return d.value(at, key, &r.servers)
		case "packages":
			return d.value(at, key, &r.packages)
		case "credential":
			return d.credential(&r.credential)
		case "duration":
			return d.value(at, key, &r.duration)
		case "faults":
			return d.faults(&r.faults)
		}
		return unknownField{}
	}, &r.at)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); err == nil {
		return nil, d.errAt(d.dec.InputOffset(), "unexpected data after the scenario")
	}
	return r, nil
}

// object reads one JSON object, calling field for each key with the
// offset of its value. Duplicate keys are errors. at receives each
// field's value offset.
func (d *jsonDoc) object(prefix string, field func(key string, at int64) error, at *map[string]int64) error {
	start := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return d.errAt(start, "%s%s", prefix, err)
	}
	if tok != json.Delim('{') {
		return d.errAt(start, "%swant an object", prefix)
	}
	*at = map[string]int64{}
	for d.dec.More() {
		keyAt := d.next()
		tok, err := d.dec.Token()
		if err != nil {
			return d.errAt(keyAt, "%s%s", prefix, err)
		}
		key, _ := tok.(string)
		if _, dup := (*at)[key]; dup {
			return d.errAt(keyAt, "%sduplicate field %q", prefix, vocab.Clip(key))
		}
		valueAt := d.next()
		(*at)[key] = valueAt
		if err := field(key, valueAt); err != nil {
			if _, ok := err.(unknownField); ok {
				return d.errAt(keyAt, "%sunknown field %q", prefix, vocab.Clip(key))
			}
			return err
		}
	}
	_, err = d.dec.Token() // the closing brace
	return err
}

// unknownField tells object to report an unknown key at the key itself.
type unknownField struct{}

// Error implements error.
func (unknownField) Error() string { return "unknown field" }

// value decodes one field's value into dst, naming the expected type on
// a mismatch.
func (d *jsonDoc) value(at int64, path string, dst any) error {
	if err := d.dec.Decode(dst); err != nil {
		return d.errAt(at, "%s: want %s", path, typeName(dst))
	}
	return nil
}

func typeName(dst any) string {
	switch dst.(type) {
	case *string:
		return "a string"
	case *int, *int64:
		return "an integer"
	case *[]string:
		return "a list of strings"
	}
	return "another type"
}

func (d *jsonDoc) credential(c *vocab.Credential) error {
	var at map[string]int64
	return d.object("credential: ", func(key string, valueAt int64) error {
		switch key {
		case "mode":
			var m string
			if err := d.value(valueAt, "credential.mode", &m); err != nil {
				return err
			}
			c.Mode = vocab.Mode(m)
			return nil
		case "account":
			return d.value(valueAt, "credential.account", &c.Account)
		}
		return unknownField{}
	}, &at)
}

func (d *jsonDoc) faults(out *[]rawFault) error {
	start := d.next()
	tok, err := d.dec.Token()
	if err != nil || tok != json.Delim('[') {
		return d.errAt(start, "faults: want a list")
	}
	for i := 0; d.dec.More(); i++ {
		if i == MaxFaults {
			return d.errAt(d.next(), "faults: more than %d faults", MaxFaults)
		}
		f, err := d.fault(i)
		if err != nil {
			return err
		}
		*out = append(*out, f)
	}
	_, err = d.dec.Token() // the closing bracket
	return err
}

func (d *jsonDoc) fault(i int) (rawFault, error) {
	f := rawFault{start: d.next()}
	p := fmt.Sprintf("faults[%d]", i)
	err := d.object(p+": ", func(key string, at int64) error {
		switch key {
		case "kind":
			return d.value(at, p+".kind", &f.kind)
		case "servers":
			return d.value(at, p+".servers", &f.servers)
		case "count":
			return d.value(at, p+".count", &f.count)
		case "packages":
			return d.value(at, p+".packages", &f.packages)
		case "from":
			return d.value(at, p+".from", &f.from)
		case "for":
			return d.value(at, p+".for", &f.forDur)
		case "package_id":
			return d.value(at, p+".package_id", &f.packageID)
		}
		return unknownField{}
	}, &f.at)
	return f, err
}

// duration parses a Go duration string that must not be negative.
func (d *jsonDoc) duration(s string, at int64, path string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, d.errAt(at, "%s: not a duration: %q (want for example \"30m\" or \"24h\")", path, vocab.Clip(s))
	}
	if v < 0 {
		return 0, d.errAt(at, "%s: must not be negative: %q", path, s)
	}
	return v, nil
}
