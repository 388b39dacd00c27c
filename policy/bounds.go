package policy

import (
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Bounds on what a policy file may ask of the parser. hcl/v2 parses and
// evaluates nested expressions by recursion, so a file of a few hundred
// kilobytes of "[" overflows the goroutine stack: a fatal error that no
// recover catches. The pre-scan (checkShape) runs before hcl sees a byte.
const (
	// MaxFileBytes is the largest policy file accepted. A policy is a few
	// kilobytes; a scope list of 10,000 fully qualified host names is
	// about 400 kB.
	MaxFileBytes = 1 << 20
	// MaxNesting is the deepest nesting accepted: brackets, braces,
	// parentheses, strings and template interpolations, plus a run of
	// unary operators ("!", "-"). A policy needs 3 or 4 levels.
	MaxNesting = 32
	// MaxListItems is the longest list accepted in one attribute (scope
	// globs, action kinds).
	MaxListItems = 10_000
)

// scanner walks the source keeping a stack of open contexts.
type scanner struct {
	src        []byte
	filename   string
	i          int
	line, col  int     // of src[i], 1-based; col counts runes
	stack      []frame // open contexts, innermost last
	unary      int     // length of the current run of prefix operators
	ident      bool    // inside an identifier ("-" continues it)
	lineStart  bool    // src[i] starts a line (heredoc end markers)
	nestingErr *hcl.Diagnostic
}

// frame is one open context: a bracket (its closing byte), a quoted
// string, a heredoc (its end marker) or a template interpolation.
type frame struct {
	kind   byte // '[', '{', '(', '"' string, 'h' heredoc, '$' template
	marker string
}

// checkShape reports a policy too large or too deeply nested for the
// parser, with the position where the bound is crossed; nil otherwise.
// It knows enough of HCL's lexical rules (comments, strings with escapes,
// ${ } and %{ } templates, heredocs) to count only real nesting; on text
// that is not valid HCL it may count loosely, and hcl then reports the
// syntax error.
func checkShape(src []byte, filename string) *hcl.Diagnostic {
	if len(src) > MaxFileBytes {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Policy file too large",
			Detail: fmt.Sprintf("The policy is larger than %d KiB (%d bytes), the most accepted; it crosses that bound here. "+
				"Use globs in scope lists rather than long lists of names.", MaxFileBytes>>10, MaxFileBytes),
			Subject: posRange(filename, posAt(src, MaxFileBytes)).Ptr()}
	}
	s := &scanner{src: src, filename: filename, line: 1, col: 1, lineStart: true}
	for s.i < len(s.src) && s.nestingErr == nil {
		s.step()
	}
	return s.nestingErr
}

// step consumes one lexical unit in the innermost context.
func (s *scanner) step() {
	top := byte(0)
	if n := len(s.stack); n > 0 {
		top = s.stack[n-1].kind
	}
	switch top {
	case '"':
		s.inString()
	case 'h':
		s.inHeredoc()
	default:
		s.inCode(top)
	}
}

// inCode handles expressions and bodies (the top level, brackets and
// template interpolations).
func (s *scanner) inCode(top byte) {
	c := s.src[s.i]
	switch {
	case c == '#' || c == '/' && s.peek(1) == '/':
		s.skipLine()
		return
	case c == '/' && s.peek(1) == '*':
		s.skipBlockComment()
		return
	case c == '<' && s.peek(1) == '<':
		if marker, n := heredocStart(s.src[s.i:]); n > 0 {
			s.push(frame{kind: 'h', marker: marker})
			s.advance(n)
			return
		}
	case c == '"':
		s.push(frame{kind: '"'})
	case c == '[' || c == '{' || c == '(':
		s.push(frame{kind: c})
	case c == ']' || c == ')' || c == '}':
		if top != 0 {
			s.stack = s.stack[:len(s.stack)-1]
		}
	case isLetter(c) || c == '_' || c >= 0x80:
		s.ident, s.unary = true, 0
		s.advance(1)
		return
	case c >= '0' && c <= '9' || c == '-' && s.ident:
		s.unary = 0
		s.advance(1)
		return
	case c == '!' || c == '-':
		if c == '!' && s.peek(1) == '=' {
			break
		}
		s.ident = false
		s.unary++
		if len(s.stack)+s.unary > MaxNesting {
			s.fail()
		}
		s.advance(1)
		return
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		s.ident = false
		s.advance(1)
		return
	}
	s.unary, s.ident = 0, false
	s.advance(1)
}

