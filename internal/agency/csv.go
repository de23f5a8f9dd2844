package agency

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
)

// csvColumns is the registry's CSV layout, for import and export.
var csvColumns = []string{"code", "name", "abbreviation", "kind", "level", "effective_from", "effective_to",
	"successor", "on_axis", "address", "email", "phone"}

// ParseCSV reads registry rows. The file is UTF-8 (a byte-order mark is accepted); the first line
// names the columns, in any order; code, name, kind and level are required. Errors name the line
// and column.
func ParseCSV(r io.Reader) ([]*Agency, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errs.Reasonf(errs.Invalid, "empty", "the file is empty: the first line must name the columns (%s)", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, csvError(err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if columnOf(h) == 0 {
			return nil, errs.Reasonf(errs.Invalid, "bad_header", "line 1, column %d: unknown column %q (known: %s)", i+1, h, strings.Join(csvColumns, ", ")).
				WithFields(errs.FieldError{Field: h, Line: 1, Column: i + 1, Message: "unknown column"})
		}
		if _, dup := idx[h]; dup {
			return nil, errs.Reasonf(errs.Invalid, "bad_header", "line 1: column %q appears twice", h)
		}
		idx[h] = i
	}
	for _, req := range []string{"code", "name", "kind", "level"} {
		if _, ok := idx[req]; !ok {
			return nil, errs.Reasonf(errs.Invalid, "bad_header", "line 1: the required column %q is missing", req)
		}
	}
	cols := map[string]int{}
	for name, i := range idx {
		cols[name] = i + 1
	}
	var out []*Agency
	var problems []errs.FieldError
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(col string) string {
			if i, ok := idx[col]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		a := &Agency{Code: get("code"), Name: get("name"), Abbreviation: get("abbreviation"), Kind: Kind(get("kind")),
			Level: Level(get("level")), EffectiveFrom: get("effective_from"), EffectiveTo: get("effective_to"),
			Successor: get("successor"), Address: get("address"), Email: get("email"), Phone: get("phone"), line: line, columns: cols}
		if s := strings.TrimSpace(get("on_axis")); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				problems = append(problems, errs.FieldError{Field: "on_axis", Line: line, Column: idx["on_axis"] + 1, Message: fmt.Sprintf("%q is not true or false", s)})
			}
			a.OnAxis = b
		}
		out = append(out, a)
	}
	if len(problems) > 0 {
		return nil, (&errs.Error{Code: errs.Invalid, Reason: "invalid_agency", Message: summarize(problems)}).WithFields(problems...)
	}
	return out, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errs.Reasonf(errs.Invalid, "bad_csv", "line %d, column %d: %v", pe.Line, pe.Column, pe.Err).
			WithFields(errs.FieldError{Field: "csv", Line: pe.Line, Column: pe.Column, Message: pe.Err.Error()})
	}
	return errs.Reasonf(errs.Invalid, "bad_csv", "the file could not be read as CSV: %v", err)
}

// WriteCSV writes agencies in the registry's CSV layout (UTF-8 with a byte-order mark, so
// spreadsheet programs show the Vietnamese letters correctly).
func WriteCSV(w io.Writer, list []*Agency) error {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(csvColumns)
	for _, a := range list {
		cw.Write([]string{a.Code, a.Name, a.Abbreviation, string(a.Kind), string(a.Level), a.EffectiveFrom, a.EffectiveTo,
			a.Successor, strconv.FormatBool(a.OnAxis), a.Address, a.Email, a.Phone})
	}
	cw.Flush()
	return cw.Error()
}
