package edxml

import (
	"errors"
	"fmt"
	"io"
)

// source is the input of one Read: a buffer over the reader that the lexer reads in place, and that
// the reader of an attachment's base64 text takes over so that the text never becomes a token. It
// also records bytes, so that the reader can keep the exact bytes of an element (the Signature,
// unknown elements): outside a capture it holds the current tag only; during a capture (pinned > 0)
// everything from the captured element's first byte on.
type source struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	rerr error // sticky error of r

	off   int64 // absolute offset of the next byte to deliver
	limit int64 // maximum total input size

	rec        []byte // recorded bytes, from absolute offset recBase on
	recBase    int64
	pinned     int
	tokenLimit int
	rawLimit   int

	lines int // newlines consumed
	fail  error
}

func newSource(r io.Reader, limit int64, tokenLimit, rawLimit int) *source {
	return &source{r: r, buf: make([]byte, 16<<10), limit: limit, tokenLimit: tokenLimit, rawLimit: rawLimit}
}

// fill reads more input into buf, keeping the unread bytes.
func (s *source) fill() error {
	if s.rerr != nil {
		return s.rerr
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	for i := 0; i < 100; i++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	s.rerr = io.ErrNoProgress
	return s.rerr
}

// peek returns the next n bytes (fewer at the end of input) without consuming them.
func (s *source) peek(n int) []byte {
	for s.end-s.pos < n && s.rerr == nil {
		if s.fill() != nil {
			break
		}
	}
	if s.end-s.pos < n {
		return s.buf[s.pos:s.end]
	}
	return s.buf[s.pos : s.pos+n]
}

// next consumes one byte without recording it.
func (s *source) next() (byte, error) {
	if s.fail != nil {
		return 0, s.fail
	}
	if s.pos == s.end {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	if s.off >= s.limit {
		s.fail = &SyntaxError{Code: CodeTooLarge, Message: fmt.Sprintf("the package is larger than %d bytes", s.limit)}
		return 0, s.fail
	}
	b := s.buf[s.pos]
	s.pos++
	s.off++
	return b, nil
}

// mark drops the recorded bytes before absolute offset at, the start of the next token. It does
// nothing during a capture.
func (s *source) mark(at int64) {
	if s.pinned > 0 {
		return
	}
	n := at - s.recBase
	switch {
	case n <= 0:
	case n >= int64(len(s.rec)):
		s.rec = s.rec[:0]
	default:
		k := copy(s.rec, s.rec[n:])
		s.rec = s.rec[:k]
	}
	s.recBase = at
}

// recorded returns the recorded bytes from absolute offset from up to absolute offset to.
func (s *source) recorded(from, to int64) ([]byte, error) {
	i, j := from-s.recBase, to-s.recBase
	if i < 0 || j > int64(len(s.rec)) || i > j {
		return nil, errors.New("edxml: internal error: raw element outside the recorded bytes")
	}
	return s.rec[i:j], nil
}

// skipBOM consumes a UTF-8 byte order mark.
func (s *source) skipBOM() {
	if p := s.peek(3); len(p) == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
		s.pos += 3
		s.off += 3
		s.recBase = s.off
	}
}
