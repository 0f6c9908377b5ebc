package model

import "time"

// Document statuses.
const (
	StatusProcessing = "processing"
	StatusReady      = "ready"
	StatusFailed     = "failed"
)

// Document is one stored file of one owner.
type Document struct {
	ID string
	// OwnerID is the owner of the document's space, whose quota and
	// storage it uses; SpaceID is the space; CreatedBy is who added it
	// ("" once that account is deleted) and CreatedByName their display name.
	OwnerID          string
	SpaceID          string
	CreatedBy        string
	CreatedByName    string
	Title            string
	OriginalFilename string
	MIMEType         string
	SizeBytes        int64
	SHA256           string
	BlobKey          string
	Status           string
	Error            string
	PageCount        *int
	Language         string
	ThumbnailKey     string
	StorageBackend   string // "system" or a cloud account id
	StorageState     string // "stored", "pending", "placed", "failed"
	StorageRef       string
	StorageError     string
	Notes            string // processing notes for people, e.g. that OCR was not available
	// TextTruncated says the stored and indexed text is the start of the
	// document's text only: a limit cut it (Notes say which).
	TextTruncated bool
	// TitleAuto says the title was made from the file name; a title found
	// in the file during processing replaces it. Written by CreateDocument
	// only, cleared by UpdateDocumentTitle.
	TitleAuto bool
	// SourceKind says where the document came from: SourceUpload (the
	// default), SourceConsume, SourceImport, SourceAPI or SourceMail;
	// SourceDetail is JSON with the details (for mail: from, subject,
	// message_id, received_at). Written by CreateDocument only.
	SourceKind   string
	SourceDetail string
	DeletedAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// DocumentDate is the document's own date, YYYY-MM-DD ("" when none);
	// DocumentDateSource is DateFound (from the content) or DateUser.
	DocumentDate       string
	DocumentDateSource string
	// The correspondent and document type ("" when none), with their names.
	CorrespondentID, CorrespondentName string
	DocumentTypeID, DocumentTypeName   string
	// Who set the correspondent and the type: LabelUser, LabelAuto (the
	// space's classifier) or "" (never set).
	CorrespondentSource, DocumentTypeSource string

	Topics    []DocumentTopic // filled by the list and get methods
	Fields    []FieldValue    // custom field values, filled with Topics
	NoteCount int             // people's notes on it (document_notes); filled with Topics
}

// DocumentTopic is one topic assignment of a document.
type DocumentTopic struct {
	TopicID    string
	Name       string
	Source     string // "ai" or "user"
	Confidence *float64
}

// Document sources (Document.SourceKind).
const (
	SourceUpload  = "upload"
	SourceConsume = "consume"
	SourceImport  = "import"
	SourceAPI     = "api"
	SourceMail    = "mail"
)

// Extraction is what processing learned about a document.
type Extraction struct {
	Text         string
	PageCount    int
	Language     string
	ThumbnailKey string
	Notes        string
	// Title is the title found in the file ("" when none); it replaces the
	// title only while that was made from the file name (TitleAuto).
	Title string
	// TextTruncated says Text is the start of the document's text only.
	TextTruncated bool
}

// Upload is a direct upload that was started and not yet completed.
type Upload struct {
	ID          string
	OwnerID     string // the space owner, whose quota holds the reservation
	SpaceID     string // where the document goes (default OwnerID's personal space)
	CreatedBy   string // who started it (default OwnerID)
	DocumentID  string // the id the document will get
	Filename    string
	Title       string
	SizeBytes   int64
	ContentType string
	SHA256      string // expected, hex; "" when the client gave none
	BlobKey     string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}
