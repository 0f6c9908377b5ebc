package extract

import "context"

// Format is one accepted document type: its MIME type as sniffed, the
// extension of its object key, and the extractor that reads it.
type Format struct {
	MIME string
	Ext  string
	read func(e *Extractor, ctx context.Context, in Input, lim Limits) (*Result, error)
	// stream says the extractor reads the file from its start and no
	// further than Limits.MaxDecompressedBytes (see Extractor.PrefixBytes).
	stream bool
}

// Formats is the one list of document types DocuVault accepts: uploads are
// sniffed against it (document.Classify) and extraction reads it, so a type
// is accepted exactly when it can be read. Adding a format is an extractor
// file and a line here.
var Formats = []Format{
	{"application/pdf", ".pdf", (*Extractor).extractPDF, false},
	{"image/png", ".png", (*Extractor).extractImage, false},
	{"image/jpeg", ".jpg", (*Extractor).extractImage, false},
	{"image/tiff", ".tiff", (*Extractor).extractImage, false},
	{"image/webp", ".webp", (*Extractor).extractImage, false},
	{"image/gif", ".gif", (*Extractor).extractImage, false},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", plain(extractDOCX), false},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", plain(extractXLSX), false},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", plain(extractPPTX), false},
	{"application/vnd.oasis.opendocument.text", ".odt", plain(extractODF), false},
	{"application/vnd.oasis.opendocument.spreadsheet", ".ods", plain(extractODF), false},
	{"application/vnd.oasis.opendocument.presentation", ".odp", plain(extractODF), false},
	{"text/rtf", ".rtf", plain(extractRTF), false},
	{"text/html", ".html", plain(extractHTML), false},
	{"text/plain", ".txt", plain(extractText), true},
	{"text/markdown", ".md", plain(extractText), true},
	{"text/csv", ".csv", plain(extractText), true},
	{"message/rfc822", ".eml", plain(extractEML), true},
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
