package document

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// MaxNoteChars is the longest note body, in characters.
const MaxNoteChars = 10000

// Access is what a caller wants to do with a document.
type Access int

const (
	// Read is listing, reading, searching and downloading (a space's viewer).
	Read Access = iota
	// Edit is changing metadata and writing or deleting notes (an editor).
	Edit
)

// noteAccess decides, through the one metadata access check (access),
// whether the actor may read (a viewer of the document's space) or edit (an
// editor) a document's notes, and returns the document. A document in a
// space the actor is not a member of, or in the trash, does not exist for
// them (store.ErrNotFound, 404); a role below need is apperr.Forbidden.
func (s *Service) noteAccess(ctx context.Context, st documentReader, a Actor, documentID string, need Access) (*model.Document, error) {
	d, err := st.DocumentForJob(ctx, documentID)
	if err != nil {
		return nil, err
	}
	if d.DeletedAt != nil {
		return nil, fmt.Errorf("document: %w", store.ErrNotFound)
	}
	role := model.RoleViewer
	if need == Edit {
		role = model.RoleEditor
	}
	if err := s.access(ctx, a.UserID, d.SpaceID, role); err != nil {
		return nil, err
	}
	return d, nil
}

// validateNote trims a note's body and checks it: not empty, at most
// MaxNoteChars characters, no control characters but line breaks and tabs.
func validateNote(body *string) (string, error) {
	if body == nil || strings.TrimSpace(*body) == "" {
		return "", apperr.Fields("The note is empty.", map[string]string{"body": "Write something."})
	}
	b := strings.TrimSpace(*body)
	switch {
	case utf8.RuneCountInString(b) > MaxNoteChars:
		return "", apperr.Fields("The note is too long.", map[string]string{"body": "A note may be at most 10000 characters."})
	case !utf8.ValidString(b) || strings.ContainsFunc(b, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return "", apperr.Fields("The note has characters that cannot be stored.", map[string]string{"body": "Remove control characters."})
	}
	return b, nil
}

// Notes pages through a document's notes, newest first.
func (s *Service) Notes(ctx context.Context, a Actor, documentID string, p store.Page) ([]*model.Note, string, error) {
	if _, err := s.noteAccess(ctx, s.store, a, documentID, Read); err != nil {
		return nil, "", err
	}
	return s.store.ListNotes(ctx, documentID, p)
}

// AddNote writes a note on a document as the actor; the document becomes
// findable by the note's words at once. Audited as note.create (without the
// text).
func (s *Service) AddNote(ctx context.Context, a Actor, documentID string, body *string) (*model.Note, error) {
	text, err := validateNote(body)
	if err != nil {
		return nil, err
	}
	n := &model.Note{DocumentID: documentID, AuthorID: a.UserID, Body: text}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if _, err := s.noteAccess(ctx, tx, a, documentID, Edit); err != nil {
			return err
		}
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		return s.noteAudit(ctx, tx, a, "note.create", n)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Note(ctx, documentID, n.ID)
}

// DeleteNote removes a note: its author (an editor) or an admin of the
// document's space may, other editors get apperr.Forbidden. Audited as
// note.delete (without the text).
func (s *Service) DeleteNote(ctx context.Context, a Actor, documentID, noteID string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		d, err := s.noteAccess(ctx, tx, a, documentID, Edit)
		if err != nil {
			return err
		}
		n, err := tx.Note(ctx, documentID, noteID)
		if err != nil {
			return err
		}
		if n.AuthorID != a.UserID {
			if err := s.access(ctx, a.UserID, d.SpaceID, model.RoleAdmin); apperr.Is(err, apperr.Forbidden) {
				return apperr.New(apperr.Forbidden, "only the note's author or an admin of the space may delete it")
			} else if err != nil {
				return err
			}
		}
		if err := tx.DeleteNote(ctx, documentID, noteID); err != nil {
			return err
		}
		return s.noteAudit(ctx, tx, a, "note.delete", n)
	})
}

func (s *Service) noteAudit(ctx context.Context, tx *store.Store, a Actor, action string, n *model.Note) error {
	return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: action, TargetType: "note",
		TargetID: n.ID, IP: a.IP, UserAgent: a.UserAgent, Details: map[string]any{"document_id": n.DocumentID}})
}
