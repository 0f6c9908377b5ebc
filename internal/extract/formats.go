package extract

import "context"

// Format is one accepted document type: its MIME type as sniffed, the
// extension of its object key, and the extractor that reads it.
type Format struct {
	MIME string
	Ext  string
	read func(e *Extractor, ctx context.Context, in Input, lim Limits) (*Result, error)
}

// Formats is the one list of document types DocuVault accepts: uploads are
// sniffed against it (document.Classify) and extraction reads it, so a type
// is accepted exactly when it can be read. Adding a format is an extractor
// file and a line here.
var Formats = []Format{
	{"application/pdf", ".pdf", (*Extractor).extractPDF},
	{"image/png", ".png", (*Extractor).extractImage},
	{"image/jpeg", ".jpg", (*Extractor).extractImage},
	{"image/tiff", ".tiff", (*Extractor).extractImage},
	{"image/webp", ".webp", (*Extractor).extractImage},
	{"image/gif", ".gif", (*Extractor).extractImage},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", plain(extractDOCX)},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", plain(extractXLSX)},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", plain(extractPPTX)},
	{"application/vnd.oasis.opendocument.text", ".odt", plain(extractODF)},
	{"application/vnd.oasis.opendocument.spreadsheet", ".ods", plain(extractODF)},
	{"application/vnd.oasis.opendocument.presentation", ".odp", plain(extractODF)},
	{"text/rtf", ".rtf", plain(extractRTF)},
	{"text/html", ".html", plain(extractHTML)},
	{"text/plain", ".txt", plain(extractText)},
	{"text/markdown", ".md", plain(extractText)},
	{"text/csv", ".csv", plain(extractText)},
	{"message/rfc822", ".eml", plain(extractEML)},
}

// aliases are other names of a listed type.
var aliases = map[string]string{"application/rtf": "text/rtf"}

// FormatOf returns the accepted format of a MIME type (parameters and case
// ignored, aliases resolved), and false when the type is not accepted.
func FormatOf(mime string) (Format, bool) {
	mime = baseMIME(mime)
	if a, ok := aliases[mime]; ok {
		mime = a
	}
	for _, f := range Formats {
		if f.MIME == mime {
			return f, true
		}
	}
	return Format{}, false
}

func plain(f formatFunc) func(*Extractor, context.Context, Input, Limits) (*Result, error) {
	return func(_ *Extractor, ctx context.Context, in Input, lim Limits) (*Result, error) { return f(ctx, in, lim) }
}
