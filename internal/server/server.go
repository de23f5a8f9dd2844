// Package server assembles one Liên Thông node: it opens the database, builds the services of every
// capability, puts their routes on one router with the shared middleware, and serves HTTP until its
// context ends. cmd/lienthong and the end-to-end tests both start nodes through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lienthong/lienthong/internal/accounts"
	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/certcopy"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/jobs"
	"github.com/lienthong/lienthong/internal/meeting"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/office"
	"github.com/lienthong/lienthong/internal/payment"
	"github.com/lienthong/lienthong/internal/scorecard"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/sso"
	"github.com/lienthong/lienthong/internal/task"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// Node is one running Liên Thông node's services and HTTP handler.
type Node struct {
	Config   config.Config
	DB       *db.DB
	Auth     *auth.Service
	Registry *agency.Registry
	Catalog  *catalog.Catalog
	Blobs    blob.Store
	Axis     *axis.Service
	Calendar *calendar.Calendar
	Dossiers *dossier.Service
	Feedback *feedback.Service
	Office   *office.Service
	Copies   *certcopy.Service
	// National holds the dossiers provinces synchronise (national node); NationalOutbox sends this
	// node's dossier changes upstream and NationalPull pulls the catalogue (provincial node; nil else).
	National       *national.Service
	NationalOutbox *national.Outbox
	NationalPull   *national.CataloguePull
	Meetings       *meeting.Service
	Tasks          *task.Service
	Payments       *payment.Service
	// SSO is the OpenID Connect provider (national node), SSORP the relying party that logs
	// citizens in through it; either may be nil.
	SSO   *sso.Provider
	SSORP *sso.RP
	// Scorecard folds every module's activity into the provinces' scorecard.
	Scorecard *scorecard.Service
	Jobs      *jobs.SQL
	Router    *api.Router
	Handler   http.Handler
	Version   string
}

