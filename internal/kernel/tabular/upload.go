package tabular

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"rainforest/internal/kernel/apperr"
)

// Upload is an import file sent as multipart/form-data, with the options
// every importer takes.
type Upload struct {
	Name        string
	Data        []byte
	Format      Format
	DryRun      bool
	SkipInvalid bool
	// Fields are the importer's own form fields asked for by name.
	Fields map[string]string
}

// ReadUpload reads multipart/form-data with the part "file" (at most
// maxSize bytes) and the fields dry_run, skip_invalid and format (by
// default from the file's name), plus the importer's own fields named in
// extra; every field may also come in the query string. The error is the
// request's (not multipart: 415; too large: 413; unreadable: 400); the
// field errors are returned apart so that the importer can add its own
// before answering.
func ReadUpload(w http.ResponseWriter, r *http.Request, maxSize int, extra ...string) (Upload, []apperr.FieldError, error) {
	var up Upload
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return up, nil, &apperr.Error{Code: apperr.Unsupported, Message: "send the file as multipart/form-data",
			Fields: []apperr.FieldError{{Field: "file", Message: "send the file as multipart/form-data"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(maxSize)+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return up, nil, apperr.New(apperr.Malformed, "unreadable multipart body")
	}
	names := append([]string{"dry_run", "skip_invalid", "format"}, extra...)
	fields := map[string]string{}
	for _, k := range names {
		fields[k] = r.URL.Query().Get(k)
	}
	tooLarge := apperr.New(apperr.TooLarge, "file: larger than %d MiB", maxSize>>20)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return up, nil, tooLarge
		}
		if err != nil {
			return up, nil, apperr.New(apperr.Malformed, "unreadable multipart body")
		}
		switch name := part.FormName(); {
		case name == "file":
			if up.Data != nil {
				return up, nil, apperr.Field("file", "send one file at a time")
			}
			up.Name = part.FileName()
			up.Data, err = io.ReadAll(io.LimitReader(part, int64(maxSize)+1))
			if errors.As(err, &mb) || len(up.Data) > maxSize {
				return up, nil, tooLarge
			}
			if err != nil {
				return up, nil, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			if up.Data == nil {
				up.Data = []byte{}
			}
		case slices.Contains(names, name):
			b, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return up, nil, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			fields[name] = string(b)
		}
		part.Close()
	}
	var fs []apperr.FieldError
	bad := func(field, msg string) { fs = append(fs, apperr.FieldError{Field: field, Message: msg}) }
	if up.Data == nil {
		bad("file", "is required")
	}
	for name, dst := range map[string]*bool{"dry_run": &up.DryRun, "skip_invalid": &up.SkipInvalid} {
		v, ok := formBool(fields[name])
		if !ok {
			bad(name, "must be true or false")
		}
		*dst = v
	}
	if up.Name == "" {
		up.Name = "upload"
	}
	up.Name = Clip(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, up.Name))
	f, err := FormatOf(fields["format"], up.Name)
	if err != nil {
		bad("format", "must be csv or xlsx (or the file's name must end in .csv or .xlsx)")
	}
	up.Format = f
	up.Fields = map[string]string{}
	for _, k := range extra {
		up.Fields[k] = fields[k]
	}
	return up, fs, nil
}

// formBool reads a form's true or false.
func formBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "off", "no":
		return false, true
	case "1", "true", "on", "yes":
		return true, true
	}
	return false, false
}

// Clip shortens a name or value quoted in a report to 40 characters.
func Clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Problem is a problem with a cell, a row, or the whole file of an
// import, as its report lists it.
type Problem struct {
	// Line is the CSV line where the row starts, or the sheet's row.
	Line int `json:"line"`
	// Column is 1-based, 0 when the problem is the row's (or the file's).
	Column int `json:"column"`
	// Cell is where: 7:3 (CSV line 7, column 3) or C7 (XLSX).
	Cell    string `json:"cell"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}
