package main

// The reference client of the document exchange axis: what a connected system (an agency's
// document-management software) does, over HTTP, with a node. It never opens the database.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axisclient"
	"github.com/lienthong/lienthong/internal/edxml"
	"github.com/lienthong/lienthong/internal/vn"
)

const axisUsage = `Usage: lienthong axis <subcommand> [flags]

The reference client of the document exchange axis for a connected system. It talks HTTP to a
node with the credentials of a machine client (lienthong client create) and prints JSON, one
value a line.

  send FILE.edxml                      send a document package (FILE - reads standard input)
  received [--agency CODE] [--wait 30s] [--after N] [--follow]
                                       list the inbox; --follow keeps long-polling until interrupted
  get ID [-o FILE]                     download a package as sent (default ID.edxml; -o - for stdout)
  ack ID --status done|fail|processing [--agency CODE]
                                       transport acknowledgement; done removes it from the inbox
  status FILE.edxml                    send a status packet file
  status --document-id ID --code 03 --from CODE [--description TEXT] [--staff NAME]
                                       build a status packet (the national SDK's shape) and send it
  sent [--agency CODE]                 what an agency sent, with the state at each recipient
  agencies [--registered]              agencies known to the axis

Connection flags, for every subcommand:
  --url URL             the node (default $LIENTHONG_URL, else http://127.0.0.1:8080)
  --credentials FILE    JSON with client_id and client_secret, as printed by lienthong client create
  --client-id ID        (default $LIENTHONG_CLIENT_ID)
  --client-secret S     (default $LIENTHONG_CLIENT_SECRET)
`

// axisCall holds what one `lienthong axis` command line asked for.
type axisCall struct {
	c      *cli
	sub    string
	client *axisclient.Client
	url    string
	out    *json.Encoder
}