// NewRenderer returns the page renderer with every capability's templates and messages.
func NewRenderer() (*web.Renderer, error) {
	pages, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	for _, register := range []func(*web.Renderer) error{agency.RegisterPages, catalog.RegisterPages, accounts.RegisterPages, axis.RegisterPages, feedback.RegisterPages, dossier.RegisterPages, certcopy.RegisterPages, office.RegisterPages, scorecard.RegisterPages, national.RegisterPages, meeting.RegisterPages, payment.RegisterPages, task.RegisterPages} {
		if err := register(pages); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

// Open opens the database and builds the services and routes.
func Open(ctx context.Context, cfg config.Config, version string) (*Node, error) {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("server: data folder: %w", err)
	}
	d, err := db.Open(ctx, cfg.DB, cfg.Data)
	if err != nil {
		return nil, err
	}
	n, err := build(ctx, cfg, d, version)
	if err != nil {
		d.Close()
		return nil, err
	}
	return n, nil
}

func build(ctx context.Context, cfg config.Config, d *db.DB, version string) (*Node, error) {
	n := &Node{Config: cfg, DB: d, Version: version}
	var err error
	if n.Registry, err = agency.NewRegistry(ctx, d); err != nil {
		return nil, err
	}
	if n.Catalog, err = catalog.New(ctx, d, n.Registry.Exists); err != nil {
		return nil, err
	}
	n.Auth, err = auth.NewService(ctx, d, auth.Options{TokenTTL: cfg.TokenTTL, SessionTTL: cfg.SessionTTL,
		LockoutThreshold: cfg.LockoutThreshold, LockoutDuration: cfg.LockoutDuration, AgencyExists: n.Registry.Exists})
	if err != nil {
		return nil, err
	}
	if n.Blobs, err = blob.NewLocal(filepath.Join(cfg.Data, "blobs"), blob.LocalOptions{}); err != nil {
		return nil, err
	}
	axisOpt := axis.DefaultOptions()
	axisOpt.Policy = axis.SignaturePolicy(cfg.AxisSignatures)
	axisOpt.MaxPackage = cfg.MaxPackageBytes
	axisOpt.Scope = cfg.AxisScope
	trust := signature.NewTrustStore()
	if cfg.TrustStore != "" {
		if err := trust.LoadPEMFile(cfg.TrustStore); err != nil {
			return nil, fmt.Errorf("server: trust store: %w", err)
		}
	}
	axisOpt.Verify = axis.SignatureVerifier(trust)
	if cfg.AxisUpstream != "" {
		axisOpt.Upstream = &axis.Upstream{URL: cfg.AxisUpstream, ClientID: cfg.AxisUpstreamClientID, ClientSecret: cfg.AxisUpstreamClientSecret}
	}
	n.Jobs = jobs.NewSQL(d)
	axisOpt.Jobs = n.Jobs
	n.Axis = axis.New(d, n.Blobs, n.Registry, axisOpt)
	if n.Calendar, err = calendar.New(); err != nil {
		return nil, err
	}
	signers := &agencySigners{dir: filepath.Join(cfg.Data, "keys"), agencyName: n.Registry.Name}
	n.Dossiers = dossier.New(d, n.Blobs, n.Catalog, n.Registry, n.Calendar, dossier.Options{
		// Results are signed by the issuing agency (PAdES) before they reach the applicant.
		SignResult: func(ctx context.Context, agency string, doc []byte) ([]byte, error) {
			s, err := signers.For(ctx, agency)
			if err != nil {
				return nil, err
			}
			return signature.SignPDF(doc, s, signature.PDFSignOptions{Name: n.Registry.Name(agency),
				Reason: "Kết quả giải quyết thủ tục hành chính"})
		},
	})
	n.Feedback = feedback.New(d, n.Calendar, n.Registry, feedback.Options{})
	n.Office = office.New(d, n.Blobs, n.Registry, n.Calendar, n.Axis, office.Options{
		// Leaders' personal keys: 0600 files under the data folder.
		Keys: office.FileKeys{Dir: filepath.Join(cfg.Data, "office-keys")},
		// The sign step: the leader's personal visible signature (image, name, time), or the agency's
		// key when the leader has registered none. Approval signatures, so the agency's seal can follow.
		SignPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
			name := r.SignerName
			if name == "" {
				name = r.AgencyName
			}
			opts := signature.PDFSignOptions{Name: name, Reason: strings.TrimSpace(r.SignerTitle + " " + r.AgencyName), Time: r.At, Approval: true}
			var s signature.Signer
			var err error
			if r.Personal != nil {
				if s, err = signature.ParsePEM(r.Personal.CertPEM, r.Personal.KeyPEM); err != nil {
					return nil, err
				}
				if opts.Appearance, err = signature.LeaderAppearance(r.Personal.Image, name, r.At); err != nil {
					return nil, err
				}
			} else if s, err = signers.For(ctx, r.Agency); err != nil {
				return nil, err
			}
			return signature.SignPDF(r.PDF, s, opts)
		},
		// At issue: the agency's visible seal signature over a third of the leader's (Decree 30).
		SealPDF: func(ctx context.Context, r office.SignRequest) ([]byte, error) {
			s, err := signers.For(ctx, r.Agency)
			if err != nil {
				return nil, err
			}
			app, err := signature.SealAppearance(r.AgencyName)
			if err != nil {
				return nil, err
			}
			return signature.SignPDF(r.PDF, s, signature.PDFSignOptions{Name: r.AgencyName, Reason: "Ban hành", Time: r.At, Approval: true, Appearance: app})
		},
		LookupPerson: func(ctx context.Context, login string) (office.Person, error) {
			u, err := n.Auth.User(ctx, login)
			if err == nil && u.Disabled {
				err = errs.Reasonf(errs.NotFound, "unknown_user", "no officer %q", login)
			}
			return office.Person{Login: u.Login, Name: u.FullName, Grants: u.Grants}, err
		},
	})

	n.Scorecard = scorecard.New(d, n.Registry, scorecard.Options{})
	n.National = national.New(d, national.Options{Procedures: national.CatalogLookup(n.Catalog), Applicants: n.Auth, Catalog: n.Catalog})
	if cfg.AxisUpstream != "" && cfg.AxisScope != "" {
		// A provincial node: its dossier changes go to the national node, whose catalogue comes down.
		n.NationalOutbox = national.NewOutbox(d, cfg.AxisUpstream, cfg.AxisUpstreamClientID, cfg.AxisUpstreamClientSecret)
		n.NationalOutbox.Province = cfg.AxisScope
		n.NationalPull = &national.CataloguePull{Upstream: strings.TrimRight(cfg.AxisUpstream, "/"), Local: n.Catalog, Scope: cfg.AxisScope, Import: true}
	}
	n.Tasks = task.New(d, n.Calendar, n.Registry, task.Options{})
	n.Meetings = meeting.New(d, n.Registry, signers.For, meeting.Options{Papers: meeting.OfficePapers(n.Office), CreateTasks: n.conclusionsToTasks})
	if n.Payments, err = n.buildPayments(); err != nil {
		return nil, err
	}
	n.Scorecard.Register(syncSource{n})
	n.Scorecard.Register(paymentSource{n})
	n.Scorecard.Register(taskSource{n})
	n.Copies = certcopy.New(d, n.Blobs, n.Registry, signers.For, certcopy.Options{PublicURL: cfg.PublicURL(), Trust: trust})

	if err := n.buildSSO(ctx); err != nil {
		return nil, err
	}

	pages, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	pages.Version = version

	rr := api.NewRouter(cfg.MaxBodyBytes)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	agencies := &agency.Handler{Registry: n.Registry, Pages: pages}
	acc := &accounts.Handler{Auth: n.Auth, DB: d, Pages: pages, SessionTTL: cfg.SessionTTL,
		SecureCookies: strings.HasPrefix(cfg.PublicURL(), "https://"), Stats: n.homeStats, SSO: n.SSORP != nil}
	rr.Handle(agencies.Routes()...)
	rr.Handle(agencies.PageRoutes()...)
	procedures := &catalog.Handler{Catalog: n.Catalog, Pages: pages, AgencyName: func(code string) string {
		if a, ok := n.Registry.Index().Get(code); ok {
			return a.Name
		}
		return code
	}}
	rr.Handle(procedures.Routes()...)
	rr.Handle(procedures.PageRoutes()...)
	rr.Handle(acc.Routes()...)
	rr.Handle((&axis.Handler{Axis: n.Axis, Registry: n.Registry}).Routes()...)
	rr.Handle((&axis.Handler{Axis: n.Axis, Registry: n.Registry}).StatsRoutes()...)
	rr.Handle((&axis.Pages{Axis: n.Axis, Registry: n.Registry, Auth: n.Auth, Renderer: pages}).PageRoutes()...)
	rr.Handle(acc.PageRoutes()...)
	dossiers := &dossier.Handler{Dossiers: n.Dossiers, Pages: pages, Forms: dossier.NewForms(n.Dossiers)}
	rr.Handle(dossiers.Routes()...)
	rr.Handle(dossiers.PageRoutes()...)
	offices := &office.Handler{Office: n.Office, Pages: pages}
	rr.Handle(offices.Routes()...)
	rr.Handle(offices.PageRoutes()...)
	pakn := &feedback.Handler{Feedback: n.Feedback, Pages: pages}
	rr.Handle(pakn.Routes()...)
	rr.Handle(pakn.PageRoutes()...)
	copies := &certcopy.Handler{Copies: n.Copies, Pages: pages}
	rr.Handle(copies.Routes()...)
	rr.Handle(copies.PageRoutes()...)
	hub := &national.Handler{National: n.National, Outbox: n.NationalOutbox, Pull: n.NationalPull, Pages: pages}
	rr.Handle(hub.Routes()...)
	rr.Handle(hub.PageRoutes()...)
	meetings := &meeting.Handler{Meetings: n.Meetings, Pages: pages}
	rr.Handle(meetings.Routes()...)
	rr.Handle(meetings.PageRoutes()...)
	tasks := &task.Handler{Tasks: n.Tasks, Pages: pages}
	rr.Handle(tasks.Routes()...)
	rr.Handle(tasks.PageRoutes()...)
	payments := &payment.Handler{Payments: n.Payments, Signer: signers.For, Pages: pages}
	rr.Handle(payments.Routes()...)
	rr.Handle(payments.PageRoutes()...)
	scores := &scorecard.Handler{Scorecard: n.Scorecard, Pages: pages}
	rr.Handle(scores.Routes()...)
	rr.Handle(scores.PageRoutes()...)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w, r := d.Pools()
	reg.MustRegister(collectors.NewDBStatsCollector(w, "write"))
	if r != w {
		reg.MustRegister(collectors.NewDBStatsCollector(r, "read"))
	}
	reg.MustRegister(jobsCollector{n})
	metrics := api.NewMetrics(reg)

	rr.HandleRaw("POST /oauth/token", http.HandlerFunc(n.Auth.TokenHandler))
	rr.HandleRaw("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	}))
	rr.HandleRaw("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.Ping(ctx); err != nil {
			api.WriteError(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": string(d.Dialect)})
	}))
	rr.HandleRaw("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	rr.HandleRaw("GET /openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, http.StatusOK, n.OpenAPI())
	}))
	// The national portal's data-sharing envelope, as provincial software (OpenCPS) sends it: it
	// authenticates by its own session, so it is mounted raw.
	compat := &national.Compat{National: n.National, Auth: n.Auth, Catalog: n.Catalog, Agencies: n.Registry}
	rr.HandleRaw("POST /compat/dvcqg/login", http.HandlerFunc(compat.Login))
	rr.HandleRaw("POST /compat/dvcqg/service", http.HandlerFunc(compat.Service))
	if n.SSO != nil {
		rr.HandleRaw("/oidc/", n.SSO.Handler()) // the protocol's own endpoints and login page
	}
	if n.SSORP != nil {
		rr.HandleRaw("GET /sso/", n.SSORP.Handler())
	}
	rr.HandleRaw("GET /static/", web.Static())
	rr.HandleRaw("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	// Anything else is a 404 in the caller's language: JSON under /api, a page elsewhere.
	rr.HandleRaw("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nf := errs.Reasonf(errs.NotFound, "no_route", "there is nothing at %s %s", r.Method, r.URL.Path)
		if allowed := rr.Allowed(r.URL.Path); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			api.WriteJSON(w, http.StatusMethodNotAllowed, api.ErrorBody{Error: api.ErrorDetail{Code: "method_not_allowed",
				Message: fmt.Sprintf("%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or "))}})
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.WriteError(w, r, nf)
			return
		}
		rr.PageError(w, r, nf)
	}))
	n.Router = rr

	cop := http.NewCrossOriginProtection()
	n.Handler = api.SecurityHeaders(cop.Handler(n.Auth.Middleware(metrics.Instrument(rr.Mux))))
	return n, nil
}

