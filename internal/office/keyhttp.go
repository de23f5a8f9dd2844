package office

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/lienthong/lienthong/internal/api"
)

// KeyUpload is the JSON body that registers a leader's personal signing key.
type KeyUpload struct {
	Agency      string `json:"agency"`
	Certificate string `json:"certificate"` // PEM, the signer's certificate first or in any order
	Key         string `json:"key"`         // PEM, unencrypted PKCS#8, PKCS#1 or SEC 1
	Image       []byte `json:"image,omitempty"`
}

// KeyRevocation is the body of a revocation.
type KeyRevocation struct {
	Reason string `json:"reason"`
}

func (h *Handler) keyRoutes() []api.Route {
	const tag = "office"
	return []api.Route{
		{Method: "PUT", Path: "/api/v1/office/signing-keys/{login}", Summary: "Register a leader's personal signing certificate and key (PEM) with his signature image (PNG, base64); refused when the key does not match the certificate or the certificate is not valid now", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiPutKey, Request: KeyUpload{}, Response: PersonalKey{}, MaxBody: 1 << 20},
		{Method: "GET", Path: "/api/v1/office/signing-keys/{login}", Summary: "A leader's registered personal signing certificate (never the key)", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiGetKey, Response: PersonalKey{}},
		{Method: "POST", Path: "/api/v1/office/signing-keys/{login}/revocation", Summary: "Mark a leader's personal certificate revoked: the sign step refuses it from then on", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiRevokeKey, Request: KeyRevocation{}, Response: PersonalKey{}},
		{Method: "GET", Path: "/api/v1/office/registers/outgoing.pdf", Summary: "The outgoing register of a period as a PDF in the layout of Decree 30 Phụ lục IV", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiOutgoingPDF, ResponseType: "application/pdf", Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/registers/incoming.pdf", Summary: "The incoming register of a period as a PDF in the layout of Decree 30 Phụ lục IV", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiIncomingPDF, ResponseType: "application/pdf", Query: registerParams},
		{Method: "GET", Path: "/api/v1/office/signature-figures", Summary: "Share of issued documents whose PDF carries a digital signature, and leaders with a valid personal certificate, per agency, level and province", Tag: tag,
			Access: api.AnyPrincipal, Handler: h.apiSignatureFigures, Response: SignatureReport{}, Query: map[string]string{"scope": "identifier code of the agency subtree", "year": "the year (default this year)"}},
	}
}

func (h *Handler) apiPutKey(w http.ResponseWriter, r *http.Request) error {
	var u KeyUpload
	if err := api.DecodeJSON(r, &u); err != nil {
		return err
	}
	k, err := h.Office.RegisterSigningKey(r.Context(), principal(r), KeyRegistration{Login: r.PathValue("login"), Agency: u.Agency,
		CertPEM: []byte(u.Certificate), KeyPEM: []byte(u.Key), Image: u.Image})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) apiGetKey(w http.ResponseWriter, r *http.Request) error {
	k, err := h.Office.SigningKey(r.Context(), principal(r), r.PathValue("login"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) apiRevokeKey(w http.ResponseWriter, r *http.Request) error {
	var x KeyRevocation
	if err := api.DecodeJSON(r, &x); err != nil {
		return err
	}
	k, err := h.Office.RevokeSigningKey(r.Context(), principal(r), r.PathValue("login"), x.Reason)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) apiSignatureFigures(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	year, err := intParam(v.Get("year"), 0, 1945, 9999)
	if err != nil {
		return err
	}
	rep, err := h.Office.SignatureFigures(r.Context(), principal(r), v.Get("scope"), year)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// pdfDownload builds the whole PDF before answering, so that a failure is an error, not a cut file.
func (h *Handler) pdfDownload(w http.ResponseWriter, r *http.Request, name string, write func(RegisterQuery, io.Writer) error) error {
	q, err := registerQuery(r.URL.Query())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := write(q, &b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "-" + time.Now().Format("20060102") + ".pdf"}))
	_, err = w.Write(b.Bytes())
	return err
}

func (h *Handler) apiOutgoingPDF(w http.ResponseWriter, r *http.Request) error {
	return h.pdfDownload(w, r, "so-van-ban-di", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteOutgoingPDF(r.Context(), principal(r), q, w)
	})
}

func (h *Handler) apiIncomingPDF(w http.ResponseWriter, r *http.Request) error {
	return h.pdfDownload(w, r, "so-van-ban-den", func(q RegisterQuery, w io.Writer) error {
		return h.Office.WriteIncomingPDF(r.Context(), principal(r), q, w)
	})
}
