package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
)

const noteColumns = `n.id, n.document_id, COALESCE(n.author_id, ''), COALESCE(u.display_name, ''), n.body, n.created_at`

const noteFrom = ` FROM document_notes n LEFT JOIN users u ON u.id = n.author_id `

func scanNote(row interface{ Scan(...any) error }) (*model.Note, error) {
	var n model.Note
	if err := row.Scan(&n.ID, &n.DocumentID, &n.AuthorID, &n.AuthorName, &n.Body, &n.CreatedAt); err != nil {
		return nil, normalize(err)
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return &n, nil
}

// CreateNote adds n to its document (ID and CreatedAt filled) and re-indexes
// the document. The caller checks that the author may write on the
// document; a document that does not exist is ErrNotFound.
func (s *Store) CreateNote(ctx context.Context, n *model.Note) error {
	if n.ID == "" {
		n.ID = NewID()
	}
	n.CreatedAt = now()
	var author any
	if n.AuthorID != "" {
		author = n.AuthorID
	}
	return s.WithTx(ctx, func(tx *Store) error {
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO document_notes (id, document_id, author_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5)`, n.ID, n.DocumentID, author, n.Body, n.CreatedAt); err != nil {
			err = normalize(err)
			if errors.Is(err, ErrReferenced) {
				err = ErrNotFound // the document is gone
			}
			return fmt.Errorf("create note: %w", err)
		}
		return tx.IndexDocument(ctx, n.DocumentID)
	})
}

// Note returns one note of the document, or ErrNotFound.
func (s *Store) Note(ctx context.Context, documentID, id string) (*model.Note, error) {
	n, err := scanNote(s.r.QueryRowContext(ctx, `SELECT `+noteColumns+noteFrom+`WHERE n.document_id = $1 AND n.id = $2`, documentID, id))
	if err != nil {
		return nil, fmt.Errorf("note: %w", err)
	}
	return n, nil
}

// ListNotes pages through a document's notes, newest first. A bad cursor is
// ErrBadCursor.
func (s *Store) ListNotes(ctx context.Context, documentID string, p Page) ([]*model.Note, string, error) {
	args := []any{documentID}
	where := "n.document_id = $1"
	if p.Cursor != "" {
		at, id, err := parseTimeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		args = append(args, at, id)
		where += " AND (n.created_at < $2 OR (n.created_at = $2 AND n.id < $3))"
	}
	limit := p.limit()
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, `SELECT `+noteColumns+noteFrom+`WHERE `+where+
		fmt.Sprintf(` ORDER BY n.created_at DESC, n.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list notes: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list notes: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list notes: %w", normalize(err))
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = timeCursor(last.CreatedAt, last.ID)
	}
	return out, next, nil
}

// DeleteNote removes a note of the document and re-indexes the document;
// ErrNotFound when there is no such note.
func (s *Store) DeleteNote(ctx context.Context, documentID, id string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, "delete note", `DELETE FROM document_notes WHERE document_id = $1 AND id = $2`, documentID, id); err != nil {
			return err
		}
		return tx.IndexDocument(ctx, documentID)
	})
}

// AllNotes calls fn with every note of the document, oldest first (export).
func (s *Store) AllNotes(ctx context.Context, documentID string, fn func(*model.Note) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT `+noteColumns+noteFrom+`WHERE n.document_id = $1 ORDER BY n.created_at, n.id`, documentID)
	if err != nil {
		return fmt.Errorf("all notes: %w", normalize(err))
	}
	defer rows.Close()
	var notes []*model.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return fmt.Errorf("all notes: %w", err)
		}
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("all notes: %w", normalize(err))
	}
	rows.Close()
	for _, n := range notes {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// ImportNote inserts a note as exported (id, author and time kept; an
// author who is not in this instance becomes ""), without re-indexing:
// the import indexes each document once its notes are in.
func (s *Store) ImportNote(ctx context.Context, n *model.Note) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO document_notes (id, document_id, author_id, body, created_at)
		VALUES ($1, $2, (SELECT id FROM users WHERE id = $3), $4, $5)`, n.ID, n.DocumentID, n.AuthorID, n.Body, n.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("import note: %w", normalize(err))
	}
	return nil
}

// noteBodies is the bodies of a document's notes, oldest first, one per
// line, for its full-text entry.
func (s *Store) noteBodies(ctx context.Context, documentID string) (string, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT body FROM document_notes WHERE document_id = $1 ORDER BY created_at, id`, documentID)
	if err != nil {
		return "", normalize(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return "", normalize(err)
		}
		b.WriteString(body)
		b.WriteByte('\n')
		if b.Len() > maxIndexedBytes {
			break
		}
	}
	return b.String(), normalize(rows.Err())
}
