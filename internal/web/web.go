// Package web is the shell every page shares: the layout, the message catalogues (Vietnamese first,
// English beside it), the static assets (htmx vendored from npm, so nothing is fetched at run time)
// and the helpers that render a page with a typed view. Capability packages bring their own page
// templates and register them at start-up, so a missing template fails start-up, not a request.
package web

//go:generate sh generate.sh

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

//go:embed templates static messages
var files embed.FS

// Languages are the interface languages; the first is the default.
var Languages = []string{"vi", "en"}

// Renderer renders pages inside the layout.
type Renderer struct {
	base  *template.Template
	pages map[string]*template.Template
	msgs  map[string]map[string]string
	// Version is shown in the footer.
	Version string
}

var funcs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(vn.ICT).Format("15:04 02/01/2006")
	},
	"date": func(s string) string { // YYYY-MM-DD → DD/MM/YYYY
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t.Format("02/01/2006")
		}
		return s
	},
	"add": func(a, b int) int { return a + b },
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"join": strings.Join,
}

// NewRenderer parses the layout and the message catalogues.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, msgs: map[string]map[string]string{}}
	base, err := template.New("layout").Funcs(funcs).Option("missingkey=error").ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	r.base = base
	for _, lang := range Languages {
		b, err := files.ReadFile("messages/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		r.msgs[lang] = m
	}
	if err := r.Add(files, "templates/pages/*.html"); err != nil {
		return nil, err
	}
	return r, nil
}

// Add parses page templates: each file becomes a page named after it (agencies.html → "agencies")
// and must define "content".
func (r *Renderer) Add(fsys fs.FS, patterns ...string) error {
	for _, p := range patterns {
		names, err := fs.Glob(fsys, p)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return fmt.Errorf("web: no templates match %s", p)
		}
		for _, n := range names {
			t, err := template.Must(r.base.Clone()).ParseFS(fsys, n)
			if err != nil {
				return fmt.Errorf("web: %s: %w", n, err)
			}
			if t.Lookup("content") == nil {
				return fmt.Errorf("web: %s does not define \"content\"", n)
			}
			name := strings.TrimSuffix(path.Base(n), ".html")
			if _, dup := r.pages[name]; dup {
				return fmt.Errorf("web: two page templates are named %q", name)
			}
			r.pages[name] = t
		}
	}
	return nil
}

// AddMessages merges a package's own message catalogues, dir/vi.json and dir/en.json, into the
// renderer's. A key that is already defined is an error, so two packages cannot quietly disagree.
func (r *Renderer) AddMessages(fsys fs.FS, dir string) error {
	for _, lang := range Languages {
		b, err := fs.ReadFile(fsys, path.Join(dir, lang+".json"))
		if err != nil {
			return fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("web: catalogue %s/%s.json: %w", dir, lang, err)
		}
		for k, v := range m {
			if _, dup := r.msgs[lang][k]; dup {
				return fmt.Errorf("web: message %q in %s/%s.json is already defined", k, dir, lang)
			}
			r.msgs[lang][k] = v
		}
	}
	return nil
}

// CheckCSRF compares a form's anti-forgery token (field csrf, or header X-CSRF-Token) with the
// session's.
func CheckCSRF(r *http.Request) error {
	p := auth.FromContext(r.Context())
	tok := r.PostFormValue("csrf")
	if tok == "" {
		tok = r.Header.Get("X-CSRF-Token")
	}
	if p == nil || p.CSRF == "" || tok != p.CSRF {
		return errs.Reasonf(errs.Forbidden, "bad_csrf", "the form has expired: reload the page and try again")
	}
	return nil
}

// Page is what the layout sees: the shell's data plus the page's own typed view in Data.
type Page struct {
	Title   string
	Lang    string
	User    *auth.Principal
	Path    string
	Query   string
	Version string
	Data    any
	msgs    map[string]string
}

// T returns the message for key in the page's language, formatted with args; a missing key shows
// itself so it is noticed (a test checks both catalogues are complete).
func (p *Page) T(key string, args ...any) string {
	s, ok := p.msgs[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// CSRF returns the session's anti-forgery token for forms.
func (p *Page) CSRF() string {
	if p.User == nil {
		return ""
	}
	return p.User.CSRF
}

// Lang returns the request's interface language from the "lang" cookie (Vietnamese by default).
func Lang(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range Languages {
			if c.Value == l {
				return l
			}
		}
	}
	return Languages[0]
}

// Messages returns the catalogue of a language (for tests and for messages built outside templates).
func (r *Renderer) Messages(lang string) map[string]string { return r.msgs[lang] }

// Render writes the named page. titleKey is a catalogue key.
func (r *Renderer) Render(w http.ResponseWriter, req *http.Request, status int, name, titleKey string, data any) error {
	t, ok := r.pages[name]
	if !ok {
		return errs.New(errs.Internal, "no page template %q", name)
	}
	lang := Lang(req)
	p := &Page{Lang: lang, User: auth.FromContext(req.Context()), Path: req.URL.Path, Query: req.URL.RawQuery,
		Version: r.Version, Data: data, msgs: r.msgs[lang]}
	p.Title = p.T(titleKey)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web.Render(%s): %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// ErrorView is the view of the error page.
type ErrorView struct {
	Status  int
	Code    errs.Code
	Message string
	Fields  []errs.FieldError
}

// RenderError shows an error as a page, with the status from statusOf.
func (r *Renderer) RenderError(w http.ResponseWriter, req *http.Request, status int, code errs.Code, message string, fields []errs.FieldError) {
	if err := r.Render(w, req, status, "error", "error.title", ErrorView{Status: status, Code: code, Message: message, Fields: fields}); err != nil {
		slog.Error("rendering the error page failed", "err", err)
		http.Error(w, message, status)
	}
}

// Static serves the embedded assets under /static/, cacheable for a day.
func Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}

// TemplateFS exposes the shell's templates for the catalogue-completeness test.
func TemplateFS() fs.FS { return files }

// Asset returns a page handler that serves a package's own script or style sheet, static/<name> in
// fsys (the package's embedded files), under the page's origin: the content security policy allows
// scripts and styles from 'self' only. name is the route's {name}, or fixed when the route names one
// file. The type comes from the extension; anything not there is not found.
func Asset(fsys fs.ReadFileFS, fixed string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		name := fixed
		if name == "" {
			name = r.PathValue("name")
		}
		b, err := fsys.ReadFile("static/" + name)
		if err != nil || name == "" || strings.Contains(name, "/") {
			return errs.Reasonf(errs.NotFound, "no_route", "there is nothing at %s", r.URL.Path)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, err = w.Write(b)
		return err
	}
}