// conclusionsToTasks turns a meeting's conclusions into tasks assigned by the convening authority:
// the Government for meetings of the Government Office, the People's Committee otherwise. The
// meeting and item are the tasks' source, so running it again returns the same tasks.
func (n *Node) conclusionsToTasks(ctx context.Context, by *auth.Principal, meetingID int64, cs []meeting.Conclusion) ([]string, error) {
	m, err := n.Meetings.Get(ctx, by, meetingID)
	if err != nil {
		return nil, err
	}
	authority := "UBND"
	if m.Agency == "000.00.00.G22" {
		authority = "CP"
	}
	list := make([]task.Conclusion, len(cs))
	for i, c := range cs {
		period := ""
		if c.Ongoing {
			period = "month"
		}
		list[i] = task.Conclusion{DirectiveNumber: fmt.Sprintf("meeting:%d", meetingID), Content: c.Content, Lead: c.LeadAgency,
			Coordinators: c.Coordinating, Authority: authority, Deadline: c.Deadline, ReportPeriod: period, Product: c.Product,
			Source: fmt.Sprintf("meeting:%d/item:%d/%d", meetingID, c.ItemPosition, i)}
	}
	tasks, err := n.Tasks.CreateFromConclusions(ctx, by, list)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = strconv.FormatInt(t.ID, 10)
	}
	return ids, nil
}

