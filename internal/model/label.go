package model

import "time"

// LabelKind is a kind of named object of a space that a document has at
// most one of: a correspondent or a document type.
type LabelKind int

// The label kinds.
const (
	Correspondents LabelKind = iota
	DocumentTypes
)

// AuditType is the audit log's target type of the kind.
func (k LabelKind) AuditType() string {
	if k == DocumentTypes {
		return "document_type"
	}
	return "correspondent"
}

// Label is one correspondent or document type.
type Label struct {
	ID            string
	SpaceID       string
	Name          string
	DocumentCount int64 // live documents that have it
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Who set a document's correspondent or type (Document.CorrespondentSource, DocumentTypeSource).
const (
	LabelUser = "user" // a person: never replaced by the classifier, and an example it learns from
	LabelAuto = "auto" // the space's local classifier
)

// Kinds of LabelProposal.
const (
	ProposalCorrespondent = "correspondent"
	ProposalDocumentType  = "document_type"
	ProposalDocumentDate  = "document_date"
)

// LabelProposal is the local model's answer for one of a document's correspondent, type or date:
// ID names the correspondent or type, Value the date (YYYY-MM-DD). Applied says it was written to the
// document (it was confident and nobody had set that value).
type LabelProposal struct {
	Kind       string  `json:"kind"`
	ID         string  `json:"id,omitempty"`
	Value      string  `json:"value,omitempty"`
	Confidence float64 `json:"confidence"`
	Applied    bool    `json:"applied"`
}
