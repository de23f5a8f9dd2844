package signature

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

// TestVerifyChainCache checks that a cached chain is reused only while every certificate of it is
// valid at the signing time asked about, that untrusted leaves are never cached as trusted, and
// that the answers match crypto/x509's.
func TestVerifyChainCache(t *testing.T) {
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	now := time.Now()
	leaf, inter := p.viaIntermediate.Chain[0], p.viaIntermediate.Chain[1:]

	chain, err := ts.VerifyChain(leaf, inter, now)
	if err != nil || len(chain) != 3 || !chain[2].Equal(p.root) {
		t.Fatalf("first verification: chain of %d, %v; want leaf, intermediate, root", len(chain), err)
	}
	again, err := ts.VerifyChain(leaf, inter, now.Add(time.Minute))
	if err != nil || len(again) != 3 || &again[0] != &chain[0] {
		t.Fatalf("second verification: %v, want the cached chain", err)
	}
	if len(ts.chains) != 1 {
		t.Errorf("%d cached chains, want 1", len(ts.chains))
	}
	// The same leaf signing at a time outside its validity: the cache must not answer.
	for _, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(13 * time.Hour)} {
		_, err := ts.VerifyChain(leaf, inter, at)
		var ci x509.CertificateInvalidError
		if !errors.As(err, &ci) || ci.Reason != x509.Expired {
			t.Errorf("signing time %s: %v, want an expired-certificate error", at.Format(time.RFC3339), err)
		}
	}
	// Without the intermediate the leaf has no chain, even though a chain with it is cached.
	if _, err := ts.VerifyChain(leaf, nil, now); err == nil {
		t.Error("leaf without its intermediate: verified, want unknown authority")
	}
	// A leaf from an unknown CA fails every time and is not cached.
	for range 2 {
		var ua x509.UnknownAuthorityError
		if _, err := ts.VerifyChain(p.alien.Chain[0], nil, now); !errors.As(err, &ua) {
			t.Errorf("alien signer: %v, want unknown authority", err)
		}
	}
	if _, err := ts.VerifyChain(p.expired.Chain[0], nil, now); err == nil {
		t.Error("expired signer: verified")
	}
	if len(ts.chains) != 1 {
		t.Errorf("%d cached chains after failures, want 1", len(ts.chains))
	}
	// Adding a root empties the cache.
	ts.AddCert(p.stranger)
	if len(ts.chains) != 0 {
		t.Errorf("%d cached chains after AddCert, want 0", len(ts.chains))
	}
	if _, err := ts.VerifyChain(p.alien.Chain[0], nil, now); err != nil {
		t.Errorf("alien signer after trusting its CA: %v", err)
	}
}

// BenchmarkVerifyChain compares building the chain every time with the cache.
func BenchmarkVerifyChain(b *testing.B) {
	p := getPKI(b)
	ts, _ := trustRoot(b, p)
	leaf, inter := p.viaIntermediate.Chain[0], p.viaIntermediate.Chain[1:]
	now := time.Now()
	b.Run("x509", func(b *testing.B) {
		pool := x509.NewCertPool()
		for _, c := range inter {
			pool.AddCert(c)
		}
		for b.Loop() {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: ts.pool, Intermediates: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := ts.VerifyChain(leaf, inter, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