// buildPayments sets up the payment platform with the gateways whose keys are configured. A paid
// bill moves its dossier on from "payment requested" (the job is retried until it succeeds).
func (n *Node) buildPayments() (*payment.Service, error) {
	var gateways []payment.Gateway
	if n.Config.PaymentBankSecret != "" {
		gateways = append(gateways, payment.HMACGateway{ID: "bank", Secret: []byte(n.Config.PaymentBankSecret)})
	}
	if n.Config.PaymentIntermediaryKey != "" {
		b, err := os.ReadFile(n.Config.PaymentIntermediaryKey)
		if err != nil {
			return nil, fmt.Errorf("server: payment intermediary key: %w", err)
		}
		pub, err := payment.ParseRSAPublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("server: payment intermediary key: %w", err)
		}
		gateways = append(gateways, payment.RSAGateway{ID: "inter", Public: pub})
	}
	return payment.New(n.DB, payment.Options{Gateways: gateways,
		PayURLs:       map[string]string{"bank": n.Config.PaymentBankPayURL, "inter": n.Config.PaymentIntermediaryPayURL},
		StatementURLs: map[string]string{"bank": n.Config.PaymentBankStatementURL, "inter": n.Config.PaymentIntermediaryStatementURL},
		OnPaid: func(ctx context.Context, code string) error {
			d, err := n.Dossiers.Get(ctx, auth.System, code)
			if err != nil {
				return err
			}
			if d.Status != vn.DossierPaymentRequested {
				return nil // already moved on (a repeated job)
			}
			_, err = n.Dossiers.Transition(ctx, auth.System, code, dossier.Change{To: d.ResumeStatus, Reason: "Đã nộp phí, lệ phí trực tuyến"})
			return err
		}}), nil
}

