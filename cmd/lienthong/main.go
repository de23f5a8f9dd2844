// Command lienthong runs a Liên Thông node and its administration commands. It only parses
// configuration and wires packages; everything else lives under internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, Runtime{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: os.Getenv}, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lienthong:", err)
		os.Exit(1)
	}
}

// Runtime is what a command line runs with: its streams, its environment and, for tests, a hook
// that receives the server's address once it listens (so tests can serve on 127.0.0.1:0).
type Runtime struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    func(string) string
	Ready  func(addr string)
}

// Run runs one command line. Tests call it directly, with their own context, streams and environment.
func Run(ctx context.Context, rt Runtime, args []string) error {
	stdout, stderr := rt.Stdout, rt.Stderr
	if len(args) == 0 {
		usage(stderr)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	c := &cli{ctx: ctx, stdin: rt.Stdin, stdout: stdout, stderr: stderr, env: rt.Env, ready: rt.Ready}
	switch cmd {
	case "serve":
		return c.serve(rest, false)
	case "demo":
		return c.serve(rest, true)
	case "migrate":
		return c.migrate(rest)
	case "agency":
		return c.agency(rest)
	case "user":
		return c.user(rest)
	case "client":
		return c.client(rest)
	case "audit":
		return c.audit(rest)
	case "axis":
		return c.axis(rest)
	case "sso":
		return c.sso(rest)
	case "gatewaysim":
		return c.gatewaysim(rest)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "lienthong", version)
		return nil
	case "help", "--help", "-h":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Liên Thông — e-government interconnection platform

Usage: lienthong <command> [flags]

  serve      run a node (--addr 127.0.0.1:8080, --data ./lienthong-data, --db postgres://…, --print-config)
  demo       fill the data folder with the demo data (five Central Highlands provinces) and serve
  migrate    apply the database migrations and list them
  agency     the agency registry: import FILE | export [FILE] | list [-q TEXT] | show CODE
  user       officer accounts: create | list | passwd
  client     machine clients: create --agency CODE --name NAME [--subtree] | list | rotate --id ID
  audit      verify: check the hash chain of the audit log
  sso        the OpenID provider: client (register a provincial portal) | rotate-key
  gatewaysim a payment gateway simulator (approve/decline page, signed notifications, statement CSV)
  axis       client of a node's document exchange axis, over HTTP: send | received | get | ack | status | sent | agencies
  version    print the version

Every node command takes --config FILE, --data and --db; run "lienthong <command> -h" for its flags
("lienthong axis help" for the client, which takes --url and --credentials instead).
Environment variables LIENTHONG_ADDR, LIENTHONG_DATA, LIENTHONG_DB … override the config file.
`)
}
