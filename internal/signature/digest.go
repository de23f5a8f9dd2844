package signature

import (
	"bytes"
	"crypto"
	"hash"
	"io"
)

// docDigest digests the canonical document minus the Signature during Verify's single pass.
//
// The difficulty is that the Signature, which says how to canonicalize and hash, usually comes in
// the middle of the document (in edXML, in the header, before the attachments). Until it is found,
// the document is canonicalized both ways (Canonical XML 1.0 and Exclusive XML Canonicalization)
// into memory, and its raw bytes (the prefix) are kept too. When the Signature has been read, the
// matching canonical bytes are hashed and that canonicalizer carries on with the rest of the
// document. An InclusiveNamespaces PrefixList changes the exclusive output, so then a second scanner
// replays the raw prefix into a canonicalizer with the list.
//
// Past maxPrefix bytes (a Signature at the end of a large document) nothing more is kept: both
// canonicalizers write into every supported hash, and the right one is kept when the Signature
// arrives. A PrefixList cannot be honoured then and is refused.
type docDigest struct {
	maxPrefix int
	prefix    []byte          // the raw bytes before the Signature, set when it is found
	spec      [2]*specCanon   // Canonical XML 1.0, Exclusive: running until the Signature is read
	bufs      [2]bytes.Buffer // their output while it is kept in memory
	hashing   bool            // the spec canonicalizers write into hashes, not bufs
	c         *canon          // the chosen canonicalizer
	h         hash.Hash
}

// specCanon is one speculative canonicalizer with one hash per supported digest method.
type specCanon struct {
	c      *canon
	hashes map[crypto.Hash]hash.Hash
}

func newDocDigest(maxPrefix int) *docDigest {
	d := &docDigest{maxPrefix: maxPrefix}
	for i, m := range []string{C14N10, ExcC14N} {
		c, _ := newCanon(&d.bufs[i], m, nil)
		d.spec[i] = &specCanon{c: c}
	}
	return d
}

// feed hands a token of the document outside the Signature to the canonicalizers that run.
func (d *docDigest) feed(k tokKind, sc *scanner) {
	if d.c != nil {
		d.c.token(k, sc)
		return
	}
	for _, s := range d.spec {
		s.c.token(k, sc)
	}
}

// kept is the number of bytes kept in memory so far.
func (d *docDigest) kept() int { return d.bufs[0].Len() + d.bufs[1].Len() }

// speculate stops keeping output in memory: from now on it goes into every supported hash.
func (d *docDigest) speculate() error {
	for i, s := range d.spec {
		if err := s.c.flush(); err != nil {
			return err
		}
		s.hashes = map[crypto.Hash]hash.Hash{}
		var ws []io.Writer
		for _, a := range digestMethods {
			h := a.hash.New()
			s.hashes[a.hash] = h
			ws = append(ws, h)
		}
		w := io.MultiWriter(ws...)
		w.Write(d.bufs[i].Bytes())
		d.bufs[i] = bytes.Buffer{}
		s.c.out.w = w
	}
	d.hashing = true
	return nil
}

// choose sets the digest up as the Signature's Reference asks.
func (d *docDigest) choose(si *sigInfo) error {
	hf := digestMethods[si.digestMethod].hash
	i := 0
	if si.refC14N == ExcC14N {
		i = 1
	}
	s := d.spec[i]
	switch {
	case len(si.refPrefixes) > 0 && d.hashing:
		return errorf(CodeUnsupportedAlgorithm, "an InclusiveNamespaces PrefixList is supported only when the Signature starts within the first %d bytes of the document", d.maxPrefix)
	case len(si.refPrefixes) > 0:
		d.h = hf.New()
		c, err := newCanon(d.h, si.refC14N, si.refPrefixes)
		if err != nil {
			return err
		}
		if err := replay(d.prefix, c); err != nil {
			return err
		}
		d.c = c
	case d.hashing:
		if err := s.c.flush(); err != nil {
			return err
		}
		d.c, d.h = s.c, s.hashes[hf]
		d.c.out.w = d.h
	default:
		if err := s.c.flush(); err != nil {
			return err
		}
		d.h = hf.New()
		d.h.Write(d.bufs[i].Bytes())
		d.c = s.c
		d.c.out.w = d.h
	}
	d.prefix, d.spec, d.bufs = nil, [2]*specCanon{}, [2]bytes.Buffer{}
	return nil
}

// sum returns the digest of the whole canonical document.
func (d *docDigest) sum() ([]byte, error) {
	if err := d.c.flush(); err != nil {
		return nil, err
	}
	return d.h.Sum(nil), nil
}

// replay feeds c the tokens of prefix, a document cut off before the Signature; it leaves c in the
// state in which the main scanner's tokens continue.
func replay(prefix []byte, c *canon) error {
	sc := newScannerSize(bytes.NewReader(prefix), min(len(prefix)+1, defaultBufSize))
	sc.partial = true
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		if k == tokEOF {
			return nil
		}
		c.token(k, sc)
	}
}