func (c *cli) axis(args []string) error {
	if len(args) == 0 {
		io.WriteString(c.stderr, axisUsage)
		return fmt.Errorf("axis: want send | received | get | ack | status | sent | agencies")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "help", "-h", "--help":
		io.WriteString(c.stdout, axisUsage)
		return nil
	}
	fs := flag.NewFlagSet("lienthong axis "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var conn struct{ url, id, secret, credentials string }
	fs.StringVar(&conn.url, "url", "", "URL of the node (default $LIENTHONG_URL, else http://127.0.0.1:8080)")
	fs.StringVar(&conn.credentials, "credentials", "", "JSON file with client_id and client_secret (as printed by lienthong client create)")
	fs.StringVar(&conn.id, "client-id", "", "client_id of the connected system (default $LIENTHONG_CLIENT_ID)")
	fs.StringVar(&conn.secret, "client-secret", "", "client_secret (default $LIENTHONG_CLIENT_SECRET)")

	var (
		agency, out, status, documentID, code, from, sender, description, staff, department, level, within string
		wait                                                                                               time.Duration
		after                                                                                              int64
		limit                                                                                              int
		follow, all, registered                                                                            bool
	)
	var run func(a *axisCall, pos []string) error
	nargs := 0 // positional arguments wanted; -1: zero or one
	switch sub {
	case "send":
		nargs, run = 1, (*axisCall).send
	case "received":
		fs.StringVar(&agency, "agency", "", "recipient identifier code (default: the client's agency)")
		fs.DurationVar(&wait, "wait", 0, "hold the first request up to this long for new items (with --follow: each request, default 30s)")
		fs.Int64Var(&after, "after", 0, "start after this cursor (from a previous listing)")
		fs.IntVar(&limit, "limit", 100, "items per request, 1 to 500")
		fs.BoolVar(&follow, "follow", false, "keep long-polling and print new items until interrupted")
		fs.BoolVar(&all, "all", false, "include items already acknowledged as done")
		run = func(a *axisCall, _ []string) error {
			return a.received(axis.InboxQuery{Agency: agency, After: after, Limit: limit, Wait: wait, All: all}, follow)
		}
	case "get":
		fs.StringVar(&out, "o", "", "write the package here (default ID.edxml in the current folder; - for standard output)")
		nargs = 1
		run = func(a *axisCall, pos []string) error { return a.get(pos[0], out) }
	case "ack":
		fs.StringVar(&status, "status", "", "done, fail or processing")
		fs.StringVar(&agency, "agency", "", "the recipient acknowledging (default: the client's agency)")
		nargs = 1
		run = func(a *axisCall, pos []string) error { return a.ack(pos[0], agency, status) }
	case "status":
		fs.StringVar(&documentID, "document-id", "", "DocumentId of the document the status is about")
		fs.StringVar(&code, "code", "", "status code: 01 arrived, 02 rejected, 03 accepted, 04 assigned, 05 in progress, 06 completed, 13 recall request, 15/16 recall accepted/refused")
		fs.StringVar(&from, "from", "", "identifier code of the agency reporting the status")
		fs.StringVar(&sender, "sender", "", "identifier code of the document's sender (ResponseFor/OrganId; default: the DocumentId's first part)")
		fs.StringVar(&description, "description", "", "what happened (required for 02 and 16)")
		fs.StringVar(&staff, "staff", "", "name of the clerk (StaffInfo/Staff)")
		fs.StringVar(&department, "department", "", "the clerk's department (StaffInfo/Department)")
		nargs = -1
		run = func(a *axisCall, pos []string) error {
			if len(pos) == 1 {
				if documentID != "" || code != "" || from != "" {
					return fmt.Errorf("give either a status packet FILE or --document-id, --code and --from, not both")
				}
				return a.sendFile(pos[0], true)
			}
			return a.buildStatus(documentID, code, from, sender, description, staff, department)
		}
	case "sent":
		fs.StringVar(&agency, "agency", "", "sender identifier code (default: the client's agency)")
		fs.IntVar(&limit, "limit", 100, "at most this many, newest first (up to 500)")
		run = func(a *axisCall, _ []string) error { return a.sent(agency, limit) }
	case "agencies":
		fs.BoolVar(&registered, "registered", false, "only agencies registered on the axis")
		fs.StringVar(&level, "level", "", "central, province, district or commune")
		fs.StringVar(&within, "within", "", "only this agency's subtree")
		run = func(a *axisCall, _ []string) error { return a.agencies(registered, level, within) }
	default:
		io.WriteString(c.stderr, axisUsage)
		return fmt.Errorf("axis: unknown subcommand %q", sub)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case nargs == -1 && len(pos) > 1, nargs >= 0 && len(pos) != nargs:
		want := map[int]string{0: "no arguments", 1: "one argument"}[nargs]
		if nargs == -1 {
			want = "at most one argument"
		}
		return fmt.Errorf("axis %s: want %s, got %q (see lienthong axis help)", sub, want, pos)
	}
	a, err := c.axisCall(sub, conn.url, conn.id, conn.secret, conn.credentials)
	if err != nil {
		return err
	}
	if err := run(a, pos); err != nil {
		return a.explain(err)
	}
	return nil
}

// parseInterleaved parses flags that may come before or after the positional arguments
// (`get ID -o FILE`), as the standard flag package alone does not.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// axisCall resolves the connection: flags first, then the credentials file, then the environment.
func (c *cli) axisCall(sub, base, id, secret, credentials string) (*axisCall, error) {
	if base == "" {
		base = c.env("LIENTHONG_URL")
	}
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("axis: --url %q: want the node's address, like http://127.0.0.1:8080", base)
	}
	if credentials != "" {
		b, err := os.ReadFile(credentials)
		if err != nil {
			return nil, fmt.Errorf("axis: credentials: %w", err)
		}
		var cr struct {
			ID     string `json:"client_id"`
			Secret string `json:"client_secret"`
		}
		if err := json.Unmarshal(b, &cr); err != nil || cr.ID == "" || cr.Secret == "" {
			return nil, fmt.Errorf("axis: credentials %s: want JSON with client_id and client_secret, as lienthong client create prints", credentials)
		}
		if id == "" {
			id = cr.ID
		}
		if secret == "" {
			secret = cr.Secret
		}
	}
	if id == "" {
		id = c.env("LIENTHONG_CLIENT_ID")
	}
	if secret == "" {
		secret = c.env("LIENTHONG_CLIENT_SECRET")
	}
	if id == "" || secret == "" {
		return nil, fmt.Errorf("axis: no client credentials: give --credentials FILE, or --client-id and --client-secret " +
			"(or LIENTHONG_CLIENT_ID and LIENTHONG_CLIENT_SECRET); lienthong client create makes them")
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	return &axisCall{c: c, sub: sub, client: axisclient.New(base, id, secret, nil), url: base, out: enc}, nil
}

// explain turns an error into what the terminal shows: the node's own message for an API error,
// a hint for a node that cannot be reached.
func (a *axisCall) explain(err error) error {
	if _, ok := axisclient.IsAPIError(err); ok {
		return fmt.Errorf("axis %s: %w", a.sub, err)
	}
	var ue *url.Error
	if errors.As(err, &ue) && a.c.ctx.Err() == nil {
		return fmt.Errorf("axis %s: cannot reach the node at %s (is it running? see --url): %w", a.sub, a.url, ue.Err)
	}
	return fmt.Errorf("axis %s: %w", a.sub, err)
}

func (a *axisCall) send(pos []string) error { return a.sendFile(pos[0], false) }

// sendFile streams a package file (or standard input for -) to the node and prints the receipt.
func (a *axisCall) sendFile(name string, status bool) error {
	var body io.Reader
	if name == "-" {
		body = a.c.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	var rc *axis.Receipt
	var err error
	if status {
		rc, err = a.client.SendStatus(a.c.ctx, body)
	} else {
		rc, err = a.client.Send(a.c.ctx, body)
	}
	if err != nil {
		return err
	}
	return a.out.Encode(rc)
}

// received prints an agency's inbox, page after page; with follow it goes on long-polling for new
// items until the command's context ends (Ctrl-C), riding out a node that restarts.
func (a *axisCall) received(q axis.InboxQuery, follow bool) error {
	if q.Limit < 1 || q.Limit > 500 {
		return fmt.Errorf("--limit %d: want 1 to 500", q.Limit)
	}
	if q.Wait < 0 || q.Wait > time.Minute {
		return fmt.Errorf("--wait %s: want up to 60s", q.Wait)
	}
	if follow && q.Wait == 0 {
		q.Wait = 30 * time.Second
	}
	ctx := a.c.ctx
	backoff := time.Second
	for {
		page, err := a.client.Received(ctx, q)
		if ctx.Err() != nil && follow {
			return nil
		}
		if err != nil {
			if !follow || !retryable(err) {
				return err
			}
			fmt.Fprintf(a.c.stderr, "lienthong axis received: %v; trying again in %s\n", a.explain(err), backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		for _, it := range page.Items {
			if err := a.out.Encode(it); err != nil {
				return err
			}
		}
		q.After = page.Next
		if !follow {
			if len(page.Items) < q.Limit {
				return nil
			}
			// Only the first request waits: the rest of the inbox is there already.
			q.Wait = 0
		}
	}
}

// retryable reports whether following should ride out err: the node is down, restarting or busy.
func retryable(err error) bool {
	if e, ok := axisclient.IsAPIError(err); ok {
		return e.Status >= 500
	}
	return true
}

var plainID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// get downloads a package to a temporary file next to the target, checks it and renames it, so
// the target never holds a partial or corrupted package.
func (a *axisCall) get(id, target string) error {
	if target == "-" {
		d, err := a.client.Get(a.c.ctx, id, a.c.stdout)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(a.c.stderr)
		enc.SetEscapeHTML(false)
		return enc.Encode(d)
	}
	if target == "" {
		if !plainID.MatchString(id) {
			return fmt.Errorf("package id %q cannot name a file: give -o FILE", id)
		}
		target = id + ".edxml"
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.part")
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	d, err := a.client.Get(a.c.ctx, id, tmp)
	if err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	keep = true
	return a.out.Encode(struct {
		*axisclient.Download
		File string `json:"file"`
	}{d, target})
}

func (a *axisCall) ack(id, agency, status string) error {
	switch status {
	case axis.TransportDone, axis.TransportFail, axis.TransportProcessing:
	case "":
		return fmt.Errorf("--status is required: done, fail or processing")
	default:
		return fmt.Errorf("--status %q: want done, fail or processing", status)
	}
	if err := a.client.Ack(a.c.ctx, id, agency, status); err != nil {
		return err
	}
	return a.out.Encode(struct {
		ID     string `json:"id"`
		Agency string `json:"agency,omitempty"`
		Status string `json:"status"`
	}{id, agency, status})
}

// buildStatus writes a status packet in the national SDK's shape and sends it.
func (a *axisCall) buildStatus(documentID, code, from, sender, description, staff, department string) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--document-id", documentID}, {"--code", code}, {"--from", from}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("give a status packet FILE, or %s (missing %s)", "--document-id, --code and --from", strings.Join(missing, ", "))
	}
	if len(code) == 1 && code[0] >= '0' && code[0] <= '9' {
		code = "0" + code
	}
	if sender == "" {
		// DocumentId is OrganId,yyyy/MM/dd,Số/Ký hiệu by QCVN 102; use its first part when it is one.
		if first, _, _ := strings.Cut(documentID, ","); vn.ValidAgencyCode(strings.TrimSpace(first)) {
			sender = strings.TrimSpace(first)
		}
	}
	var b bytes.Buffer
	err := edxml.WriteStatus(&b, &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganId: sender, DocumentId: documentID},
		From:        edxml.Organization{OrganId: from},
		StatusCode:  edxml.StatusCode(code),
		Description: description,
		Timestamp:   edxml.FormatTimestamp(time.Now()),
		StaffInfo:   edxml.StaffInfo{Department: department, Staff: staff},
	})
	if err != nil {
		return err
	}
	rc, err := a.client.SendStatus(a.c.ctx, bytes.NewReader(b.Bytes()))
	if err != nil {
		return err
	}
	return a.out.Encode(rc)
}

func (a *axisCall) sent(agency string, limit int) error {
	if limit < 1 || limit > 500 {
		return fmt.Errorf("--limit %d: want 1 to 500", limit)
	}
	items, err := a.client.Sent(a.c.ctx, agency, limit)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := a.out.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

func (a *axisCall) agencies(registered bool, level, within string) error {
	q := axisclient.AgencyQuery{Level: level, Within: within}
	if registered {
		q.Registered = &registered
	}
	list, err := a.client.Agencies(a.c.ctx, q)
	if err != nil {
		return err
	}
	for _, ag := range list {
		if err := a.out.Encode(ag); err != nil {
			return err
		}
	}
	return nil
}
