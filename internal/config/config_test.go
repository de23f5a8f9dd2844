package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestLayering(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"addr":"127.0.0.1:9000","data":"/from-file","log_level":"warn"}`), 0o600)
	c, err := load(t, []string{"--config", file, "--data", "/from-flag"}, map[string]string{
		"LIENTHONG_LOG_LEVEL": "debug",
		"LIENTHONG_TOKEN_TTL": "5m",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("file did not apply: addr %q", c.Addr)
	}
	if c.LogLevel != "debug" {
		t.Errorf("environment did not override the file: %q", c.LogLevel)
	}
	if c.Data != "/from-flag" {
		t.Errorf("flag did not override: %q", c.Data)
	}
	if c.TokenTTL != 5*time.Minute {
		t.Errorf("token ttl %v", c.TokenTTL)
	}
	if c.MaxBodyBytes != Default().MaxBodyBytes {
		t.Errorf("default lost")
	}
}

func TestBadValuesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "nonsense"}, nil, "addr"},
		{[]string{"--log-level", "loud"}, nil, "log_level"},
		{nil, map[string]string{"LIENTHONG_TOKEN_TTL": "soon"}, "LIENTHONG_TOKEN_TTL"},
		{[]string{"--db", "mysql://x"}, nil, "postgres"},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err %v, want mention of %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestMaskedHidesPassword(t *testing.T) {
	c := Default()
	c.DB = "postgres://lt:hunter2@db.example/lt"
	if m := c.Masked(); strings.Contains(m.DB, "hunter2") || !strings.Contains(m.DB, "lt:xxxxx@") {
		t.Errorf("masked %q", m.DB)
	}
}
