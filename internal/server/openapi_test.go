package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/server"
)

// TestOpenAPIMatchesRoutes checks the served document against the route table: every API route is
// documented with its path parameters, nothing is documented that is not served, and every schema
// reference resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	n := newNode(t)
	raw, err := json.Marshal(n.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	served := map[string]bool{"post /oauth/token": true}
	for _, rt := range n.Router.Routes() {
		if rt.Page {
			continue
		}
		key := strings.ToLower(rt.Method) + " " + rt.Path
		served[key] = true
		opRaw, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s is served but not documented", rt.Pattern())
			continue
		}
		var op struct {
			Summary    string `json:"summary"`
			Parameters []struct {
				Name, In string
			} `json:"parameters"`
		}
		json.Unmarshal(opRaw, &op)
		if op.Summary == "" {
			t.Errorf("%s has no summary", rt.Pattern())
		}
		for _, p := range api.PathParams(rt.Path) {
			found := false
			for _, dp := range op.Parameters {
				found = found || (dp.Name == p && dp.In == "path")
			}
			if !found {
				t.Errorf("%s: path parameter %s is not documented", rt.Pattern(), p)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !served[method+" "+path] {
				t.Errorf("%s %s is documented but not served", method, path)
			}
		}
	}
	for _, ref := range regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("schema %s is referenced but not defined", ref[1])
		}
	}
}

// TestMessageCataloguesAreComplete checks that every message key a template uses exists in every
// language, and that the catalogues have the same keys.
func TestMessageCataloguesAreComplete(t *testing.T) {
	r, err := server.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../*/templates/*.html")
	more, _ := filepath.Glob("../*/templates/*/*.html")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found only %d templates", len(files))
	}
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	prefixRe := regexp.MustCompile(`\.T \(print "([a-z0-9_.]+\.)"`)
	vi, en := r.Messages("vi"), r.Messages("en")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			for lang, cat := range map[string]map[string]string{"vi": vi, "en": en} {
				if _, ok := cat[m[1]]; !ok {
					t.Errorf("%s uses %q, missing from the %s catalogue", f, m[1], lang)
				}
			}
		}
		for _, m := range prefixRe.FindAllStringSubmatch(string(b), -1) {
			found := false
			for k := range vi {
				found = found || strings.HasPrefix(k, m[1])
			}
			if !found {
				t.Errorf("%s builds keys with prefix %q, but no such keys exist", f, m[1])
			}
		}
	}
	for k := range vi {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in Vietnamese but not in English", k)
		}
	}
	for k := range en {
		if _, ok := vi[k]; !ok {
			t.Errorf("%q is in English but not in Vietnamese", k)
		}
	}
}
