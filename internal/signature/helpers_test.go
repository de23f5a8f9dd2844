package signature

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tool returns the path of an external program the interop tests compare with, skipping the test when
// it is missing unless LIENTHONG_TEST_REQUIRE is set, in which case the test fails.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("LIENTHONG_TEST_REQUIRE") != "" {
			t.Fatalf("%s is required (LIENTHONG_TEST_REQUIRE is set): %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// run runs a command and returns its standard output, failing the test on error.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)

// stripComments removes the comments of a test input (none of which sits inside CDATA or an
// attribute), so that xmllint's with-comments output serves as the expected output without comments.
func stripComments(b []byte) []byte { return commentRE.ReplaceAll(b, nil) }

func canonString(t testing.TB, in []byte, opts CanonOptions) string {
	t.Helper()
	var out bytes.Buffer
	if err := Canonicalize(&out, bytes.NewReader(in), opts); err != nil {
		t.Fatalf("Canonicalize(%s): %v", opts.Method, err)
	}
	return out.String()
}

func readFileT(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
