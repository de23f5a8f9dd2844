package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/demo/demomeeting"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/server"
)

type cli struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    func(string) string
	// ready, when set by a test, receives the address once the server listens.
	ready func(addr string)
}

// load parses a command's flags on top of the shared configuration flags.
func (c *cli) load(name string, args []string, extra func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("lienthong "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, c.env)
	return cfg, fs, err
}

func (c *cli) logger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(c.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(c.stderr, opts))
}

func (c *cli) serve(args []string, withDemo bool) error {
	var printConfig bool
	name := "serve"
	if withDemo {
		name = "demo"
	}
	cfg, _, err := c.load(name, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&printConfig, "print-config", false, "print the effective configuration (secrets masked) and exit")
	})
	if err != nil {
		return err
	}
	if printConfig {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		m := cfg.Masked()
		return enc.Encode(struct {
			config.Config
			TokenTTL        string `json:"token_ttl"`
			SessionTTL      string `json:"session_ttl"`
			LockoutDuration string `json:"lockout_duration"`
		}{m, m.TokenTTL.String(), m.SessionTTL.String(), m.LockoutDuration.String()})
	}
	if withDemo && !cfg.SSOProvider && cfg.SSOIssuer == "" {
		// The demo is a national node: its own OpenID provider, which its portal logs citizens in with.
		cfg.SSOProvider = true
		if cfg.SSOSecret == "" {
			cfg.SSOSecret = rand.Text()
		}
	}
	log := c.logger(cfg)
	slog.SetDefault(log)
	start := time.Now()
	node, err := server.Open(c.ctx, cfg, version)
	if err != nil {
		return err
	}
	defer node.Close()
	if withDemo {
		if err := demo.Load(c.ctx, node.Registry, node.Auth, node.Axis); err != nil {
			return err
		}
		if err := demo.LoadProcedures(c.ctx, node.Catalog); err != nil {
			return err
		}
		if err := feedback.LoadDemo(c.ctx, node.Feedback); err != nil {
			return err
		}
		if err := demo.LoadApplicants(c.ctx, node.Auth); err != nil {
			return err
		}
		if err := demo.LoadDossiers(c.ctx, node.DB, node.Dossiers, node.Auth); err != nil {
			return err
		}
		// Two years of axis traffic, dossiers and feedback for the provinces' scorecard.
		if err := demo.LoadActivity(c.ctx, demo.ActivityServices{DB: node.DB, Auth: node.Auth, Axis: node.Axis,
			Dossiers: node.Dossiers, Feedback: node.Feedback}, 24); err != nil {
			return err
		}
		// The provinces' connected systems synchronise those dossiers; the Government Office assigns tasks.
		if err := demo.LoadHub(c.ctx, demo.HubServices{DB: node.DB, National: node.National, Tasks: node.Tasks}); err != nil {
			return err
		}
		if err := demomeeting.Load(c.ctx, node.DB, node.Meetings); err != nil {
			return err
		}
		c.printDemo(cfg)
	}
	ready := func(addr string) {
		log.Info("Liên Thông is serving", "addr", addr, "url", cfg.PublicURL(), "database", node.DB.Dialect, "data", cfg.Data,
			"agencies", node.Registry.Index().Len(), "startup", time.Since(start).Round(time.Millisecond).String())
		if c.ready != nil {
			c.ready(addr)
		}
	}
	return node.Serve(c.ctx, nil, ready)
}

func (c *cli) printDemo(cfg config.Config) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nLiên Thông demo: %s\n", cfg.PublicURL())
	fmt.Fprintf(&b, "Tài khoản thử nghiệm / demo logins (mật khẩu / password: %s)\n", demo.Password)
	for _, l := range demo.Logins {
		fmt.Fprintf(&b, "  %-20s %-8s @ %-14s %s\n", l.Login, l.Grant.Role, l.Grant.Agency, l.Purpose)
	}
	for _, a := range demo.Applicants {
		login, who := a.IdentificationNumber, "công dân / citizen "+a.FullName
		if a.Kind == "business" {
			login, who = a.TaxCode, "doanh nghiệp / business "+a.BusinessName
		}
		fmt.Fprintf(&b, "  %-20s %-8s   %-14s %s\n", login, "", "", who)
	}
	b.WriteString("\n")
	io.WriteString(c.stdout, b.String())
}
