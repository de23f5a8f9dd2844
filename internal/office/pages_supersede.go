package office

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/auth"
)

// canSupersede reports whether p may draft a document that recalls, updates or replaces o: o was
// issued and sent through the axis, has not been recalled, and p drafts for its agency.
func canSupersede(p *auth.Principal, o *Outgoing) bool {
	return o.Status == Issued && o.SendState == SendSent && revokedBy(o.Superseded) == nil &&
		partiesOf(p, o.Agency)&(ByDrafter|ByClerk|ByLeader) != 0
}

// prefillRelation fills the drafting form for /office/outgoing/new?refers=ID&business=revoke: the
// agency, type and electronic recipients of the earlier document, and the relation.
func (h *Handler) prefillRelation(r *http.Request) (url.Values, error) {
	form := url.Values{}
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("refers"), 10, 64)
	if err != nil || id <= 0 {
		return form, nil
	}
	o, err := h.Office.GetOutgoing(r.Context(), principal(r), id)
	if err != nil {
		return nil, err
	}
	business := q.Get("business")
	if _, ok := businessCode(business); !ok {
		business = BusinessRevoke
	}
	var codes []string
	for _, rc := range o.Recipients {
		if rc.Electronic() {
			codes = append(codes, rc.Agency)
		}
	}
	form.Set("agency", o.Agency)
	form.Set("type", strconv.Itoa(o.Type))
	form.Set("recipients", strings.Join(codes, ", "))
	form.Set("signer_name", o.SignerName)
	form.Set("signer_title", o.SignerTitle)
	form.Set("signer_competence", o.SignerCompetence)
	form.Set("place", o.Place)
	form.Set("relation_business", business)
	form.Set("relation_refers", strconv.FormatInt(o.ID, 10))
	form.Set("relation_notation", o.NumberNotation)
	return form, nil
}

// relationOfForm reads the relation fields of the drafting form; nil when there are none.
func relationOfForm(f url.Values) *Relation {
	b := strings.TrimSpace(f.Get("relation_business"))
	if b == "" {
		return nil
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(f.Get("relation_refers")), 10, 64)
	return &Relation{Business: b, Refers: id, Reason: f.Get("relation_reason"), RefersNotation: f.Get("relation_notation")}
}
