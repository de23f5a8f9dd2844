package catalog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
)

// csvColumns is the catalogue's CSV layout, one row per procedure. levels and agencies hold
// codes separated by ";"; fees, components and instances hold JSON arrays of the objects that the
// JSON format nests (Fee, Component, Instance).
var csvColumns = []string{"code", "name", "field_code", "field_name", "levels", "agencies", "processing_days",
	"online_level", "result", "legal_basis", "fees", "components", "instances"}

var requiredColumns = []string{"code", "name", "field_code", "field_name", "levels", "processing_days", "online_level"}

// columnOf gives the CSV column (1-based) of a field such as "fees[1].amount", so errors point at the cell.
func columnOf(field string) int {
	field = baseField(field)
	for i, c := range csvColumns {
		if c == field {
			return i + 1
		}
	}
	return 0
}

// baseField returns the column of a field path: "fees" for "fees[1].amount".
func baseField(field string) string {
	if i := strings.IndexAny(field, "[."); i >= 0 {
		return field[:i]
	}
	return field
}

func badInput(reason string, f errs.FieldError, format string, args ...any) error {
	return errs.Reasonf(errs.Invalid, reason, format, args...).WithFields(f)
}

// ParseCSV reads procedures in the catalogue's CSV layout. The file is UTF-8 (a byte-order mark
// is accepted); the first line names the columns, in any order. Errors name the line and column.
// Rows are not yet validated against each other or the registry: Catalog.Import does that.
func ParseCSV(r io.Reader) ([]*Procedure, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
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
		if columnOf(h) == 0 || strings.ContainsAny(h, "[.") {
			return nil, badInput("bad_header", errs.FieldError{Field: h, Line: 1, Column: i + 1, Message: "unknown column"},
				"line 1, column %d: unknown column %q (known: %s)", i+1, h, strings.Join(csvColumns, ", "))
		}
		if _, dup := idx[h]; dup {
			return nil, badInput("bad_header", errs.FieldError{Field: h, Line: 1, Column: i + 1, Message: "column appears twice"},
				"line 1, column %d: column %q appears twice", i+1, h)
		}
		idx[h] = i
	}
	for _, req := range requiredColumns {
		if _, ok := idx[req]; !ok {
			return nil, errs.Reasonf(errs.Invalid, "bad_header", "line 1: the required column %q is missing", req)
		}
	}
	cols := map[string]int{}
	for name, i := range idx {
		cols[name] = i + 1
	}
	var out []*Procedure
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
		bad := func(col, format string, args ...any) {
			problems = append(problems, errs.FieldError{Field: col, Line: line, Column: idx[col] + 1, Message: fmt.Sprintf(format, args...)})
		}
		p := &Procedure{Code: get("code"), Name: get("name"), Field: Field{Code: get("field_code"), Name: get("field_name")},
			Online: OnlineLevel(get("online_level")), Result: get("result"), LegalBasis: get("legal_basis"), line: line, columns: cols}
		for _, l := range splitCell(get("levels")) {
			p.Levels = append(p.Levels, Level(l))
		}
		p.Agencies = splitCell(get("agencies"))
		if s := strings.TrimSpace(get("processing_days")); s == "" {
			bad("processing_days", "the processing time in working days is missing")
		} else if n, err := strconv.Atoi(s); err != nil {
			bad("processing_days", "%q is not a whole number of working days", s)
		} else {
			p.ProcessingDays = n
		}
		for col, dst := range map[string]any{"fees": &p.Fees, "components": &p.Components, "instances": &p.Instances} {
			s := strings.TrimSpace(get(col))
			if s == "" {
				continue
			}
			dec := json.NewDecoder(strings.NewReader(s))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst); err != nil {
				bad(col, "not a JSON array of %s: %v", col, jsonMessage(err))
			} else if dec.More() {
				bad(col, "data after the JSON array")
			}
		}
		out = append(out, p)
	}
	if len(problems) > 0 {
		return nil, (&errs.Error{Code: errs.Invalid, Reason: "invalid_procedure", Message: summarize(problems)}).WithFields(problems...)
	}
	if len(out) == 0 {
		return nil, errs.Reasonf(errs.Invalid, "empty", "the file has a header but no procedures")
	}
	return out, nil
}

// splitCell splits a list cell at ";" (or ","), dropping empty items.
func splitCell(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return badInput("bad_csv", errs.FieldError{Field: "csv", Line: pe.Line, Column: pe.Column, Message: pe.Err.Error()},
			"line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return errs.Reasonf(errs.Invalid, "bad_csv", "the file could not be read as CSV: %v", err)
}

// jsonMessage describes a JSON decoding error without Go type names.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: a JSON %s where %s is expected", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
	}
	return err.Error()
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice":
		return "an array"
	}
	return "an object"
}

// WriteCSV writes procedures in the catalogue's CSV layout (UTF-8 with a byte-order mark, so
// spreadsheet programs show the Vietnamese letters correctly).
func WriteCSV(w io.Writer, list []*Procedure) error {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(csvColumns)
	for _, p := range list {
		levels := make([]string, len(p.Levels))
		for i, l := range p.Levels {
			levels[i] = string(l)
		}
		cw.Write([]string{p.Code, p.Name, p.Field.Code, p.Field.Name, strings.Join(levels, ";"), strings.Join(p.Agencies, ";"),
			strconv.Itoa(p.ProcessingDays), string(p.Online), p.Result, p.LegalBasis,
			cellList(p.Fees), cellList(p.Components), cellList(p.Instances)})
	}
	cw.Flush()
	return cw.Error()
}

func cellList[T any](l []T) string {
	if len(l) == 0 {
		return ""
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// ParseJSON reads procedures as a JSON array of Procedure objects with nested lists. Errors name
// the element's index and field.
func ParseJSON(r io.Reader) ([]*Procedure, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errs.Reasonf(errs.Invalid, "empty", "the body is empty: send a JSON array of procedures")
	}
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_json", "not valid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errs.Reasonf(errs.Invalid, "bad_json", "want a JSON array of procedures")
	}
	dec.DisallowUnknownFields()
	var out []*Procedure
	for i := 0; dec.More(); i++ {
		p := &Procedure{}
		if err := dec.Decode(p); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errs.Reasonf(errs.Invalid, "bad_json", "procedure [%d]: not valid JSON: %v", i, err)
			}
			field := fmt.Sprintf("[%d]", i)
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				field += "." + te.Field
			}
			return nil, badInput("invalid_procedure", errs.FieldError{Field: field, Message: jsonMessage(err)},
				"procedure %s: %s; nothing was changed", field, jsonMessage(err))
		}
		p.UpdatedAt = p.UpdatedAt.UTC()
		out = append(out, p)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_json", "the array is not closed: %v", err)
	}
	if dec.More() {
		return nil, errs.Reasonf(errs.Invalid, "bad_json", "data after the JSON array")
	}
	if len(out) == 0 {
		return nil, errs.Reasonf(errs.Invalid, "empty", "the array holds no procedures")
	}
	return out, nil
}

// WriteJSON writes procedures as an indented JSON array.
func WriteJSON(w io.Writer, list []*Procedure) error {
	if list == nil {
		list = []*Procedure{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
