package office

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
)

// registerService returns a service on a fresh SQLite database holding n issued outgoing documents
// of Lâm Đồng's People's Committee, numbered 1…n in 2026, stored directly (issuing is measured by
// the numbering benchmark; this is about the export).
func registerService(tb testing.TB, n int) *Service {
	tb.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(tb)
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	if reg.Index().Len() == 0 {
		rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := reg.Import(ctx, auth.System, rows); err != nil {
			tb.Fatal(err)
		}
	}
	store, err := blob.NewLocal(tb.TempDir(), blob.LocalOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	cal, err := calendar.New()
	if err != nil {
		tb.Fatal(err)
	}
	s := New(d, store, reg, cal, nil, Options{})
	tb.Cleanup(s.Close)
	by := &auth.Principal{Kind: auth.KindUser, ID: "vanthu.ld", Name: "Lê Thị Cúc", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}
	in := DraftInput{Agency: "000.00.00.H36", Type: "QĐ", Subject: "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027 của tỉnh Lâm Đồng",
		SignerName: "Trần Văn Bình", SignerTitle: "Chủ tịch", Copies: 5, Keeper: "Văn phòng UBND tỉnh",
		Recipients: []Recipient{{Agency: "000.00.00.H16"}, {Name: "Các sở, ban, ngành"}, {Name: "Lưu: VT, VP"}}}
	o := &Outgoing{Agency: in.Agency}
	if err := s.normalize(&in, o); err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		batch := min(5000, n-done)
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for i := 0; i < batch; i++ {
				num := done + i + 1
				o.Subject = fmt.Sprintf("%s (%d)", in.Subject, num)
				id, err := insertOutgoing(ctx, tx, by, o, nil)
				if err != nil {
					return err
				}
				date := start.AddDate(0, 0, num*300/max(n, 1)).Format(time.DateOnly)
				if _, err := tx.Exec(ctx, `UPDATE office_outgoing SET status = 'issued', series = ?, year = 2026, number = ?, notation = 'QĐ-UBND',
					issue_date = ? WHERE id = ?`, SeriesNormal, num, date, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done += batch
	}
	return s
}

var registerClerk = &auth.Principal{Kind: auth.KindUser, ID: "vanthu.ld", Name: "Lê Thị Cúc", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}

// TestOutgoingXLSX opens the produced workbook with excelize: the bold heading row of Phụ lục IV,
// the rows in number order with their dates as dd/mm/yyyy dates, the column widths.
func TestOutgoingXLSX(t *testing.T) {
	s := registerService(t, 12)
	var buf bytes.Buffer
	if err := s.WriteOutgoingXLSX(context.Background(), registerClerk, RegisterQuery{Agency: "000.00.00.H36"}, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(OutgoingSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 13 || strings.Join(rows[0], "|") != strings.Join(OutgoingColumns, "|") {
		t.Fatalf("rows: %d, heading %q", len(rows), rows[0])
	}
	if got := rows[10]; got[0] != "10/QĐ-UBND" || !regexp.MustCompile(`^\d\d/\d\d/2026$`).MatchString(got[1]) || !strings.HasPrefix(got[2], "Quyết định (cá biệt): Về việc") || got[3] != "Trần Văn Bình" ||
		got[4] != "Ủy ban nhân dân tỉnh Đắk Lắk; Các sở, ban, ngành; Lưu: VT, VP" || got[6] != "5" {
		t.Fatalf("row 10: %q", got)
	}
	style, err := f.GetCellStyle(OutgoingSheet, "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(style)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Fatalf("the heading is not bold: %+v %v", st, err)
	}
	if v, _ := f.GetCellValue(OutgoingSheet, "B2", excelize.Options{RawCellValue: true}); v == "" || strings.Contains(v, "/") {
		t.Fatalf("the date is stored as text, not as a date: %q", v)
	}
	if w, err := f.GetColWidth(OutgoingSheet, "C"); err != nil || w != 60 {
		t.Fatalf("column C width %v, %v", w, err)
	}
	// Another agency's register is refused before anything is written.
	buf.Reset()
	if err := s.WriteOutgoingXLSX(context.Background(), registerClerk, RegisterQuery{Agency: "000.00.00.H16"}, &buf); err == nil || buf.Len() != 0 {
		t.Fatalf("another agency's register: %v, %d bytes", err, buf.Len())
	}
}

// vmHWM returns the process's peak resident set size in bytes, from /proc/self/status (0 elsewhere).
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetHWM resets the peak resident set size to the current one (Linux: clear_refs 5), so that the
// figure covers the export alone, not the seeding.
func resetHWM() bool { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil }

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkOutgoingXLSX50k exports an outgoing register of 50,000 documents to XLSX (the issue's
// target: ≤ 10 s and ≤ 200 MB resident). It reports the rows per second, the workbook's size, the
// peak heap in use (sampled every 5 ms) and the peak resident set of the process during the export.
func BenchmarkOutgoingXLSX50k(b *testing.B) {
	const n = 50000
	s := registerService(b, n)
	ctx := context.Background()
	runtime.GC()
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peakHeap.Load() {
					peakHeap.Store(m.HeapInuse)
				}
			}
		}
	}()
	rss := resetHWM()
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		var w countingWriter
		if err := s.WriteOutgoingXLSX(ctx, registerClerk, RegisterQuery{Agency: "000.00.00.H36"}, &w); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/(1<<20), "xlsx-MB")
	b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MB")
	if rss {
		b.ReportMetric(float64(vmHWM())/(1<<20), "peak-rss-MB")
	}
}
