package disk

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/itms-tools/reconciler/actions"
	"github.com/itms-tools/reconciler/site/sim/world"
	"github.com/itms-tools/reconciler/vocab"
)

// encodeLadderFaults renders the state of the ladder's faults, sorted.
func encodeLadderFaults(cat *world.Catalog, m *world.Meta) ([]pairJSON, []triedJSON) {
	var cleared []pairJSON
	for k := range m.Cleared {
		cleared = append(cleared, pairJSON{cat.Servers[k.Server].Name, cat.Packages[k.Package].ID})
	}
	slices.SortFunc(cleared, func(a, b pairJSON) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Package, b.Package))
	})
	var tried []triedJSON
	for k := range m.Tried {
		tried = append(tried, triedJSON{cat.Servers[k.Server].Name, string(k.Kind)})
	}
	slices.SortFunc(tried, func(a, b triedJSON) int {
		return cmp.Or(cmp.Compare(a.Server, b.Server), cmp.Compare(a.Kind, b.Kind))
	})
	return cleared, tried
}

// decodeLadderFaults reads them back, checking every name.
func decodeLadderFaults(v siteJSON, cat *world.Catalog, m *world.Meta) error {
	for _, c := range v.Cleared {
		s, ok := cat.Server(c.Server)
		p, pok := cat.Package(c.Package)
		if !ok || !pok {
			return fmt.Errorf("cleared: unknown pair %q/%q", vocab.Clip(string(c.Server)), vocab.Clip(string(c.Package)))
		}
		if m.Cleared == nil {
			m.Cleared = map[world.PairKey]bool{}
		}
		m.Cleared[world.PairKey{Server: s, Package: p}] = true
	}
	for _, t := range v.Tried {
		s, ok := cat.Server(t.Server)
		if !ok {
			return fmt.Errorf("remedies_tried: unknown server %q", vocab.Clip(string(t.Server)))
		}
		k, err := actions.ParseKind(t.Kind)
		if err != nil {
			return fmt.Errorf("remedies_tried: %w", err)
		}
		if m.Tried == nil {
			m.Tried = map[world.TryKey]bool{}
		}
		m.Tried[world.TryKey{Server: s, Kind: k}] = true
	}
	return nil
}