// inString handles a quoted string: escapes, templates, the closing quote.
func (s *scanner) inString() {
	switch c := s.src[s.i]; {
	case c == '\\':
		s.advance(min(2, len(s.src)-s.i))
	case c == '"':
		s.stack = s.stack[:len(s.stack)-1]
		s.advance(1)
	case c == '\n':
		s.stack = s.stack[:len(s.stack)-1] // unterminated: hcl reports it
		s.advance(1)
	default:
		s.template()
	}
}

// inHeredoc handles a heredoc body up to the line holding its marker.
func (s *scanner) inHeredoc() {
	if s.lineStart {
		end := s.i
		for end < len(s.src) && s.src[end] != '\n' {
			end++
		}
		if trimSpace(s.src[s.i:end]) == s.stack[len(s.stack)-1].marker {
			s.stack = s.stack[:len(s.stack)-1]
			s.advance(end - s.i)
			return
		}
	}
	s.template()
}

// template opens a ${ or %{ interpolation (not the $${ and %%{ escapes)
// or consumes one byte of literal text.
func (s *scanner) template() {
	c := s.src[s.i]
	if (c == '$' || c == '%') && s.peek(1) == c && s.peek(2) == '{' {
		s.advance(3)
		return
	}
	if (c == '$' || c == '%') && s.peek(1) == '{' {
		s.push(frame{kind: '$'})
		s.advance(2)
		return
	}
	s.advance(1)
}

// push opens a context, failing when it crosses MaxNesting.
func (s *scanner) push(f frame) {
	s.stack = append(s.stack, f)
	s.unary, s.ident = 0, false
	if len(s.stack) > MaxNesting {
		s.fail()
	}
}

func (s *scanner) fail() {
	if s.nestingErr != nil {
		return
	}
	pos := hcl.Pos{Line: s.line, Column: s.col, Byte: s.i}
	s.nestingErr = &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Policy nested too deeply",
		Detail:  fmt.Sprintf("Brackets, braces, parentheses, strings, interpolations and unary operators nest more than %d deep here; a policy needs 3 or 4 levels.", MaxNesting),
		Subject: posRange(s.filename, pos).Ptr()}
}

func (s *scanner) peek(n int) byte {
	if s.i+n < len(s.src) {
		return s.src[s.i+n]
	}
	return 0
}

// advance moves n bytes on, keeping line and column (in runes).
func (s *scanner) advance(n int) {
	for end := s.i + n; s.i < end; {
		c := s.src[s.i]
		if c == '\n' {
			s.line, s.col, s.lineStart = s.line+1, 1, true
			s.i++
			continue
		}
		_, size := utf8.DecodeRune(s.src[s.i:])
		s.i += max(1, min(size, end-s.i))
		s.col++
		s.lineStart = false
	}
}

func (s *scanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.advance(1)
	}
}

func (s *scanner) skipBlockComment() {
	s.advance(2)
	for s.i < len(s.src) && !(s.src[s.i] == '*' && s.peek(1) == '/') {
		s.advance(1)
	}
	s.advance(min(2, len(s.src)-s.i))
}

// heredocStart reads "<<MARKER\n" or "<<-MARKER\n" and returns the marker
// and the bytes up to and including the newline; n is 0 otherwise.
func heredocStart(b []byte) (marker string, n int) {
	i := 2
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && (isLetter(b[i]) || b[i] == '_' || i > start && (b[i] >= '0' && b[i] <= '9' || b[i] == '-')) {
		i++
	}
	if i == start {
		return "", 0
	}
	marker = string(b[start:i])
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i >= len(b) || b[i] != '\n' {
		return "", 0
	}
	return marker, i + 1
}

func trimSpace(b []byte) string {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return string(b)
}

// posAt is the line and column (in runes) of byte offset off in src.
func posAt(src []byte, off int) hcl.Pos {
	p := hcl.Pos{Line: 1, Column: 1, Byte: off}
	for i := 0; i < off && i < len(src); {
		if src[i] == '\n' {
			p.Line, p.Column = p.Line+1, 1
			i++
			continue
		}
		_, size := utf8.DecodeRune(src[i:])
		i += size
		p.Column++
	}
	return p
}

func posRange(filename string, p hcl.Pos) hcl.Range {
	end := p
	end.Column++
	end.Byte++
	return hcl.Range{Filename: filename, Start: p, End: end}
}
