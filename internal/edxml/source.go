package edxml

import (
	"errors"
	"fmt"
	"io"
)

// source is the byte stream under the xml.Decoder. It implements io.ByteReader, so the decoder reads
// from it directly without a bufio.Reader of its own and never reads more than one byte ahead. That
// lets the reader
//
//   - record the exact bytes of an element (the Signature, unknown elements) while the decoder
//     tokenises it,
//   - bound every token before the decoder buffers it (a 1 GB text node fails at the limit instead of
//     being built in memory), and
//   - take over the stream for an attachment's base64 text, which then never becomes an xml.CharData.
type source struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	rerr error // sticky error of r

	off   int64 // absolute offset of the next byte to deliver
	limit int64 // maximum total input size

	// rec holds the bytes delivered to the decoder from absolute offset recBase on. Outside a capture
	// the reader trims it before every token, so it holds one token; during a capture (pinned > 0) it
	// grows up to rawLimit.
	rec        []byte
	recBase    int64
	pinned     int
	tokenLimit int
	rawLimit   int

	lines int // newlines consumed outside the decoder (BOM skip, attachment text)
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

// ReadByte implements io.ByteReader for the xml.Decoder: it consumes and records one byte.
func (s *source) ReadByte() (byte, error) {
	// The fast path, a byte in the buffer within every limit, is kept small enough to inline.
	if s.pos < s.end && s.off < s.limit && len(s.rec) < s.recLimit() && s.fail == nil {
		b := s.buf[s.pos]
		s.pos++
		s.off++
		s.rec = append(s.rec, b)
		return b, nil
	}
	return s.readByteSlow()
}

func (s *source) recLimit() int {
	if s.pinned > 0 {
		return s.rawLimit
	}
	return s.tokenLimit
}

func (s *source) readByteSlow() (byte, error) {
	b, err := s.next()
	if err != nil {
		return 0, err
	}
	s.rec = append(s.rec, b)
	if s.pinned == 0 && len(s.rec) > s.tokenLimit {
		s.fail = &SyntaxError{Code: CodeTooLarge, Message: fmt.Sprintf("a text, tag or comment is longer than %d bytes", s.tokenLimit)}
		return 0, s.fail
	}
	if s.pinned > 0 && len(s.rec) > s.rawLimit {
		s.fail = &SyntaxError{Code: CodeTooLarge, Message: fmt.Sprintf("an element kept as raw XML (Signature or unknown element) is larger than %d bytes", s.rawLimit)}
		return 0, s.fail
	}
	return b, nil
}

// Read implements io.Reader so that the decoder's CharsetReader can hand the source back; the
// decoder itself only calls ReadByte.
func (s *source) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := s.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
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

// restart forgets all recorded bytes and records from the current offset: the bytes before it were
// consumed outside the decoder.
func (s *source) restart() {
	s.rec = s.rec[:0]
	s.recBase = s.off
}

// recorded returns the recorded bytes from absolute offset from up to absolute offset to.
func (s *source) recorded(from, to int64) ([]byte, error) {
	i, j := from-s.recBase, to-s.recBase
	if i < 0 || j > int64(len(s.rec)) || i > j {
		return nil, errors.New("edxml: internal error: raw element outside the recorded bytes")
	}
	return s.rec[i:j], nil
}

// skipBOM consumes a UTF-8 byte order mark, which encoding/xml does not accept. It returns the number
// of bytes skipped.
func (s *source) skipBOM() int64 {
	if p := s.peek(3); len(p) == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
		s.pos += 3
		s.off += 3
		s.recBase = s.off
		return 3
	}
	return 0
}
