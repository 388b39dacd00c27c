package disk

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// The sim's snapshot and status files are one XML element each:
//
//	<Snapshot PackageId="{guid}" Version="7"/>
//	<PackageStatus PackageId="{guid}" Status="Ready" Version="7"/>
//
// Their content is untrusted when read back: a person may edit the demo's
// files. The parsers accept exactly that shape and nothing else.

// maxXMLFile bounds what a parser reads of one file.
const maxXMLFile = 4096

func formatSnapshot(pkg vocab.GUID, version string) []byte {
	return fmt.Appendf(nil, "<Snapshot PackageId=\"%s\" Version=\"%s\"/>\n", pkg.Braced(), version)
}

func formatStatus(pkg vocab.GUID, f world.StatusFile) []byte {
	return fmt.Appendf(nil, "<PackageStatus PackageId=\"%s\" Status=\"%s\" Version=\"%s\"/>\n",
		pkg.Braced(), f.Status, f.Version)
}

// parseSnapshot reads a snapshot file of package want.
func parseSnapshot(file string, data []byte, want vocab.GUID) (string, error) {
	attrs, err := parseElement(data, "Snapshot", "PackageId", "Version")
	if err == nil {
		err = checkPackageID(attrs["PackageId"], want)
	}
	if err == nil {
		err = checkVersion(attrs["Version"])
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return attrs["Version"], nil
}

// parseStatus reads a PackageStatus.xml of package want.
func parseStatus(file string, data []byte, want vocab.GUID) (world.StatusFile, error) {
	attrs, err := parseElement(data, "PackageStatus", "PackageId", "Status", "Version")
	if err == nil {
		err = checkPackageID(attrs["PackageId"], want)
	}
	if err == nil {
		err = checkVersion(attrs["Version"])
	}
	st := vocab.NormalizeStatus(attrs["Status"])
	if err == nil && st != vocab.Ready && st != vocab.Invalid && st != vocab.Pending {
		err = fmt.Errorf("unknown Status %q", vocab.Clip(attrs["Status"]))
	}
	if err != nil {
		return world.StatusFile{}, fmt.Errorf("%s: %w", file, err)
	}
	return world.StatusFile{Present: true, Status: st, Version: attrs["Version"]}, nil
}

func checkPackageID(s string, want vocab.GUID) error {
	g, err := vocab.ParseGUID(s)
	if err != nil {
		return fmt.Errorf("PackageId: %w", err)
	}
	if g != want {
		return fmt.Errorf("PackageId %s is not the folder's %s", g, want)
	}
	return nil
}

// checkVersion accepts decimal integers, the only versions the sim writes.
func checkVersion(s string) error {
	if s == "" || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return fmt.Errorf("Version %q is not a decimal number", vocab.Clip(s))
	}
	return nil
}

// parseElement reads a document made of one empty element called name
// whose attributes are exactly want, each once. An XML declaration,
// comments and white space around it are allowed.
func parseElement(data []byte, name string, want ...string) (map[string]string, error) {
	if len(data) > maxXMLFile {
		return nil, fmt.Errorf("larger than %d bytes", maxXMLFile)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var attrs map[string]string
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if attrs != nil || depth > 0 {
				return nil, fmt.Errorf("unexpected element <%s>", vocab.Clip(t.Name.Local))
			}
			if attrs, err = elementAttrs(t, name, want); err != nil {
				return nil, err
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("unexpected text")
			}
		case xml.Directive:
			return nil, errors.New("unexpected directive")
		}
	}
	if attrs == nil {
		return nil, fmt.Errorf("no <%s> element", name)
	}
	return attrs, nil
}

func elementAttrs(t xml.StartElement, name string, want []string) (map[string]string, error) {
	if t.Name.Local != name || t.Name.Space != "" {
		return nil, fmt.Errorf("root element is <%s>, want <%s>", vocab.Clip(t.Name.Local), name)
	}
	attrs := map[string]string{}
	for _, a := range t.Attr {
		k := a.Name.Local
		if a.Name.Space != "" || !slices.Contains(want, k) {
			return nil, fmt.Errorf("unexpected attribute %q", vocab.Clip(k))
		}
		if _, dup := attrs[k]; dup {
			return nil, fmt.Errorf("attribute %s given twice", k)
		}
		attrs[k] = a.Value
	}
	for _, k := range want {
		if _, ok := attrs[k]; !ok {
			return nil, fmt.Errorf("missing attribute %s", k)
		}
	}
	return attrs, nil
}
