// Package vn holds the pure Vietnamese e-government vocabulary that every other Liên Thông package
// shares: QCVN 102 agency identifier codes, dossier and procedure codes, the document types of
// Decree 30/2020/NĐ-CP, the national dossier statuses, the edXML status codes, and diacritic folding
// for search. It imports only the standard library and keeps no mutable state.
package vn