// buildSSO makes the node an OpenID provider (national node) and/or a relying party. A provider
// node is also a relying party of itself, so that its own portal logs citizens in the same way the
// provinces' portals do.
func (n *Node) buildSSO(ctx context.Context) error {
	cfg := n.Config
	secure := strings.HasPrefix(cfg.PublicURL(), "https://")
	issuer, clientID, clientSecret := cfg.SSOIssuer, cfg.SSOClientID, cfg.SSOClientSecret
	if cfg.SSOProvider {
		var err error
		n.SSO, err = sso.NewProvider(ctx, n.DB, n.Auth, sso.Options{Issuer: cfg.PublicURL() + "/oidc", Secret: cfg.SSOSecret,
			Insecure: !secure, SecureCookies: secure})
		if err != nil {
			return err
		}
		if issuer == "" {
			issuer, clientID = cfg.PublicURL()+"/oidc", "portal"
			clientSecret, err = n.SSO.RegisterClient(ctx, sso.Client{ID: clientID, Name: "Cổng dịch vụ công của nút này",
				RedirectURIs: []string{cfg.PublicURL() + "/sso/callback"}, PostLogoutRedirects: []string{cfg.PublicURL() + "/"}})
			if err != nil {
				return err
			}
		}
	}
	if issuer == "" {
		return nil
	}
	var err error
	n.SSORP, err = sso.NewRP(n.Auth, sso.RPOptions{Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: cfg.PublicURL(), Secret: cfg.SSOSecret, SecureCookies: secure, SessionTTL: cfg.SessionTTL, OpenSession: n.Auth.OpenSession})
	return err
}

// OpenAPI returns the node's OpenAPI document, including the token endpoint.
func (n *Node) OpenAPI() map[string]any {
	doc := n.Router.OpenAPI("Liên Thông API", n.Version)
	paths := doc["paths"].(map[string]any)
	paths["/oauth/token"] = map[string]any{"post": map[string]any{
		"summary":     "OAuth2 client credentials grant (RFC 6749 §4.4): form-encoded, client authentication by HTTP Basic or in the body",
		"operationId": "post_oauth_token",
		"tags":        []string{"accounts"},
		"requestBody": map[string]any{"required": true, "content": map[string]any{"application/x-www-form-urlencoded": map[string]any{
			"schema": map[string]any{"type": "object", "required": []string{"grant_type"}, "properties": map[string]any{
				"grant_type": map[string]any{"type": "string", "enum": []string{"client_credentials"}},
				"client_id":  map[string]any{"type": "string"}, "client_secret": map[string]any{"type": "string"}}}}}},
		"responses": map[string]any{"200": map[string]any{"description": "a bearer token", "content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"type": "object", "properties": map[string]any{"access_token": map[string]any{"type": "string"},
				"token_type": map[string]any{"type": "string"}, "expires_in": map[string]any{"type": "integer"}}}}}},
			"400": map[string]any{"description": "RFC 6749 §5.2 error"}, "401": map[string]any{"description": "invalid_client"}},
	}}
	return doc
}

func (n *Node) homeStats() []accounts.Stat {
	ix := n.Registry.Index()
	onAxis, provinces := 0, 0
	today := agency.Today()
	for _, a := range ix.All() {
		if !a.ActiveOn(today) {
			continue
		}
		if a.OnAxis {
			onAxis++
		}
		if a.Kind == agency.ProvinceCommittee {
			provinces++
		}
	}
	return []accounts.Stat{
		{LabelKey: "home.stat.agencies", Value: ix.Len(), Link: "/agencies"},
		{LabelKey: "home.stat.on_axis", Value: onAxis, Link: "/agencies?on_axis=true&active=true"},
		{LabelKey: "home.stat.provinces", Value: provinces, Link: "/agencies?kind=province_committee&active=true"},
	}
}

