package text

import (
	"strconv"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
)

// Errors collects the field errors of an input in order; apperr.Fields
// turns them into the 422 that names them.
type Errors []apperr.FieldError

// Add records a field's error.
func (f *Errors) Add(field, msg string) {
	*f = append(*f, apperr.FieldError{Field: field, Message: msg})
}

// Line checks one line of text: required, what Line finds, at most max
// characters.
func (f *Errors) Line(field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		f.Add(field, "is required")
	case Line(v) != "":
		f.Add(field, Line(v))
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "must be at most "+strconv.Itoa(max)+" characters of text")
	}
}

// Block checks text of several lines: what Block finds, at most max
// characters.
func (f *Errors) Block(field, v string, max int) {
	switch {
	case Block(v) != "":
		f.Add(field, Block(v))
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "must be at most "+strconv.Itoa(max)+" characters of text")
	}
}
