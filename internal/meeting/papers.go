package meeting

import (
	"context"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/office"
)

// OfficePapers reads meeting and ballot papers from the office module (read only): the title is
// the document's subject, and mật, tối mật and tuyệt mật documents are secret. The office module's
// own access rules apply to the caller.
func OfficePapers(o *office.Service) PaperFunc {
	return func(ctx context.Context, by *auth.Principal, kind string, id int64) (PaperInfo, error) {
		if kind == "incoming" {
			in, err := o.GetIncoming(ctx, by, id)
			if err != nil {
				return PaperInfo{}, err
			}
			return PaperInfo{Title: in.Subject, Secret: in.Confidentiality.IsSecret()}, nil
		}
		out, err := o.GetOutgoing(ctx, by, id)
		if err != nil {
			return PaperInfo{}, err
		}
		return PaperInfo{Title: out.Subject, Secret: out.Confidentiality.IsSecret()}, nil
	}
}
