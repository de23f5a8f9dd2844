// Package demo fills a node with the demo data: the Government Office, the ministries and the five
// Central Highlands provinces of the 2020 report with their departments, districts and communes,
// and officer logins for each role. It goes through the real services, so the demo exercises the
// same validation as production imports. Loading is idempotent.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"log/slog"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/errs"
)

//go:embed data/agencies.csv
var agenciesCSV []byte

// AgenciesCSV returns the demo registry as CSV.
func AgenciesCSV() []byte { return agenciesCSV }

// Password is the password of every demo login. It is printed on start: the demo is for trying
// the software, never for real data.
const Password = "lienthong-demo"

// Login is a demo account.
type Login struct {
	Login   string
	Name    string
	Grant   auth.Grant
	Purpose string
}

// Logins are the demo officers, one per role, in agencies of the report's provinces.
var Logins = []Login{
	{"quantri", "Nguyễn Văn Quản", auth.Grant{Role: auth.Admin, Agency: auth.Everywhere}, "quản trị toàn hệ thống / system administrator"},
	{"vanthu.lamdong", "Trần Thị Thu", auth.Grant{Role: auth.Clerk, Agency: "000.00.00.H36"}, "văn thư UBND tỉnh Lâm Đồng / clerk"},
	{"motcua.lamdong", "Trần Thị Mai", auth.Grant{Role: auth.Officer, Agency: "000.00.00.H36"}, "cán bộ một cửa tỉnh Lâm Đồng / one-stop officer"},
	{"lanhdao.lamdong", "Phạm Minh Đức", auth.Grant{Role: auth.Leader, Agency: "000.00.00.H36"}, "lãnh đạo UBND tỉnh Lâm Đồng / leader"},
	{"chuyenvien.daklak", "Y Bhim Niê", auth.Grant{Role: auth.Officer, Agency: "000.00.02.H16"}, "chuyên viên Sở Nội vụ tỉnh Đắk Lắk / officer"},
	{"quantri.gialai", "Rơ Châm H'Lan", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H21"}, "quản trị tỉnh Gia Lai / provincial administrator"},
	{"theodoi.vpcp", "Lê Hoàng Anh", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"}, "theo dõi, Văn phòng Chính phủ / viewer"},
}

// Load imports the demo registry, creates the demo logins that do not exist yet and, when ax is
// given and has no traffic yet, exchanges a few documents through it.
func Load(ctx context.Context, reg *agency.Registry, as *auth.Service, ax *axis.Service) error {
	rows, err := agency.ParseCSV(bytes.NewReader(agenciesCSV))
	if err != nil {
		return fmt.Errorf("demo: agencies.csv: %w", err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		return fmt.Errorf("demo: import agencies: %w", err)
	}
	for _, l := range Logins {
		_, err := as.CreateUser(ctx, auth.System, auth.NewUser{Login: l.Login, FullName: l.Name, Password: Password, Grants: []auth.Grant{l.Grant}})
		if err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("demo: user %s: %w", l.Login, err)
		}
	}
	if ax != nil {
		// The demo documents are unsigned: a node that requires signatures refuses them, and
		// that must not stop the demo.
		if err := loadAxis(ctx, ax); err != nil {
			slog.Warn("demo: the sample axis documents were not loaded", "err", err)
		}
	}
	return nil
}
