package policy

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// decoder walks one policy file, collecting every diagnostic instead of
// stopping at the first, so that an admin fixes a file in one round.
type decoder struct {
	dir   string // absolute folder of the policy file
	diags hcl.Diagnostics
}

// fail records an error diagnostic. Every diagnostic the decoder makes has a
// subject range, so that it prints as file:line:col.
func (d *decoder) fail(rng hcl.Range, summary, detail string, a ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, a...),
		Subject:  rng.Ptr(),
	})
}

// content decodes body against schema. hcl reports unknown arguments and
// blocks, duplicate arguments and wrong label counts; the partial content
// is still returned so that the rest of the body is checked too.
func (d *decoder) content(body hcl.Body, schema *hcl.BodySchema) *hcl.BodyContent {
	c, diags := body.Content(schema)
	d.diags = append(d.diags, diags...)
	return c
}

// attr decodes the attribute name, if present, into dst with HCL's type
// conversions ("5" converts to a number, 5 to a string). It returns the
// attribute when it is present and of the right type; dst is left alone
// otherwise, so that it keeps its default.
func attr[T any](d *decoder, attrs hcl.Attributes, name string, dst *T) *hcl.Attribute {
	a := attrs[name]
	if a == nil {
		return nil
	}
	val, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return nil
	}
	if val.IsNull() {
		d.fail(a.Expr.Range(), "Null value",
			"%s must not be null; remove the line to take the default.", name)
		return nil
	}
	var v T
	ty, err := gocty.ImpliedType(&v)
	if err == nil {
		val, err = convert.Convert(val, ty)
	}
	if err == nil {
		err = gocty.FromCtyValue(val, &v)
	}
	if err != nil {
		d.fail(a.Expr.Range(), "Incorrect attribute value type",
			"Inappropriate value for %s: %s.", name, err)
		return nil
	}
	*dst = v
	return a
}

// require reports a missing required attribute at the block's header and
// returns false; what says what the attribute accepts.
func (d *decoder) require(attrs hcl.Attributes, name string, b *hcl.Block, what string) bool {
	if attrs[name] != nil {
		return true
	}
	d.fail(b.DefRange, "Missing required argument",
		"The %s block needs %s: %s.", b.Type, name, what)
	return false
}

// single returns the only block of type typ, reporting every duplicate at
// its header. When required and absent it reports the block missing at
// missing and returns nil.
func (d *decoder) single(blocks hcl.Blocks, typ string, required bool, missing hcl.Range, what string) *hcl.Block {
	bs := blocks.OfType(typ)
	if len(bs) == 0 {
		if required {
			d.fail(missing, "Missing "+typ+" block", "A %s block is required here: %s.", typ, what)
		}
		return nil
	}
	for _, b := range bs[1:] {
		d.fail(b.DefRange, "Duplicate "+typ+" block",
			"At most one %s block is allowed here; the first one is at %s.", typ, position(&bs[0].DefRange))
	}
	return bs[0]
}

// sortDiags orders diagnostics by file and position, so that an admin reads
// them top to bottom. Diagnostics without a range come first.
func sortDiags(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}
