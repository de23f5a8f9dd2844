package axis_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// TestSendConcurrentDuplicates sends, all at once, the same packages several times and packages
// that conflict with them, so that group-commit batches hold failing callers and run again with
// savepoints. Each DocumentId must end up stored once, every resend
// must get the first receipt, and every conflict and failure must change nothing.
func TestSendConcurrentDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		const docs, copies = 6, 4
		type result struct {
			doc  int
			kind string // "same", or "other": different content under the same DocumentId
			rc   *axis.Receipt
			err  error
		}
		var (
			mu      sync.Mutex
			results []result
			wg      sync.WaitGroup
		)
		send := func(doc int, kind string, pkg []byte) {
			defer wg.Done()
			rc, err := f.ax.Send(ctx, f.lamDong, bytes.NewReader(pkg))
			mu.Lock()
			results = append(results, result{doc, kind, rc, err})
			mu.Unlock()
		}
		for i := range docs {
			id := fmt.Sprintf("000.00.02.H36,2026/11/27,%d/SNV", i)
			same := axistest.Document(axistest.Doc{DocumentID: id, From: "000.00.02.H36", To: []string{"000.00.02.H16"}})
			other := axistest.Document(axistest.Doc{DocumentID: id, From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Subject: "khác"})
			for range copies {
				wg.Add(1)
				go send(i, "same", same)
			}
			wg.Add(1)
			go send(i, "other", other)
		}
		wg.Wait()
		ids := map[int]string{}
		firsts := map[int]int{}
		for _, r := range results {
			if r.kind == "other" {
				// Whichever of the two contents committed first wins; the other conflicts.
				if r.err != nil && errs.As(r.err).Reason != "duplicate_document_id" {
					t.Errorf("doc %d, other content: %v", r.doc, r.err)
				}
				if r.err == nil {
					firsts[r.doc]++
					ids[r.doc] = r.rc.ID
				}
				continue
			}
			if r.err != nil {
				if errs.As(r.err).Reason != "duplicate_document_id" {
					t.Errorf("doc %d, same content: %v", r.doc, r.err)
				}
				continue
			}
			if !r.rc.Duplicate {
				firsts[r.doc]++
			}
			if prev, ok := ids[r.doc]; ok && prev != r.rc.ID {
				t.Errorf("doc %d: receipts %s and %s", r.doc, prev, r.rc.ID)
			}
			ids[r.doc] = r.rc.ID
		}
		for i := range docs {
			if firsts[i] != 1 {
				t.Errorf("doc %d accepted as new %d times, want 1", i, firsts[i])
			}
		}
		var stored, deliveries int
		d.Read(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM axis_documents WHERE kind = 'document'").Scan(&stored); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT count(*) FROM axis_deliveries").Scan(&deliveries)
		})
		if stored != docs || deliveries != docs {
			t.Errorf("%d documents and %d deliveries stored, want %d of each", stored, deliveries, docs)
		}
	})
}
