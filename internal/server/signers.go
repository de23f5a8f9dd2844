package server

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/vn"
)

// agencySigners gives each agency the key it signs documents with: the node's configured key (PEM
// files or a PKCS#11 token) when there is one, otherwise a local demo key kept under
// {data}/keys/{agency}/, created on first use (signature.EnsureLocalSigner: a self-signed
// certificate that nobody trusts, for agencies without a certificate from a licensed provider).
type agencySigners struct {
	dir        string
	agencyName func(string) string
	configured *signature.Signer

	mu    sync.Mutex
	cache map[string]signature.Signer
}

// For returns the agency's signer.
func (s *agencySigners) For(_ context.Context, agency string) (signature.Signer, error) {
	if s.configured != nil {
		return *s.configured, nil
	}
	// The code becomes a folder name: only a well-formed identifier code may.
	if _, err := vn.ParseAgencyCode(agency); err != nil {
		return signature.Signer{}, fmt.Errorf("server: signer for %q: %w", agency, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg, ok := s.cache[agency]; ok {
		return sg, nil
	}
	name := s.agencyName(agency)
	if name == "" {
		name = agency
	}
	sg, err := signature.EnsureLocalSigner(filepath.Join(s.dir, agency), name, name)
	if err != nil {
		return signature.Signer{}, err
	}
	if s.cache == nil {
		s.cache = map[string]signature.Signer{}
	}
	s.cache[agency] = sg
	return sg, nil
}
