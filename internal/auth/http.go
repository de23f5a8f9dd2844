package auth

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
)

// SessionCookie is the name of the officer session cookie.
const SessionCookie = "lt_session"

// Middleware resolves the request's principal from a bearer token or a session cookie and puts it
// in the context. It never refuses a request: routes decide what they need. A bad bearer token is
// remembered so that the route can answer with the precise reason.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				ctx = withAuthError(ctx, errs.Reasonf(errs.Unauthorized, "invalid_token", "use Authorization: Bearer <token> from /oauth/token"))
			} else if p, err := s.TokenPrincipal(strings.TrimSpace(tok)); err != nil {
				ctx = withAuthError(ctx, err)
			} else {
				ctx = WithPrincipal(ctx, p)
			}
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if p, err := s.SessionPrincipal(ctx, c.Value); err == nil {
				ctx = WithPrincipal(ctx, p)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// TokenHandler serves POST /oauth/token: the OAuth2 client credentials grant (RFC 6749 §4.4) with
// form-encoded parameters and client authentication by HTTP Basic or in the body. Errors follow
// RFC 6749 §5.2.
func (s *Service) TokenHandler(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	fail := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="lienthong"`)
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		fail(http.StatusBadRequest, "invalid_request", "send the parameters form-encoded (application/x-www-form-urlencoded)")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		fail(http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
		return
	}
	id, secret, basic := r.BasicAuth()
	bodyID, bodySecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if basic && bodySecret != "" {
		fail(http.StatusBadRequest, "invalid_request", "authenticate with HTTP Basic or with the body, not both")
		return
	}
	if !basic {
		id, secret = bodyID, bodySecret
	}
	if id == "" || secret == "" {
		fail(http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required")
		return
	}
	tok, err := s.IssueToken(r.Context(), id, secret)
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			fail(http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
			return
		}
		fail(http.StatusServiceUnavailable, "temporarily_unavailable", "try again")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(tok)
}
