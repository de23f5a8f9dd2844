package axis

import (
	"strconv"
	"testing"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/web"
)

// TestPageMessages checks that the message keys the pages build in Go exist in every catalogue
// (the catalogue test in internal/server sees only the keys written in templates).
func TestPageMessages(t *testing.T) {
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	keys := append([]string(nil), chartLabels...)
	for state := range transportClasses {
		keys = append(keys, "axis.transport."+state)
	}
	for state := range signatureClasses {
		keys = append(keys, "axis.sig."+state)
	}
	for i := 0; i <= 3; i++ {
		keys = append(keys, "axis.business."+strconv.Itoa(i))
	}
	for i := 0; i <= 4; i++ {
		keys = append(keys, "axis.priority."+strconv.Itoa(i))
	}
	for _, e := range []string{"sent", "delivered", "fetched", "ack", "status", "revoked", "updated", "replaced", "forwarded",
		"forward_failed", "queued_upstream", "received_from_upstream", "webhook"} {
		keys = append(keys, "axis.event."+e)
	}
	for _, l := range agency.Levels {
		keys = append(keys, "level."+string(l))
	}
	for _, lang := range web.Languages {
		m := r.Messages(lang)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s is missing from the %s catalogue", k, lang)
			}
		}
	}
}
