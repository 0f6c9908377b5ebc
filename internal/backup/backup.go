// Package backup writes and reads complete, versioned DocuVault backups: a
// JSON manifest of users, topics, correspondents, document types, custom
// fields, saved views, documents with their topic assignments, metadata and
// the audit log, plus every original (and thumbnail) with its SHA-256 and
// every extracted text. Export streams and resumes; Import verifies every
// checksum and works across databases (SQLite to PostgreSQL).
package backup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// Format and Version identify the manifest layout.
const (
	Format  = "docuvault-backup"
	Version = 1
)

// Manifest is manifest.json.
type Manifest struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Source    Source    `json:"source"`
	Users     []User    `json:"users"`
	// Spaces are every space with its members (personal ones too, whose
	// id is their user's); a backup from before spaces has none, and its
	// topics and documents go to their owner's personal space.
	Spaces    []Space     `json:"spaces,omitempty"`
	Topics    []Topic     `json:"topics"`
	Documents []Document  `json:"documents"`
	Audit     []AuditLine `json:"audit"`
	// Metadata of the spaces (absent in older backups).
	Correspondents []Label       `json:"correspondents,omitempty"`
	DocumentTypes  []Label       `json:"document_types,omitempty"`
	CustomFields   []CustomField `json:"custom_fields,omitempty"`
	Views          []View        `json:"views,omitempty"`
	// ShareLinks are the documents' share links, by token hash (the
	// tokens themselves exist nowhere); absent in older backups.
	ShareLinks []ShareLink `json:"share_links,omitempty"`
	// Skipped lists documents left out because their cloud drive could not
	// be read (export with SkipUnreachable); the backup is not complete.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Skipped is a document an export left out, and why.
type Skipped struct {
	DocumentID string `json:"document_id"`
	OwnerID    string `json:"owner_id"`
	Title      string `json:"title"`
	Reason     string `json:"reason"`
}

// Source says where a backup came from.
type Source struct {
	Database      string `json:"database"`
	SchemaVersion int64  `json:"schema_version"`
	AppVersion    string `json:"app_version"`
}

// User is an account (password hash and sealed TOTP secret included: they
// stay valid only with the same CLOUD_CREDS_KEY). Cloud drive connections
// are not exported; StorageBackend records the setting at export time and
// an import resets a cloud account id to "system".
type User struct {
	ID             string    `json:"id"`
	Email          string    `json:"email"`
	DisplayName    string    `json:"display_name"`
	PasswordHash   string    `json:"password_hash"`
	Role           string    `json:"role"`
	Disabled       bool      `json:"disabled"`
	TOTPSecret     []byte    `json:"totp_secret,omitempty"`
	TOTPEnabled    bool      `json:"totp_enabled"`
	QuotaBytes     int64     `json:"quota_bytes"`
	QuotaDocuments int64     `json:"quota_documents"`
	StorageBackend string    `json:"storage_backend"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Topic is one of a user's topics.
type Topic struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	SpaceID     string    `json:"space_id,omitempty"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Color       string    `json:"color"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Space is a space and its members. StorageBackend records a shared
// space's storage choice at export time; like a user's, it is not restored
// (drive connections are not exported): an import keeps it in system storage.
type Space struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Kind           string        `json:"kind"`
	OwnerID        string        `json:"owner_id"`
	StorageBackend string        `json:"storage_backend,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	Members        []SpaceMember `json:"members"`
}

// SpaceMember is one member of a space (the owner included, role owner).
type SpaceMember struct {
	UserID  string    `json:"user_id"`
	Role    string    `json:"role"`
	AddedAt time.Time `json:"added_at"`
}

