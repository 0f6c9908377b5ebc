package model

import "time"

// Note is a remark someone wrote on a document. Notes are part of the
// document's full-text entry (IndexDocument), so the methods that add or
// remove one re-index the document in the same transaction.
type Note struct {
	ID         string
	DocumentID string
	AuthorID   string // "" when the author's account is gone
	AuthorName string // the author's display name, filled by the read methods
	Body       string
	CreatedAt  time.Time
}
