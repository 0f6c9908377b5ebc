package document

import "strings"

// FailureSummary says in plain words why a document could not be
// processed, from the technical error the pipeline recorded ("" when
// errText is empty). The technical text stays available beside it.
func FailureSummary(mime, errText string) string {
	if errText == "" {
		return ""
	}
	e := strings.ToLower(errText)
	kind := "file"
	switch {
	case strings.HasPrefix(mime, "application/pdf"):
		kind = "PDF"
	case strings.HasPrefix(mime, "image/"):
		kind = "image"
	}
	switch {
	case strings.Contains(e, "took longer than") || strings.Contains(e, "deadline exceeded") || strings.Contains(e, "timeout"):
		return "Reading this file took too long, so it was stopped."
	case strings.Contains(e, "password"):
		return "This " + kind + " is protected by a password and could not be read."
	case strings.Contains(e, "encryption"):
		return "This " + kind + " is encrypted in a way that cannot be read."
	case strings.Contains(e, "larger than") || strings.Contains(e, "limit exceeded") || strings.Contains(e, "too large"):
		return "This file is too large to read."
	case strings.Contains(e, "unsupported format"):
		return "This kind of file cannot be read."
	case strings.Contains(e, "malformed") || strings.Contains(e, "not a readable") || strings.Contains(e, "no page"):
		return "This " + kind + " is damaged and could not be read."
	}
	return "Something went wrong while reading this file."
}
