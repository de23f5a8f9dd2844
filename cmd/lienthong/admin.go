package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/server"
	"github.com/lienthong/lienthong/internal/sso"
)

// open opens a node's services without serving, for administration commands.
func (c *cli) open(cfg config.Config) (*server.Node, error) {
	cfg.LogLevel = "warn"
	return server.Open(c.ctx, cfg, version)
}

func (c *cli) migrate(args []string) error {
	cfg, _, err := c.load("migrate", args, nil)
	if err != nil {
		return err
	}
	d, err := db.Open(c.ctx, cfg.DB, cfg.Data)
	if err != nil {
		return err
	}
	defer d.Close()
	ms, err := d.Applied(c.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "database: %s, %d migrations applied\n", d.Dialect, len(ms))
	for _, m := range ms {
		fmt.Fprintf(c.stdout, "  %04d %s\n", m.Version, m.Name)
	}
	return nil
}

func (c *cli) agency(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("agency: want import FILE | export [FILE] | list [-q TEXT] | show CODE")
	}
	sub, args := args[0], args[1:]
	var q string
	var limit int
	cfg, fs, err := c.load("agency "+sub, args, func(fs *flag.FlagSet) {
		if sub == "list" {
			fs.StringVar(&q, "q", "", "search text (diacritics ignored)")
			fs.IntVar(&limit, "limit", 50, "at most this many")
		}
	})
	if err != nil {
		return err
	}
	node, err := c.open(cfg)
	if err != nil {
		return err
	}
	defer node.Close()
	reg := node.Registry
	switch sub {
	case "import":
		if fs.NArg() != 1 {
			return fmt.Errorf("agency import: give the CSV file")
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := agency.ParseCSV(f)
		if err != nil {
			return describe(err)
		}
		res, err := reg.Import(c.ctx, auth.System, rows)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(c.stdout, "imported %d rows: %d created, %d updated, %d unchanged\n", res.Rows, res.Created, res.Updated, res.Unchanged)
		return nil
	case "export":
		out := c.stdout
		if fs.NArg() == 1 {
			f, err := os.Create(fs.Arg(0))
			if err != nil {
				return err
			}
			defer f.Close()
			out = f
		}
		return agency.WriteCSV(out, reg.Index().All())
	case "list":
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		for _, a := range reg.Index().Search(agency.Query{Text: q, Limit: limit}) {
			state := "active"
			if !a.Active() {
				state = "closed " + a.EffectiveTo
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Code, a.Name, a.Level, state)
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return fmt.Errorf("agency show: give the identifier code")
		}
		a, err := reg.Get(fs.Arg(0))
		if err != nil {
			return describe(err)
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*agency.Agency
			Children []string `json:"children"`
		}{a, codes(reg.Index().Children(a.Code))})
	}
	return fmt.Errorf("agency: unknown subcommand %q", sub)
}

func codes(list []*agency.Agency) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.Code)
	}
	return out
}

type grantList []auth.Grant

func (g *grantList) String() string { return fmt.Sprint(*g) }
func (g *grantList) Set(s string) error {
	gr, err := auth.ParseGrant(s)
	if err != nil {
		return err
	}
	*g = append(*g, gr)
	return nil
}

func (c *cli) user(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("user: want create | list | passwd")
	}
	sub, args := args[0], args[1:]
	var nu auth.NewUser
	var grants grantList
	cfg, _, err := c.load("user "+sub, args, func(fs *flag.FlagSet) {
		if sub == "create" || sub == "passwd" {
			fs.StringVar(&nu.Login, "login", "", "login name")
			fs.StringVar(&nu.Password, "password", "", "password (at least 10 characters; read from LIENTHONG_PASSWORD when empty)")
		}
		if sub == "create" {
			fs.StringVar(&nu.FullName, "name", "", "full name")
			fs.StringVar(&nu.Email, "email", "", "e-mail")
			fs.Var(&grants, "grant", "role@agency, repeatable (roles: admin, clerk, officer, leader, viewer; agency * for everywhere)")
		}
	})
	if err != nil {
		return err
	}
	if nu.Password == "" {
		nu.Password = c.env("LIENTHONG_PASSWORD")
	}
	node, err := c.open(cfg)
	if err != nil {
		return err
	}
	defer node.Close()
	switch sub {
	case "create":
		nu.Grants = grants
		u, err := node.Auth.CreateUser(c.ctx, auth.System, nu)
		if err != nil {
			return describe(err)
		}
		return json.NewEncoder(c.stdout).Encode(u)
	case "passwd":
		if err := node.Auth.SetPassword(c.ctx, auth.System, nu.Login, nu.Password); err != nil {
			return describe(err)
		}
		fmt.Fprintf(c.stdout, "password of %s changed; their sessions were ended\n", nu.Login)
		return nil
	case "list":
		us, err := node.Auth.Users(c.ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		for _, u := range us {
			var gs []string
			for _, g := range u.Grants {
				gs = append(gs, string(g.Role)+"@"+g.Agency)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Login, u.FullName, strings.Join(gs, ", "))
		}
		return tw.Flush()
	}
	return fmt.Errorf("user: unknown subcommand %q", sub)
}

