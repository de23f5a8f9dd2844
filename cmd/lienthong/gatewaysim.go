package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/lienthong/lienthong/internal/gatewaysim"
	"github.com/lienthong/lienthong/internal/payment"
)

// gatewaysim runs the payment gateway simulator as its own process: GET /pay (the payer's page,
// signed redirects only for a bank-style gateway), GET /statement.csv, and POST /inject (adds a
// statement row, for reconciliation tests).
func (c *cli) gatewaysim(args []string) error {
	fs := flag.NewFlagSet("lienthong gatewaysim", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	notify := fs.String("notify", "http://127.0.0.1:8080/api/v1/payment/notifications", "the platform's notification URL")
	id := fs.String("gateway", "bank", "gateway id, as configured on the platform")
	secret := fs.String("secret", "", "HMAC-SHA512 shared secret (bank-style gateway)")
	keyFile := fs.String("rsa-key", "", "PEM file with the RSA private key (intermediary-style gateway; replaces --secret)")
	var sw gatewaysim.Switches
	fs.DurationVar(&sw.Delay, "delay", 0, "wait this long before the first notification attempt")
	fs.IntVar(&sw.Repeat, "repeat", 0, "send each notification this many extra times")
	fs.BoolVar(&sw.Reorder, "reorder", false, "send notifications in pairs, second first")
	fs.IntVar(&sw.Drop, "drop", 0, "drop the first N attempts of each notification")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var g payment.Gateway
	switch {
	case *keyFile != "":
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(raw)
		if blk == nil {
			return fmt.Errorf("gatewaysim: %s holds no PEM block", *keyFile)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			if k, err = x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
				return fmt.Errorf("gatewaysim: %w", err)
			}
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return fmt.Errorf("gatewaysim: %s is not an RSA key", *keyFile)
		}
		g = payment.RSAGateway{ID: *id, Private: rk, Public: &rk.PublicKey}
	case *secret != "":
		g = payment.HMACGateway{ID: *id, Secret: []byte(*secret)}
	default:
		return fmt.Errorf("gatewaysim: --secret or --rsa-key is required")
	}
	sim := gatewaysim.New(g, *notify, sw)
	defer sim.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-c.ctx.Done(); srv.Close() }()
	fmt.Fprintf(c.stderr, "gatewaysim %s listening on %s, notifying %s\n", *id, ln.Addr(), *notify)
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
