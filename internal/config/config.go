// Package config holds Liên Thông's one configuration struct. Values are layered: defaults, then an
// optional JSON file, then LIENTHONG_* environment variables, then command-line flags; the result is
// validated once and passed down.
package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration of one node.
type Config struct {
	// Addr is the listen address of the HTTP server.
	Addr string `json:"addr" env:"ADDR" flag:"addr" help:"listen address"`
	// Data is the data folder: the SQLite database and the file store live here.
	Data string `json:"data" env:"DATA" flag:"data" help:"data folder"`
	// DB selects the database: empty for SQLite in the data folder, or a postgres:// URL.
	DB string `json:"db" env:"DB" flag:"db" help:"database: empty for SQLite in the data folder, or a postgres:// URL" secret:"url"`
	// BaseURL is the public URL of this node, used in links and cookies.
	BaseURL string `json:"base_url" env:"BASE_URL" flag:"base-url" help:"public URL of this node (default http://ADDR)"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level" env:"LOG_LEVEL" flag:"log-level" help:"debug, info, warn or error"`
	// LogFormat is json or text.
	LogFormat string `json:"log_format" env:"LOG_FORMAT" flag:"log-format" help:"json or text"`
	// TokenTTL is the lifetime of OAuth2 bearer tokens issued to machine clients.
	TokenTTL time.Duration `json:"token_ttl" env:"TOKEN_TTL" flag:"token-ttl" help:"lifetime of machine-client bearer tokens"`
	// SessionTTL is the lifetime of an officer's login session.
	SessionTTL time.Duration `json:"session_ttl" env:"SESSION_TTL" flag:"session-ttl" help:"lifetime of officer sessions"`
	// MaxBodyBytes bounds request bodies of ordinary API calls.
	MaxBodyBytes int64 `json:"max_body_bytes" env:"MAX_BODY_BYTES" flag:"max-body-bytes" help:"largest accepted request body for ordinary API calls"`
	// LockoutThreshold is the number of failed logins that locks an account.
	LockoutThreshold int `json:"lockout_threshold" env:"LOCKOUT_THRESHOLD" flag:"lockout-threshold" help:"failed logins before an account is locked"`
	// AxisSignatures is the axis's signature policy: "flag" accepts every package and records what
	// verification found; "require" refuses packages without a valid, trusted signature.
	AxisSignatures string `json:"axis_signatures" env:"AXIS_SIGNATURES" flag:"axis-signatures" help:"axis signature policy: flag or require"`
	// TrustStore is a PEM file of the certification authorities whose signatures the node trusts.
	TrustStore string `json:"trust_store" env:"TRUST_STORE" flag:"trust-store" help:"PEM file of trusted certification authorities"`
	// AxisScope is the subtree of agencies this node's axis serves itself (a provincial node, e.g.
	// 000.00.00.H36); packages for other agencies go to AxisUpstream. Empty: it serves everyone.
	AxisScope string `json:"axis_scope" env:"AXIS_SCOPE" flag:"axis-scope" help:"identifier code of the subtree this node's axis serves (empty: all)"`
	// AxisUpstream is the URL of the upstream (national) axis node.
	AxisUpstream string `json:"axis_upstream" env:"AXIS_UPSTREAM" flag:"axis-upstream" help:"URL of the upstream axis node"`
	// AxisUpstreamClientID and AxisUpstreamClientSecret are this node's client credentials there.
	AxisUpstreamClientID     string `json:"axis_upstream_client_id" env:"AXIS_UPSTREAM_CLIENT_ID" flag:"axis-upstream-client-id" help:"client_id of this node at the upstream axis"`
	AxisUpstreamClientSecret string `json:"axis_upstream_client_secret" env:"AXIS_UPSTREAM_CLIENT_SECRET" flag:"axis-upstream-client-secret" help:"client_secret of this node at the upstream axis"`
	// MaxPackageBytes bounds one edXML package.
	MaxPackageBytes int64 `json:"max_package_bytes" env:"MAX_PACKAGE_BYTES" flag:"max-package-bytes" help:"largest accepted edXML package"`
	// SSOProvider runs the OpenID Connect provider at /oidc (the national node).
	SSOProvider bool `json:"sso_provider" env:"SSO_PROVIDER" flag:"sso-provider" help:"run the OpenID Connect provider at /oidc (national node)"`
	// SSOSecret seals SSO access tokens and login cookies; required when either SSO mode is on.
	SSOSecret string `json:"sso_secret" env:"SSO_SECRET" flag:"sso-secret" help:"long random secret sealing SSO tokens and login cookies"`
	// SSOIssuer, SSOClientID and SSOClientSecret make this node a relying party of the national
	// provider (a provincial node): citizens log in there.
	SSOIssuer       string `json:"sso_issuer" env:"SSO_ISSUER" flag:"sso-issuer" help:"issuer URL of the national OpenID provider (relying-party mode)"`
	SSOClientID     string `json:"sso_client_id" env:"SSO_CLIENT_ID" flag:"sso-client-id" help:"this node's client_id at the OpenID provider"`
	SSOClientSecret string `json:"sso_client_secret" env:"SSO_CLIENT_SECRET" flag:"sso-client-secret" help:"this node's client_secret at the OpenID provider"`
	// PaymentBankSecret is the HMAC-SHA512 secret shared with the bank-style gateway ("bank");
	// PaymentIntermediaryKey is the PEM file of the intermediary's RSA public key ("inter"). A gateway
	// without its key is not offered.
	PaymentBankSecret      string `json:"payment_bank_secret" env:"PAYMENT_BANK_SECRET" flag:"payment-bank-secret" help:"HMAC-SHA512 secret of the bank payment gateway"`
	PaymentIntermediaryKey string `json:"payment_intermediary_key" env:"PAYMENT_INTERMEDIARY_KEY" flag:"payment-intermediary-key" help:"PEM file of the intermediary gateway's RSA public key"`
	// The gateways' pay pages (where the payer is redirected) and statement files (reconciliation);
	// the simulator serves http://host:port/pay and /statement.csv.
	PaymentBankPayURL               string `json:"payment_bank_pay_url" env:"PAYMENT_BANK_PAY_URL" flag:"payment-bank-pay-url" help:"pay page of the bank gateway (the simulator's http://host:port/pay)"`
	PaymentBankStatementURL         string `json:"payment_bank_statement_url" env:"PAYMENT_BANK_STATEMENT_URL" flag:"payment-bank-statement-url" help:"statement CSV of the bank gateway (http://host:port/statement.csv)"`
	PaymentIntermediaryPayURL       string `json:"payment_intermediary_pay_url" env:"PAYMENT_INTERMEDIARY_PAY_URL" flag:"payment-intermediary-pay-url" help:"pay page of the intermediary gateway"`
	PaymentIntermediaryStatementURL string `json:"payment_intermediary_statement_url" env:"PAYMENT_INTERMEDIARY_STATEMENT_URL" flag:"payment-intermediary-statement-url" help:"statement CSV of the intermediary gateway"`
	// LockoutDuration is how long a locked account stays locked.
	LockoutDuration time.Duration `json:"lockout_duration" env:"LOCKOUT_DURATION" flag:"lockout-duration" help:"how long a locked account stays locked"`
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		Data:             "./lienthong-data",
		LogLevel:         "info",
		LogFormat:        "text",
		TokenTTL:         15 * time.Minute,
		SessionTTL:       12 * time.Hour,
		MaxBodyBytes:     4 << 20,
		LockoutThreshold: 5,
		LockoutDuration:  15 * time.Minute,
		AxisSignatures:   "flag",
		MaxPackageBytes:  256 << 20,
	}
}

