package task_test

import (
	"bytes"

	"github.com/lienthong/lienthong/internal/errs"
)

type bytesBuffer = bytes.Buffer

func errsAs(err error) []string {
	e := errs.As(err)
	if e == nil {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}