// Label is a correspondent or a document type of a space.
type Label struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CustomField is a custom field of a space.
type CustomField struct {
	ID        string    `json:"id"`
	SpaceID   string    `json:"space_id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Options   []string  `json:"options,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// View is a saved view; Query is its JSON object of list filters.
type View struct {
	ID              string    `json:"id"`
	SpaceID         string    `json:"space_id"`
	CreatedBy       string    `json:"created_by"`
	Name            string    `json:"name"`
	Query           string    `json:"query"`
	Sort            string    `json:"sort,omitempty"`
	ShowOnDashboard bool      `json:"show_on_dashboard,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// FieldValue is a document's value of a custom field.
type FieldValue struct {
	FieldID string   `json:"field_id"`
	Value   string   `json:"value"`
	Num     *float64 `json:"num,omitempty"`
}

// Assignment is a document's topic.
type Assignment struct {
	TopicID    string   `json:"topic_id"`
	Source     string   `json:"source"`
	Confidence *float64 `json:"confidence,omitempty"`
}

// Document is a document's row; its bytes are in Blob, its text in Text.
type Document struct {
	ID               string       `json:"id"`
	OwnerID          string       `json:"owner_id"` // the owner of its space, whose quota it uses
	SpaceID          string       `json:"space_id,omitempty"`
	CreatedBy        string       `json:"created_by,omitempty"`
	Title            string       `json:"title"`
	OriginalFilename string       `json:"original_filename"`
	MIMEType         string       `json:"mime_type"`
	SizeBytes        int64        `json:"size_bytes"`
	SHA256           string       `json:"sha256"`
	BlobKey          string       `json:"blob_key"`
	Blob             string       `json:"blob"` // path in the backup: blobs/<sha256>
	Text             string       `json:"text"` // path in the backup: texts/<id>.txt
	Thumbnail        string       `json:"thumbnail,omitempty"`
	ThumbnailKey     string       `json:"thumbnail_key,omitempty"`
	ThumbnailSHA256  string       `json:"thumbnail_sha256,omitempty"`
	Status           string       `json:"status"`
	Error            string       `json:"error,omitempty"`
	PageCount        *int         `json:"page_count,omitempty"`
	Language         string       `json:"language,omitempty"`
	Notes            string       `json:"notes,omitempty"`
	TextTruncated    bool         `json:"text_truncated,omitempty"` // only the start of the text was indexed (absent in older backups)
	Source           string       `json:"source,omitempty"`         // upload, consume, import, api or mail
	SourceDetail     string       `json:"source_detail,omitempty"`  // JSON, e.g. the mail a document came from
	DeletedAt        *time.Time   `json:"deleted_at,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
	Topics           []Assignment `json:"topics"`
	// UserNotes are the notes people wrote on the document, oldest first
	// (Notes above are processing notes).
	UserNotes []Note `json:"user_notes,omitempty"`
	// Metadata (absent in older backups).
	DocumentDate       string `json:"document_date,omitempty"`
	DocumentDateSource string `json:"document_date_source,omitempty"`
	CorrespondentID    string `json:"correspondent_id,omitempty"`
	DocumentTypeID     string `json:"document_type_id,omitempty"`
	// Who set them: "user" or "auto" (absent in older backups: "user").
	CorrespondentSource string       `json:"correspondent_source,omitempty"`
	DocumentTypeSource  string       `json:"document_type_source,omitempty"`
	Fields              []FieldValue `json:"custom_fields,omitempty"`
	// PlacedIn is the cloud account id the original lived in when it was
	// exported ("" for system storage). Cloud accounts are not part of a
	// backup: an import puts every original into system storage.
	PlacedIn string `json:"placed_in,omitempty"`
}

// exportDocument is d's entry in the manifest, without its notes and
// thumbnail (the export adds those). Its inverse is restore: a field of a
// document that a backup keeps is added in both, here.
func exportDocument(d *model.Document) Document {
	bd := Document{ID: d.ID, OwnerID: d.OwnerID, SpaceID: d.SpaceID, CreatedBy: d.CreatedBy, Title: d.Title, OriginalFilename: d.OriginalFilename,
		MIMEType: d.MIMEType, SizeBytes: d.SizeBytes, SHA256: d.SHA256, BlobKey: d.BlobKey,
		Blob: "blobs/" + d.SHA256, Text: "texts/" + d.ID + ".txt", Status: d.Status, Error: d.Error,
		PageCount: d.PageCount, Language: d.Language, Notes: d.Notes, TextTruncated: d.TextTruncated, DeletedAt: d.DeletedAt,
		Source: d.SourceKind, SourceDetail: d.SourceDetail,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Topics: []Assignment{}}
	for _, t := range d.Topics {
		bd.Topics = append(bd.Topics, Assignment{TopicID: t.TopicID, Source: t.Source, Confidence: t.Confidence})
	}
	bd.DocumentDate, bd.DocumentDateSource = d.DocumentDate, d.DocumentDateSource
	bd.CorrespondentID, bd.DocumentTypeID = d.CorrespondentID, d.DocumentTypeID
	bd.CorrespondentSource, bd.DocumentTypeSource = d.CorrespondentSource, d.DocumentTypeSource
	for _, v := range d.Fields {
		bd.Fields = append(bd.Fields, FieldValue{FieldID: v.FieldID, Value: v.Value, Num: v.Num})
	}
	return bd
}

// restore is the document an import writes for d: its original in system
// storage, wherever it lived when it was exported.
func (d *Document) restore() *model.Document {
	sd := &model.Document{ID: d.ID, OwnerID: d.OwnerID, SpaceID: d.SpaceID, CreatedBy: d.CreatedBy, Title: d.Title, OriginalFilename: d.OriginalFilename,
		MIMEType: d.MIMEType, SizeBytes: d.SizeBytes, SHA256: d.SHA256, BlobKey: d.BlobKey, Status: d.Status,
		Error: d.Error, PageCount: d.PageCount, Language: d.Language, ThumbnailKey: d.ThumbnailKey,
		StorageBackend: model.BackendSystem, StorageState: model.StorageStored, Notes: d.Notes, TextTruncated: d.TextTruncated, DeletedAt: d.DeletedAt,
		SourceKind: d.Source, SourceDetail: d.SourceDetail, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, a := range d.Topics {
		sd.Topics = append(sd.Topics, model.DocumentTopic{TopicID: a.TopicID, Source: a.Source, Confidence: a.Confidence})
	}
	sd.DocumentDate, sd.DocumentDateSource = d.DocumentDate, d.DocumentDateSource
	sd.CorrespondentID, sd.DocumentTypeID = d.CorrespondentID, d.DocumentTypeID
	sd.CorrespondentSource, sd.DocumentTypeSource = d.CorrespondentSource, d.DocumentTypeSource
	for _, v := range d.Fields {
		sd.Fields = append(sd.Fields, model.FieldValue{FieldID: v.FieldID, Value: v.Value, Num: v.Num})
	}
	return sd
}

// Note is a note someone wrote on a document; AuthorID is "" when the
// author's account was gone at export.
type Note struct {
	ID        string    `json:"id"`
	AuthorID  string    `json:"author_id,omitempty"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// ShareLink is one share link of an exported document: the SHA-256 of its
// token and the Argon2id hash of its password, never a secret.
type ShareLink struct {
	ID            string     `json:"id"`
	DocumentID    string     `json:"document_id"`
	TokenHash     string     `json:"token_hash"`
	PasswordHash  string     `json:"password_hash,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	MaxDownloads  *int       `json:"max_downloads,omitempty"`
	DownloadCount int        `json:"download_count"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

// AuditLine is one audit entry.
type AuditLine struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id,omitempty"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type,omitempty"`
	TargetID   string         `json:"target_id,omitempty"`
	IP         string         `json:"ip,omitempty"`
	UserAgent  string         `json:"user_agent,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
}

// ErrNotEmpty is returned by Import into an instance that already has users.
var ErrNotEmpty = errors.New("backup: the instance is not empty; import restores into an empty instance (or pass --resume to continue an interrupted import)")

// ErrChecksum is returned when a file does not match its recorded SHA-256.
var ErrChecksum = errors.New("backup: checksum mismatch")

// Progress reports long work: done of total items, and bytes so far.
type Progress struct {
	w       io.Writer
	tty     bool
	label   string
	total   int
	done    int
	bytes   int64
	last    time.Time
	started time.Time
}

// NewProgress writes progress to w (a bar on a terminal, lines otherwise).
func NewProgress(w io.Writer, label string, total int) *Progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &Progress{w: w, tty: tty, label: label, total: total, started: time.Now()}
}

// Add counts one finished item of n bytes.
func (p *Progress) Add(n int64) {
	if p == nil || p.w == nil {
		return
	}
	p.done++
	p.bytes += n
	if time.Since(p.last) < 250*time.Millisecond && p.done != p.total {
		return
	}
	p.last = time.Now()
	pct := 100
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	line := fmt.Sprintf("%s %d/%d documents (%d%%), %.1f MB", p.label, p.done, p.total, pct, float64(p.bytes)/1e6)
	if p.tty {
		width := 30
		filled := width * pct / 100
		bar := ""
		for i := range width {
			if i < filled {
				bar += "#"
			} else {
				bar += "."
			}
		}
		fmt.Fprintf(p.w, "\r[%s] %s", bar, line)
		if p.done == p.total {
			fmt.Fprintln(p.w)
		}
		return
	}
	if time.Since(p.started) > 0 && (p.done == p.total || p.done%100 == 0) {
		fmt.Fprintln(p.w, line)
	}
}

func userToBackup(u *model.User) User {
	return User{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, PasswordHash: u.PasswordHash, Role: u.Role,
		Disabled: u.Disabled, TOTPSecret: u.TOTPSecret, TOTPEnabled: u.TOTPEnabled, QuotaBytes: u.QuotaBytes,
		QuotaDocuments: u.QuotaDocuments, StorageBackend: u.StorageBackend, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}
