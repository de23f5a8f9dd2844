package national

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
)

// CataloguePull fetches the national catalogue from the upstream hub for a provincial node.
type CataloguePull struct {
	Upstream string
	HTTP     *http.Client
	// Local is this node's catalogue.
	Local *catalog.Catalog
	// Scope is the province this node serves, such as 000.00.00.H36: only its instances are
	// compared.
	Scope string
	// Import writes the national procedures into the local catalogue through catalog.Import
	// (all or none), so that local codes follow the national ones.
	Import bool

	mu   sync.Mutex
	last *CatalogueReport
}

// CatalogueReport is what a pull found.
type CatalogueReport struct {
	At       time.Time             `json:"at"`
	National int                   `json:"national_procedures"`
	Imported *catalog.ImportResult `json:"imported,omitempty"`
	// NotNational are local procedure codes the national catalogue does not have.
	NotNational []string `json:"not_national"`
	// NotOnline are instances of the province not offered online.
	NotOnline []string `json:"not_online"`
	// Online and Total count the province's instances; Target is the configured share (0.3).
	Online   int     `json:"online"`
	Total    int     `json:"total"`
	Share    float64 `json:"share"`
	Target   float64 `json:"target"`
	Reaching bool    `json:"reaching_target"`
}

// PullCatalogue fetches GET {upstream}/api/v1/procedures/export.json and compares it with the
// local catalogue.
func (c *CataloguePull) PullCatalogue(ctx context.Context) (CatalogueReport, error) {
	rep := CatalogueReport{At: time.Now().UTC(), NotNational: []string{}, NotOnline: []string{}, Target: 0.3}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.Upstream+"/api/v1/procedures/export.json", nil)
	if err != nil {
		return rep, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("national catalogue: %s", resp.Status)
	}
	list, err := catalog.ParseJSON(resp.Body)
	if err != nil {
		return rep, err
	}
	rep.National = len(list)
	national := make(map[string]bool, len(list))
	for _, p := range list {
		national[p.Code] = true
	}
	if c.Import {
		res, err := c.Local.Import(ctx, auth.System, list)
		if err != nil {
			return rep, err
		}
		rep.Imported = &res
	}
	for _, p := range c.Local.Index().All() {
		if !national[p.Code] {
			rep.NotNational = append(rep.NotNational, p.Code)
		}
	}
	sort.Strings(rep.NotNational)
	rep.Online, rep.Total, rep.NotOnline = OnlineShare(c.Local.Index(), c.Scope)
	if rep.Total > 0 {
		rep.Share = float64(rep.Online) / float64(rep.Total)
	}
	rep.Reaching = rep.Share >= rep.Target
	c.mu.Lock()
	c.last = &rep
	c.mu.Unlock()
	return rep, nil
}

// OnlineShare counts a province's procedure instances and those offered online ("online services
// integrated per province"), listing the others.
func OnlineShare(ix *catalog.Index, province string) (online, total int, offline []string) {
	offline = []string{}
	for _, p := range ix.All() {
		for _, in := range p.Instances {
			if !auth.ScopeCovers(province, in.Agency) {
				continue
			}
			total++
			if in.Online {
				online++
			} else {
				offline = append(offline, in.Code)
			}
		}
	}
	return online, total, offline
}

// Run pulls the national catalogue every interval until ctx ends, logging what it found and
// keeping the latest report for Last.
func (c *CataloguePull) Run(ctx context.Context, interval time.Duration) {
	for {
		rep, err := c.PullCatalogue(ctx)
		if err != nil {
			slog.Warn("national catalogue pull", "err", err)
		} else {
			slog.Info("national catalogue pull", "national", rep.National, "not_national", len(rep.NotNational), "not_online", len(rep.NotOnline))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Last returns the latest successful pull's report (PullCatalogue records it), or nil.
func (c *CataloguePull) Last() *CatalogueReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}