// Close stops the services and releases the database.
func (n *Node) Close() error {
	if n.Office != nil {
		n.Office.Close() // before the axis: the office sends through it
	}
	if n.Axis != nil {
		n.Axis.Close()
	}
	if n.Dossiers != nil {
		n.Dossiers.Close()
	}
	if n.Payments != nil {
		n.Payments.Close()
	}
	return n.DB.Close()
}

// Serve listens on the configured address (or uses ln when given) and serves until ctx ends, then
// shuts down gracefully. ready, when set, receives the bound address once listening.
func (n *Node) Serve(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", n.Config.Addr)
		if err != nil {
			return fmt.Errorf("server: listen %s: %w", n.Config.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           n.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // large edXML packages and uploads stream in slowly
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	stopWorkers := n.Start(ctx)
	defer stopWorkers()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			srv.Close()
			return fmt.Errorf("server: requests still running 15 s after the shutdown signal were cut off")
		}
		return err
	}
	return nil
}

// Start runs the node's background work (registry refresh, forwarding to the upstream axis,
// pulling from it) until ctx ends or the returned stop function is called; stop waits for it.
func (n *Node) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	forward := jobs.NewRunner(n.Jobs, axis.ForwardQueue, n.Axis.Forward, jobs.RunnerOptions{Concurrency: 4})
	forward.Start(ctx)
	hooks := jobs.NewRunner(n.Jobs, axis.WebhookQueue, n.Axis.CallWebhook, jobs.RunnerOptions{Concurrency: 8, Backoff: axis.WebhookBackoff})
	hooks.Start(ctx)
	paid := jobs.NewRunner(n.Jobs, payment.PaidQueue, n.Payments.NotifyPaid, jobs.RunnerOptions{Concurrency: 2})
	paid.Start(ctx)
	background := []func(context.Context){
		func(ctx context.Context) { n.Registry.Watch(ctx, 3*time.Second) },
		func(ctx context.Context) { n.Catalog.Watch(ctx, 3*time.Second) },
		n.Axis.PullDown,
		// The office registers axis documents of agencies that switched auto-registration on, and
		// retries status packets and sends that failed.
		func(ctx context.Context) { n.Office.Run(ctx, 5*time.Second) },
		// Reads fold what is new too; the loop keeps the scorecard's counts close to live.
		func(ctx context.Context) { n.Scorecard.Run(ctx, 30*time.Second) },
	}
	if n.SSO != nil {
		background = append(background, n.SSO.Run)
	}
	// Payments: expiry, and reconciliation every 15 minutes and daily.
	background = append(background, n.Payments.Run)
	// Reminders of tasks whose deadline comes near.
	background = append(background, func(ctx context.Context) { n.Tasks.Run(ctx, time.Hour) })
	// Ballots whose deadline passed are tallied and published.
	background = append(background, func(ctx context.Context) { n.Meetings.Run(ctx, 30*time.Second) })
	if n.NationalOutbox != nil {
		background = append(background, n.NationalOutbox.Run, func(ctx context.Context) { n.NationalPull.Run(ctx, time.Hour) })
	}
	done := make(chan struct{}, len(background))
	for _, run := range background {
		go func() { run(ctx); done <- struct{}{} }()
	}
	return func() {
		cancel()
		forward.Stop()
		hooks.Stop()
		paid.Stop()
		for range background {
			<-done
		}
	}
}

// DataPath returns a path inside the data folder.
func (n *Node) DataPath(elem ...string) string {
	return filepath.Join(append([]string{n.Config.Data}, elem...)...)
}

// jobsCollector exports the job queues' counters to /metrics at scrape time.
type jobsCollector struct{ n *Node }

var jobsDesc = prometheus.NewDesc("lienthong_jobs", "Background jobs by queue and state.", []string{"queue", "state"}, nil)
var jobsLagDesc = prometheus.NewDesc("lienthong_jobs_lag_seconds", "How long the oldest due job of a queue has waited.", []string{"queue"}, nil)

func (c jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc; ch <- jobsLagDesc }

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := c.n.Jobs.Stats(ctx)
	if err != nil {
		return
	}
	for q, s := range stats {
		for state, v := range map[string]int64{"ready": s.Ready, "delayed": s.Delayed, "running": s.Running, "done": s.Done, "dead": s.Dead} {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(v), q, state)
		}
		ch <- prometheus.MustNewConstMetric(jobsLagDesc, prometheus.GaugeValue, s.Lag.Seconds(), q)
	}
}
