package office

// This file holds the API of work files, rates, registers (CSV, XLSX) and settings.

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/errs"
)

func (h *Handler) apiCreateFile(w http.ResponseWriter, r *http.Request) error {
	var nf NewWorkFile
	if err := api.DecodeJSON(r, &nf); err != nil {
		return err
	}
	nf.IdempotencyKey = r.Header.Get("Idempotency-Key")
	f, err := h.Office.CreateFile(r.Context(), principal(r), nf)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, f)
	return nil
}

func (h *Handler) apiListFiles(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	year, err := intParam(v.Get("year"), 0, 1945, 9999)
	if err != nil {
		return err
	}
	list, err := h.Office.ListFiles(r.Context(), principal(r), FileQuery{Agency: v.Get("agency"), Year: year, Status: v.Get("status")})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiGetFile(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Office.GetFile(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (h *Handler) apiAddToFile(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	var it FileItemRequest
	if err := api.DecodeJSON(r, &it); err != nil {
		return err
	}
	f, err := h.Office.AddToFile(r.Context(), principal(r), id, it)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (h *Handler) apiCloseFile(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Office.CloseFile(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (h *Handler) apiHandOver(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id")
	if err != nil {
		return err
	}
	f, err := h.Office.HandOver(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, f)
	return nil
}

func (h *Handler) apiRates(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	year, err := intParam(v.Get("year"), 0, 1945, 9999)
	if err != nil {
		return err
	}
	rep, err := h.Office.ElectronicRates(r.Context(), principal(r), v.Get("scope"), year)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func registerQuery(v url.Values) (RegisterQuery, error) {
	q := RegisterQuery{Agency: v.Get("agency"), From: v.Get("from"), To: v.Get("to"), Series: v.Get("series")}
	var err error
	if q.Limit, err = intParam(v.Get("limit"), 1000, 1, 10000); err != nil {
		return q, err
	}
	q.Offset, err = intParam(v.Get("offset"), 0, 0, 1<<30)
	return q, err
}

func (h *Handler) apiOutgoingRegister(w http.ResponseWriter, r *http.Request) error {
	q, err := registerQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := h.Office.OutgoingRegister(r.Context(), principal(r), q)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

func (h *Handler) apiIncomingRegister(w http.ResponseWriter, r *http.Request) error {
	q, err := registerQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := h.Office.IncomingRegister(r.Context(), principal(r), q)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, list)
	return nil
}

// csvDownload checks the request with a first, empty page (so that errors come back as JSON), then
// streams the whole register.
func (h *Handler) csvDownload(w http.ResponseWriter, r *http.Request, name string, write func(RegisterQuery, io.Writer) error, check func(RegisterQuery) error) error {
	q, err := registerQuery(r.URL.Query())
	if err != nil {
		return err
	}
	q.Limit = 1
	if err := check(q); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + time.Now().Format("20060102") + ".csv"}))
	// Once the first row is out the status is sent; a later failure can only cut the file short.
	_ = write(q, w)
	return nil
}

func (h *Handler) apiOutgoingCSV(w http.ResponseWriter, r *http.Request) error {
	return h.csvDownload(w, r, "so-van-ban-di", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteOutgoingCSV(r.Context(), principal(r), q, w)
	}, func(q RegisterQuery) error {
		_, err := h.Office.OutgoingRegister(r.Context(), principal(r), q)
		return err
	})
}

func (h *Handler) apiIncomingCSV(w http.ResponseWriter, r *http.Request) error {
	return h.csvDownload(w, r, "so-van-ban-den", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteIncomingCSV(r.Context(), principal(r), q, w)
	}, func(q RegisterQuery) error {
		_, err := h.Office.IncomingRegister(r.Context(), principal(r), q)
		return err
	})
}

// xlsxType is the media type of XLSX workbooks.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// headersOnWrite sets the download's headers at the first byte, so that an error before it is
// still answered as JSON.
type headersOnWrite struct {
	w    http.ResponseWriter
	set  func(http.Header)
	sent bool
}

func (h *headersOnWrite) Write(p []byte) (int, error) {
	if !h.sent {
		h.sent = true
		h.set(h.w.Header())
	}
	return h.w.Write(p)
}

// xlsxDownload writes a register workbook; the workbook is assembled before its first byte is
// written, so any error comes back as JSON.
func (h *Handler) xlsxDownload(w http.ResponseWriter, r *http.Request, name string, write func(RegisterQuery, io.Writer) error) error {
	q, err := registerQuery(r.URL.Query())
	if err != nil {
		return err
	}
	hw := &headersOnWrite{w: w, set: func(hd http.Header) {
		hd.Set("Content-Type", xlsxType)
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + time.Now().Format("20060102") + ".xlsx"}))
	}}
	if err := write(q, hw); err != nil {
		if hw.sent {
			// The status is out; a failure now can only cut the file short.
			return nil
		}
		return err
	}
	return nil
}

func (h *Handler) apiOutgoingXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.xlsxDownload(w, r, "so-van-ban-di", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteOutgoingXLSX(r.Context(), principal(r), q, w)
	})
}

func (h *Handler) apiIncomingXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.xlsxDownload(w, r, "so-van-ban-den", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteIncomingXLSX(r.Context(), principal(r), q, w)
	})
}

func (h *Handler) apiGetSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := h.Office.GetSettings(r.Context(), principal(r), r.PathValue("agency"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (h *Handler) apiSetSettings(w http.ResponseWriter, r *http.Request) error {
	var st Settings
	if err := api.DecodeJSON(r, &st); err != nil {
		return err
	}
	if st.Agency != "" && st.Agency != r.PathValue("agency") {
		return errs.Reasonf(errs.Invalid, "bad_request", "the body's agency %s differs from the path's %s", st.Agency, r.PathValue("agency"))
	}
	st.Agency = r.PathValue("agency")
	out, err := h.Office.SetSettings(r.Context(), principal(r), st)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}
