package feedback

import (
	"testing"

	"github.com/lienthong/lienthong/internal/web"
)

// TestPageMessages checks that the message keys the pages build from values exist in every
// catalogue (the catalogue test in internal/server sees only the keys written in templates).
func TestPageMessages(t *testing.T) {
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterPages(r); err != nil {
		t.Fatal(err)
	}
	keys := append([]string{"feedback.inbox.overdue", "feedback.inbox.due_soon", "feedback.inbox.items", "feedback.item.title",
		"feedback.inbox.title", "feedback.new.title", "feedback.show.title", "feedback.published.title", "feedback.summary.title"}, chartLabels...)
	for _, k := range Kinds {
		keys = append(keys, "feedback.kind."+string(k), "feedback.kind_help."+string(k))
	}
	for _, s := range Statuses {
		keys = append(keys, "feedback.status."+string(s))
	}
	for _, tl := range []Timeliness{OnTrack, DueSoon, Overdue, OnTime, Late} {
		keys = append(keys, "feedback.timeliness."+string(tl))
	}
	for _, a := range []string{"submit", "assign", "transfer", "answer", "publish", "reject"} {
		keys = append(keys, "feedback.action."+a)
		if a != "submit" {
			keys = append(keys, "feedback.done."+a)
		}
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