// Load layers defaults, the JSON file named by --config or LIENTHONG_CONFIG, the environment and the
// flags in args, and validates the result. It registers its flags on fs; extra flags of the caller
// may already be registered there.
func Load(fs *flag.FlagSet, args []string, env func(string) string) (Config, error) {
	c := Default()
	fileFlag := fs.String("config", "", "JSON configuration file")
	bind(fs, &c)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	file := *fileFlag
	if file == "" {
		file = env("LIENTHONG_CONFIG")
	}
	// Flags were parsed into c already; remember which were set so file and environment do not override them.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fromFlags := c
	c2 := Default()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c2); err != nil {
			return c, fmt.Errorf("config %s: %w", file, err)
		}
	}
	if err := applyEnv(&c2, env); err != nil {
		return c, err
	}
	copySetFlags(&c2, &fromFlags, set)
	if err := c2.Validate(); err != nil {
		return c2, err
	}
	return c2, nil
}

// Validate checks the configuration once and fills derived values.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: addr %q: %v", c.Addr, err)
	}
	if c.Data == "" {
		return fmt.Errorf("config: data folder must not be empty")
	}
	if c.DB != "" && strings.Contains(c.DB, "://") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("config: db must be empty, a SQLite file path or a postgres:// URL")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("config: base_url %q is not an absolute URL", c.BaseURL)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("config: log_format %q: want json or text", c.LogFormat)
	}
	if c.TokenTTL < time.Minute || c.SessionTTL < time.Minute {
		return fmt.Errorf("config: token and session lifetimes must be at least a minute")
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("config: max_body_bytes must be at least 1024")
	}
	if c.AxisSignatures != "flag" && c.AxisSignatures != "require" {
		return fmt.Errorf("config: axis_signatures %q: want flag or require", c.AxisSignatures)
	}
	if c.AxisUpstream != "" {
		if u, err := url.Parse(c.AxisUpstream); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("config: axis_upstream %q is not an absolute URL", c.AxisUpstream)
		}
		if c.AxisScope == "" || c.AxisUpstreamClientID == "" || c.AxisUpstreamClientSecret == "" {
			return fmt.Errorf("config: an axis upstream needs axis_scope and this node's client credentials there")
		}
	}
	if (c.SSOProvider || c.SSOIssuer != "") && len(c.SSOSecret) < 16 {
		return fmt.Errorf("config: single sign-on needs sso_secret (at least 16 characters)")
	}
	if c.SSOIssuer != "" && (c.SSOClientID == "" || c.SSOClientSecret == "") {
		return fmt.Errorf("config: an SSO issuer needs this node's sso_client_id and sso_client_secret there")
	}
	if c.MaxPackageBytes < 1<<20 {
		return fmt.Errorf("config: max_package_bytes must be at least 1 MiB")
	}
	if c.LockoutThreshold < 1 {
		return fmt.Errorf("config: lockout_threshold must be at least 1")
	}
	return nil
}