func (c *cli) client(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("client: want create | list | rotate")
	}
	sub, args := args[0], args[1:]
	var nc auth.NewClient
	var id string
	cfg, _, err := c.load("client "+sub, args, func(fs *flag.FlagSet) {
		switch sub {
		case "create":
			fs.StringVar(&nc.Agency, "agency", "", "identifier code of the agency the client belongs to")
			fs.StringVar(&nc.Name, "name", "", "name of the connected system")
			fs.BoolVar(&nc.Subtree, "subtree", false, "the client acts for the agency's whole subtree")
		case "rotate":
			fs.StringVar(&id, "id", "", "client_id")
		}
	})
	if err != nil {
		return err
	}
	node, err := c.open(cfg)
	if err != nil {
		return err
	}
	defer node.Close()
	switch sub {
	case "create":
		cr, err := node.Auth.CreateClient(c.ctx, auth.System, nc)
		if err != nil {
			return describe(err)
		}
		return json.NewEncoder(c.stdout).Encode(cr)
	case "rotate":
		cr, err := node.Auth.RotateSecret(c.ctx, auth.System, id)
		if err != nil {
			return describe(err)
		}
		return json.NewEncoder(c.stdout).Encode(cr)
	case "list":
		cs, err := node.Auth.Clients(c.ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		for _, cl := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\tsubtree=%v\n", cl.ID, cl.Agency, cl.Name, cl.Subtree)
		}
		return tw.Flush()
	}
	return fmt.Errorf("client: unknown subcommand %q", sub)
}

func (c *cli) audit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("audit: want verify")
	}
	cfg, _, err := c.load("audit verify", args[1:], nil)
	if err != nil {
		return err
	}
	d, err := db.Open(c.ctx, cfg.DB, cfg.Data)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.Verify(c.ctx, d)
	if err != nil {
		return err
	}
	if rep.OK() {
		fmt.Fprintf(c.stdout, "audit log intact: %d entries, hash chain verified\n", rep.Rows)
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(c.stdout, "row %d: %s\n", p.Seq, p.Message)
	}
	return fmt.Errorf("audit log damaged: %d problems in %d entries", len(rep.Problems), rep.Rows)
}

// describe spells out an error's field details (CSV lines and columns) for the terminal.
func describe(err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		b.WriteString("\n  ")
		if f.Line > 0 {
			fmt.Fprintf(&b, "line %d", f.Line)
			if f.Column > 0 {
				fmt.Fprintf(&b, ", column %d", f.Column)
			}
			b.WriteString(": ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}

// sso administers the node's OpenID provider: `sso client` registers a relying party (a provincial
// portal) and prints its secret; `sso rotate-key` starts signing with a new key.
func (c *cli) sso(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("sso: want client | rotate-key")
	}
	sub, args := args[0], args[1:]
	var cl sso.Client
	var redirects, logouts string
	cfg, _, err := c.load("sso "+sub, args, func(fs *flag.FlagSet) {
		if sub == "client" {
			fs.StringVar(&cl.ID, "id", "", "client_id of the relying party")
			fs.StringVar(&cl.Name, "name", "", "name shown on the login page")
			fs.BoolVar(&cl.Public, "public", false, "a public client (no secret; PKCE required)")
			fs.StringVar(&redirects, "redirect", "", "allowed redirect URIs, comma-separated (e.g. https://dichvucong.lamdong.gov.vn/sso/callback)")
			fs.StringVar(&logouts, "logout", "", "allowed post-logout redirect URIs, comma-separated")
		}
	})
	if err != nil {
		return err
	}
	cfg.SSOProvider = true
	if cfg.SSOSecret == "" {
		cfg.SSOSecret = rand.Text() // registration seals nothing; the serving node has its own secret
	}
	node, err := c.open(cfg)
	if err != nil {
		return err
	}
	defer node.Close()
	switch sub {
	case "client":
		cl.RedirectURIs, cl.PostLogoutRedirects = splitList(redirects), splitList(logouts)
		secret, err := node.SSO.RegisterClient(c.ctx, cl)
		if err != nil {
			return describe(err)
		}
		return json.NewEncoder(c.stdout).Encode(map[string]string{"client_id": cl.ID, "client_secret": secret})
	case "rotate-key":
		kid, err := node.SSO.RotateKey(c.ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "new signing key:", kid)
		return nil
	}
	return fmt.Errorf("sso: unknown subcommand %q", sub)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
