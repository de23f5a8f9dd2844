package axis_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

// statsRegistry has agencies at the four levels in two provinces and the centre, one closed before
// the period and two not registered on the axis.
const statsRegistry = `code,name,kind,level,effective_from,effective_to,successor,on_axis
000.00.00.G22,Văn phòng Chính phủ,ministry,central,2016-04-01,,,true
000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,province_committee,province,2016-04-01,,,true
000.00.02.H36,Sở Nội vụ tỉnh Lâm Đồng,department,province,2016-04-01,,,true
000.00.30.H36,Ủy ban nhân dân thành phố Đà Lạt,district,district,2016-04-01,,,true
000.01.30.H36,Ủy ban nhân dân phường 1,commune,commune,2016-04-01,,,true
000.02.30.H36,Ủy ban nhân dân phường 2,commune,commune,2016-04-01,,,false
000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,province_committee,province,2016-04-01,,,true
000.00.02.H16,Sở Nội vụ tỉnh Đắk Lắk,department,province,2016-04-01,,,true
000.00.03.H16,Sở Tư pháp tỉnh Đắk Lắk,department,province,2016-04-01,,,false
000.00.00.H17,Ủy ban nhân dân tỉnh Đắk Nông,province_committee,province,2016-04-01,2025-06-30,000.00.00.H36,true
`

// clock is the database's clock in a test: every transaction starts at its reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// signers holds the test PKI: an ECDSA P-256 signer (signatures verify as valid) and an RSA-1024
// one (valid but weak, as legacy keys in the field are), both trusted.
type signers struct {
	trust       *signature.TrustStore
	valid, weak signature.Signer
}

func newSigners(t testing.TB) *signers {
	t.Helper()
	ca, valid := signaturetest.PKI(t, "Văn thư Sở Nội vụ", "UBND tỉnh Lâm Đồng")
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Văn thư phường 1", Organization: []string{"UBND phường 1"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	trust := signature.NewTrustStore()
	trust.AddCert(ca)
	trust.AddCert(cert)
	return &signers{trust: trust, valid: valid, weak: signature.Signer{Key: key, Chain: []*x509.Certificate{cert}}}
}

type statsFixture struct {
	ax    *axis.Service
	reg   *agency.Registry
	clock *clock
	sig   *signers
	// Clients of Lâm Đồng, Đắk Lắk and the Government Office, each for its whole subtree.
	lamDong, dakLak, vpcp *auth.Principal
}