// PublicURL returns BaseURL, or http://Addr when it is empty.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// Masked returns a copy safe to print: passwords in URLs are replaced by "xxxxx".
func (c Config) Masked() Config {
	m := c
	if u, err := url.Parse(m.DB); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			m.DB = u.String()
		}
	}
	if m.AxisUpstreamClientSecret != "" {
		m.AxisUpstreamClientSecret = "xxxxx"
	}
	if m.PaymentBankSecret != "" {
		m.PaymentBankSecret = "xxxxx"
	}
	if m.SSOSecret != "" {
		m.SSOSecret = "xxxxx"
	}
	if m.SSOClientSecret != "" {
		m.SSOClientSecret = "xxxxx"
	}
	return m
}

func bind(fs *flag.FlagSet, c *Config) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, help := f.Tag.Get("flag"), f.Tag.Get("help")
		p := v.Field(i).Addr().Interface()
		switch p := p.(type) {
		case *string:
			fs.StringVar(p, name, *p, help)
		case *int:
			fs.IntVar(p, name, *p, help)
		case *int64:
			fs.Int64Var(p, name, *p, help)
		case *time.Duration:
			fs.DurationVar(p, name, *p, help)
		case *bool:
			fs.BoolVar(p, name, *p, help)
		}
	}
}

func copySetFlags(dst, src *Config, set map[string]bool) {
	dv, sv := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := 0; i < dv.NumField(); i++ {
		if set[dv.Type().Field(i).Tag.Get("flag")] {
			dv.Field(i).Set(sv.Field(i))
		}
	}
}

func applyEnv(c *Config, env func(string) string) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := "LIENTHONG_" + t.Field(i).Tag.Get("env")
		s := env(name)
		if s == "" {
			continue
		}
		field := v.Field(i)
		switch field.Interface().(type) {
		case string:
			field.SetString(s)
		case int, int64:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not a number", name, s)
			}
			field.SetInt(n)
		case bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not true or false", name, s)
			}
			field.SetBool(b)
		case time.Duration:
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not a duration like 15m", name, s)
			}
			field.SetInt(int64(d))
		}
	}
	return nil
}