func newStatsFixture(t *testing.T, d *db.DB) *statsFixture {
	t.Helper()
	ctx := context.Background()
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(strings.NewReader(statsRegistry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 4, 20, 3, 0, 0, 0, time.UTC)}
	d.Now = c.now
	sig := newSigners(t)
	opt := axis.DefaultOptions()
	opt.Verify = axis.SignatureVerifier(sig.trust)
	ax := axis.New(d, blobs, reg, opt)
	t.Cleanup(ax.Close)
	return &statsFixture{ax: ax, reg: reg, clock: c, sig: sig,
		lamDong: &auth.Principal{Kind: auth.KindClient, ID: "qlvb-lamdong", Agency: "000.00.00.H36", Subtree: true},
		dakLak:  &auth.Principal{Kind: auth.KindClient, ID: "qlvb-daklak", Agency: "000.00.00.H16", Subtree: true},
		vpcp:    &auth.Principal{Kind: auth.KindClient, ID: "qlvb-vpcp", Agency: "000.00.00.G22", Subtree: true},
	}
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Signatures of the documents the fixture sends.
const (
	unsigned = iota
	validSig
	weakSig
)

// send sends a document at a time (UTC), unsigned or with a valid or weak signature.
func (f *statsFixture) send(t *testing.T, at string, as *auth.Principal, id, from string, attach bool, sig int, to ...string) string {
	t.Helper()
	f.clock.set(utc(at))
	d := axistest.Doc{DocumentID: id, From: from, To: to}
	if attach {
		d.Attachment = []byte("%PDF-1.7 " + id)
	}
	pkg := axistest.Document(d)
	switch sig {
	case validSig:
		pkg = signaturetest.SignEdXML(t, f.sig.valid, pkg)
	case weakSig:
		pkg = signaturetest.SignEdXML(t, f.sig.weak, pkg)
	}
	rc, err := f.ax.Send(context.Background(), as, bytes.NewReader(pkg))
	if err != nil {
		t.Fatalf("send %s: %v", id, err)
	}
	if want := [...]string{"unsigned", "valid", "weak"}[sig]; rc.Signature.State != want {
		t.Fatalf("send %s: signature %s (%s), want %s", id, rc.Signature.State, rc.Signature.Problem, want)
	}
	return rc.ID
}

// status sends a status packet at a time (UTC).
func (f *statsFixture) status(t *testing.T, at string, as *auth.Principal, from, docID, code string) {
	t.Helper()
	f.clock.set(utc(at))
	if _, err := f.ax.SendStatus(context.Background(), as, bytes.NewReader(axistest.Status(from, docID, code, "Trạng thái "+code))); err != nil {
		t.Fatalf("status %s for %s: %v", code, docID, err)
	}
}

// refuse sends a package that the axis refuses, at a time (UTC).
func (f *statsFixture) refuse(t *testing.T, at string, as *auth.Principal, body []byte) {
	t.Helper()
	f.clock.set(utc(at))
	if _, err := f.ax.Send(context.Background(), as, bytes.NewReader(body)); err == nil {
		t.Fatal("the package was accepted")
	}
}

// seed fills the axis with the traffic whose statistics TestStats checks: documents in
// January–March 2025 (the base year) and 2026 (the period), at the edges of Vietnamese months.
func (f *statsFixture) seed(t *testing.T) {
	const (
		ubndLD, snvLD, dalat, phuong1 = "000.00.00.H36", "000.00.02.H36", "000.00.30.H36", "000.01.30.H36"
		ubndDL, snvDL, vpcp           = "000.00.00.H16", "000.00.02.H16", "000.00.00.G22"
	)
	// Before the base year: never counted.
	f.send(t, "2024-12-15 03:00", f.lamDong, "B0", snvLD, false, unsigned, ubndDL)
	// The base year.
	f.send(t, "2025-01-10 03:00", f.lamDong, "B1", snvLD, false, unsigned, ubndDL)
	f.send(t, "2025-02-10 03:00", f.lamDong, "B2", ubndLD, true, validSig, snvDL, vpcp)
	// April 2025 is the base of April 2026, outside the period.
	f.send(t, "2025-04-10 03:00", f.dakLak, "B3", snvDL, false, unsigned, ubndLD)
	// The period, January–March 2026.
	f.send(t, "2026-01-05 02:00", f.lamDong, "D1", snvLD, true, validSig, ubndDL, snvDL) // fully electronic
	f.send(t, "2026-01-20 00:00", f.lamDong, "D2", snvLD, true, unsigned, ubndDL)        // unsigned
	f.send(t, "2026-01-31 18:00", f.lamDong, "D3", phuong1, true, weakSig, dalat)        // 1 February in Vietnam; weak counts
	f.send(t, "2026-02-10 00:00", f.dakLak, "D4", snvDL, false, validSig, snvLD)         // no attachment
	f.send(t, "2026-03-15 00:00", f.vpcp, "D5", vpcp, true, validSig, ubndLD, ubndDL)    // fully electronic
	f.send(t, "2026-03-31 17:30", f.lamDong, "D6", snvLD, true, validSig, ubndDL)        // 1 April in Vietnam
	// Statuses: registration (03) after 3, 10, 25, 2 and 4 hours; the 01 and the second 03 do not count.
	f.status(t, "2026-01-05 05:00", f.dakLak, ubndDL, "D1", "03")
	f.status(t, "2026-01-05 12:00", f.dakLak, snvDL, "D1", "03")
	f.status(t, "2026-01-20 01:00", f.dakLak, ubndDL, "D2", "01")
	f.status(t, "2026-01-21 01:00", f.dakLak, ubndDL, "D2", "03")
	f.status(t, "2026-02-10 02:00", f.lamDong, snvLD, "D4", "03")
	f.status(t, "2026-02-10 05:00", f.lamDong, snvLD, "D4", "05")
	f.status(t, "2026-03-15 04:00", f.dakLak, ubndDL, "D5", "03")
	// Refusals: two secret documents from Lâm Đồng, an unknown recipient from Đắk Lắk, a body that is
	// not XML (no sender); one in the base year.
	secret := axistest.Document(axistest.Doc{DocumentID: "S1", From: snvLD, To: []string{ubndDL}, Secret: "Mật"})
	f.refuse(t, "2026-01-07 00:00", f.lamDong, secret)
	f.refuse(t, "2026-02-07 00:00", f.lamDong, secret)
	f.refuse(t, "2026-02-08 00:00", f.dakLak, axistest.Document(axistest.Doc{DocumentID: "U1", From: snvDL, To: []string{"000.00.09.H16"}}))
	f.refuse(t, "2026-03-01 00:00", f.lamDong, []byte("hello"))
	f.refuse(t, "2025-02-01 00:00", f.lamDong, secret)
}

func pf(v float64) *float64 { return &v }

func TestStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newStatsFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		got, err := f.ax.Stats(ctx, axis.Period{From: "2026-01", To: "2026-03"})
		if err != nil {
			t.Fatal(err)
		}
		months := []string{"2026-01", "2026-02", "2026-03"}
		vol := func(s, r, sb, rb int, sg, rg *float64) axis.Volume {
			return axis.Volume{Sent: s, Received: r, SentBase: sb, ReceivedBase: rb, SentGrowth: sg, ReceivedGrowth: rg}
		}
		want := &axis.Statistics{
			Period: axis.Period{From: "2026-01", To: "2026-03"},
			Months: months,
			Totals: vol(5, 7, 2, 3, pf(2.5), pf(2.3333)),
			Monthly: []axis.MonthVolume{
				{Month: "2026-01", Volume: vol(2, 3, 1, 1, pf(2), pf(3))},
				{Month: "2026-02", Volume: vol(2, 2, 1, 2, pf(2), pf(1))},
				{Month: "2026-03", Volume: vol(1, 2, 0, 0, nil, nil)},
			},
			Provinces: []axis.ProvinceVolume{
				{Code: "G22", Name: "Văn phòng Chính phủ", Volume: vol(1, 0, 0, 1, nil, pf(0)),
					Monthly: []axis.MonthVolume{
						{Month: "2026-01", Volume: vol(0, 0, 0, 0, nil, nil)},
						{Month: "2026-02", Volume: vol(0, 0, 0, 1, nil, pf(0))},
						{Month: "2026-03", Volume: vol(1, 0, 0, 0, nil, nil)},
					},
					FullyElectronic: axis.Share{Documents: 1, FullyElectronic: 1, Share: pf(1)}},
				{Code: "H16", Name: "Ủy ban nhân dân tỉnh Đắk Lắk", Volume: vol(1, 4, 0, 2, nil, pf(2)),
					Monthly: []axis.MonthVolume{
						{Month: "2026-01", Volume: vol(0, 3, 0, 1, nil, pf(3))},
						{Month: "2026-02", Volume: vol(1, 0, 0, 1, nil, pf(0))},
						{Month: "2026-03", Volume: vol(0, 1, 0, 0, nil, nil)},
					},
					FullyElectronic: axis.Share{Documents: 1, FullyElectronic: 0, Share: pf(0)}},
				{Code: "H36", Name: "Ủy ban nhân dân tỉnh Lâm Đồng", Volume: vol(3, 3, 2, 0, pf(1.5), nil),
					Monthly: []axis.MonthVolume{
						{Month: "2026-01", Volume: vol(2, 0, 1, 0, pf(2), nil)},
						{Month: "2026-02", Volume: vol(1, 2, 1, 0, pf(1), nil)},
						{Month: "2026-03", Volume: vol(0, 1, 0, 0, nil, nil)},
					},
					FullyElectronic: axis.Share{Documents: 3, FullyElectronic: 2, Share: pf(0.6667)}},
			},
			Levels: []axis.LevelVolume{
				{Level: "central", Volume: vol(1, 0, 0, 1, nil, pf(0)), Agencies: 1, Registered: 1, Connected: 1, RegisteredShare: pf(1), ConnectedShare: pf(1)},
				{Level: "province", Volume: vol(3, 6, 2, 2, pf(1.5), pf(3)), Agencies: 5, Registered: 4, Connected: 4, RegisteredShare: pf(0.8), ConnectedShare: pf(0.8)},
				{Level: "district", Volume: vol(0, 1, 0, 0, nil, nil), Agencies: 1, Registered: 1, Connected: 1, RegisteredShare: pf(1), ConnectedShare: pf(1)},
				{Level: "commune", Volume: vol(1, 0, 0, 0, nil, nil), Agencies: 2, Registered: 1, Connected: 1, RegisteredShare: pf(0.5), ConnectedShare: pf(0.5)},
			},
			Agencies: []axis.AgencyMonth{
				{Month: "2026-01", Agency: "000.00.00.H16", Name: "Ủy ban nhân dân tỉnh Đắk Lắk", Province: "H16", Level: "province", Received: 2, ReceivedFullyElectronic: 1},
				{Month: "2026-01", Agency: "000.00.02.H16", Name: "Sở Nội vụ tỉnh Đắk Lắk", Province: "H16", Level: "province", Received: 1, ReceivedFullyElectronic: 1},
				{Month: "2026-01", Agency: "000.00.02.H36", Name: "Sở Nội vụ tỉnh Lâm Đồng", Province: "H36", Level: "province", Sent: 2, SentFullyElectronic: 1},
				{Month: "2026-02", Agency: "000.00.02.H16", Name: "Sở Nội vụ tỉnh Đắk Lắk", Province: "H16", Level: "province", Sent: 1},
				{Month: "2026-02", Agency: "000.00.02.H36", Name: "Sở Nội vụ tỉnh Lâm Đồng", Province: "H36", Level: "province", Received: 1},
				{Month: "2026-02", Agency: "000.00.30.H36", Name: "Ủy ban nhân dân thành phố Đà Lạt", Province: "H36", Level: "district", Received: 1, ReceivedFullyElectronic: 1},
				{Month: "2026-02", Agency: "000.01.30.H36", Name: "Ủy ban nhân dân phường 1", Province: "H36", Level: "commune", Sent: 1, SentFullyElectronic: 1},
				{Month: "2026-03", Agency: "000.00.00.G22", Name: "Văn phòng Chính phủ", Province: "G22", Level: "central", Sent: 1, SentFullyElectronic: 1},
				{Month: "2026-03", Agency: "000.00.00.H16", Name: "Ủy ban nhân dân tỉnh Đắk Lắk", Province: "H16", Level: "province", Received: 1, ReceivedFullyElectronic: 1},
				{Month: "2026-03", Agency: "000.00.00.H36", Name: "Ủy ban nhân dân tỉnh Lâm Đồng", Province: "H36", Level: "province", Received: 1, ReceivedFullyElectronic: 1},
			},
			FullyElectronic: axis.Share{Documents: 5, FullyElectronic: 3, Share: pf(0.6)},
			Refusals:        []axis.ReasonCount{{Reason: "secret_document", Count: 2}, {Reason: "not_xml", Count: 1}, {Reason: "unknown_agency", Count: 1}},
			Registration:    axis.RegistrationTime{Delivered: 7, Registered: 5, MedianHours: pf(4), P90Hours: pf(25)},
		}
		got.Definitions = nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}

		// One province: only its agencies count.
		got, err = f.ax.Stats(ctx, axis.Period{From: "2026-01", To: "2026-03", Province: "h36"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vol(3, 3, 2, 0, pf(1.5), nil), got.Totals); diff != "" {
			t.Errorf("H36 totals (-want +got):\n%s", diff)
		}
		if len(got.Provinces) != 1 || got.Provinces[0].Code != "H36" || got.Period.Province != "H36" {
			t.Errorf("H36 provinces %+v", got.Provinces)
		}
		var levels []string
		for _, l := range got.Levels {
			levels = append(levels, l.Level+":"+strconv.Itoa(l.Agencies)+"/"+strconv.Itoa(l.Registered)+"/"+strconv.Itoa(l.Connected))
		}
		if diff := cmp.Diff([]string{"central:0/0/0", "province:2/2/2", "district:1/1/1", "commune:2/1/1"}, levels); diff != "" {
			t.Errorf("H36 levels (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]axis.ReasonCount{{Reason: "secret_document", Count: 2}}, got.Refusals); diff != "" {
			t.Errorf("H36 refusals (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(axis.RegistrationTime{Delivered: 3, Registered: 1, MedianHours: pf(2), P90Hours: pf(2)}, got.Registration); diff != "" {
			t.Errorf("H36 registration (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(axis.Share{Documents: 3, FullyElectronic: 2, Share: pf(0.6667)}, got.FullyElectronic); diff != "" {
			t.Errorf("H36 fully electronic (-want +got):\n%s", diff)
		}

		// The default period is the twelve months up to the current one, in Vietnam time.
		f.clock.set(utc("2026-03-31 17:30"))
		got, err = f.ax.Stats(ctx, axis.Period{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Period.From != "2025-05" || got.Period.To != "2026-04" || len(got.Months) != 12 {
			t.Errorf("default period %+v, %d months", got.Period, len(got.Months))
		}
	})
}

func TestStatsBadInput(t *testing.T) {
	f := newStatsFixture(t, dbtest.SQLite(t))
	for _, tc := range []struct {
		p      axis.Period
		reason string
	}{
		{axis.Period{From: "2026-1", To: "2026-03"}, "bad_month"},
		{axis.Period{From: "2026-01", To: "March"}, "bad_month"},
		{axis.Period{From: "2026-04", To: "2026-03"}, "bad_period"},
		{axis.Period{From: "2020-01", To: "2026-03"}, "period_too_long"},
		{axis.Period{From: "2026-01", To: "2026-03", Province: "Lâm Đồng"}, "bad_province"},
	} {
		_, err := f.ax.Stats(context.Background(), tc.p)
		if e := errs.As(err); e.Code != errs.Invalid || e.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s", tc.p, err, tc.reason)
		}
	}
}

func TestStatsCSV(t *testing.T) {
	f := newStatsFixture(t, dbtest.SQLite(t))
	f.seed(t)
	st, err := f.ax.Stats(context.Background(), axis.Period{From: "2026-03", To: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := axis.WriteStatsCSV(rec, st); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFmonth,agency,name,province,level,sent,received,sent_fully_electronic,received_fully_electronic\n" +
		"2026-03,000.00.00.G22,Văn phòng Chính phủ,G22,central,1,0,1,0\n" +
		"2026-03,000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,H16,province,0,1,0,1\n" +
		"2026-03,000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,H36,province,0,1,0,1\n"
	if diff := cmp.Diff(want, rec.Body.String()); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}
