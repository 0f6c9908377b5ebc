package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// ReadManifest loads and checks dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("backup: %w (an export that has no manifest.json did not finish)", err)
	}
	defer f.Close()
	var m Manifest
	dec := json.NewDecoder(io.LimitReader(f, 4<<30))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("backup: manifest.json: %w", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup: manifest.json is not a DocuVault backup (format %q)", m.Format)
	}
	if m.Version < 1 || m.Version > Version {
		return nil, fmt.Errorf("backup: manifest version %d is not supported by this DocuVault (it reads up to %d)", m.Version, Version)
	}
	return &m, nil
}

// Import restores the backup in dir. Without resume the instance must be
// empty; with resume, rows that already exist are kept. Every file is
// checked against its SHA-256 before its row is written. Every original
// goes into system storage, also those that lived in a cloud drive at
// export (cloud connections are not restored; users reconnect them).
func Import(ctx context.Context, st *store.Store, blobs blob.Store, dir string, resume bool, progress io.Writer) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if n, err := st.CountUsers(ctx); err != nil {
		return nil, err
	} else if n > 0 && !resume {
		return nil, ErrNotEmpty
	}
	skip := func(err error) error {
		if resume && errors.Is(err, store.ErrConflict) {
			return nil
		}
		return err
	}
	usage := map[string][2]int64{}
	for _, d := range m.Documents {
		u := usage[d.OwnerID]
		usage[d.OwnerID] = [2]int64{u[0] + d.SizeBytes, u[1] + 1}
	}
	for _, u := range m.Users {
		if u.StorageBackend != model.BackendSystem {
			// Cloud accounts are not in a backup: the originals come back
			// into system storage, and so do the user's new documents.
			u.StorageBackend = model.BackendSystem
		}
		su := &model.User{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, PasswordHash: u.PasswordHash, Role: u.Role,
			Disabled: u.Disabled, TOTPSecret: u.TOTPSecret, TOTPEnabled: u.TOTPEnabled, QuotaBytes: u.QuotaBytes,
			QuotaDocuments: u.QuotaDocuments, UsedBytes: usage[u.ID][0], DocumentCount: usage[u.ID][1],
			StorageBackend: u.StorageBackend, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
		if err := skip(st.ImportUser(ctx, su)); err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Email, err)
		}
	}
	for _, sp := range m.Spaces {
		ss := &model.Space{ID: sp.ID, Name: sp.Name, Kind: sp.Kind, OwnerID: sp.OwnerID, CreatedAt: sp.CreatedAt}
		var members []*model.SpaceMember
		for _, mb := range sp.Members {
			role, ok := model.ParseSpaceRole(mb.Role)
			if !ok {
				return nil, fmt.Errorf("space %s: member %s has the unknown role %q", sp.ID, mb.UserID, mb.Role)
			}
			members = append(members, &model.SpaceMember{UserID: mb.UserID, Role: role, AddedAt: mb.AddedAt})
		}
		if err := skip(st.ImportSpace(ctx, ss, members)); err != nil {
			return nil, fmt.Errorf("space %s: %w", sp.ID, err)
		}
	}
	for _, t := range m.Topics {
		if err := skip(st.ImportTopic(ctx, &model.Topic{ID: t.ID, OwnerID: t.OwnerID, SpaceID: t.SpaceID, Name: t.Name, Description: t.Description,
			Color: t.Color, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt})); err != nil {
			return nil, fmt.Errorf("topic %s: %w", t.ID, err)
		}
	}
	if err := importMetadata(ctx, st, m, skip); err != nil {
		return nil, err
	}
	prog := NewProgress(progress, "imported", len(m.Documents))
	for _, d := range m.Documents {
		if resume {
			if _, err := st.DocumentForJob(ctx, d.ID); err == nil {
				prog.Add(d.SizeBytes)
				continue
			}
		}
		if err := putVerified(ctx, blobs, dir, d.Blob, d.BlobKey, d.SHA256, d.MIMEType); err != nil {
			return nil, fmt.Errorf("document %s: %w", d.ID, err)
		}
		if d.Thumbnail != "" {
			if err := putVerified(ctx, blobs, dir, d.Thumbnail, d.ThumbnailKey, d.ThumbnailSHA256, "image/png"); err != nil {
				return nil, fmt.Errorf("document %s thumbnail: %w", d.ID, err)
			}
		}
		text, err := readInside(dir, d.Text)
		if err != nil {
			return nil, fmt.Errorf("document %s text: %w", d.ID, err)
		}
		sd := d.restore()
		// The document, its notes and its full-text entry (notes included)
		// commit together.
		err = st.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.ImportDocument(ctx, sd, string(text)); err != nil {
				return err
			}
			if len(d.UserNotes) == 0 {
				return nil
			}
			for _, n := range d.UserNotes {
				if err := tx.ImportNote(ctx, &model.Note{ID: n.ID, DocumentID: d.ID, AuthorID: n.AuthorID, Body: n.Body,
					CreatedAt: n.CreatedAt}); err != nil {
					return err
				}
			}
			return tx.IndexDocument(ctx, d.ID)
		})
		if err := skip(err); err != nil {
			return nil, fmt.Errorf("document %s: %w", d.ID, err)
		}
		prog.Add(d.SizeBytes)
	}
	for _, l := range m.ShareLinks {
		sl := &model.ShareLink{ID: l.ID, DocumentID: l.DocumentID, TokenHash: l.TokenHash, PasswordHash: l.PasswordHash,
			ExpiresAt: l.ExpiresAt, MaxDownloads: l.MaxDownloads, DownloadCount: l.DownloadCount, CreatedBy: l.CreatedBy,
			CreatedAt: l.CreatedAt, RevokedAt: l.RevokedAt}
		if err := skip(st.CreateShareLink(ctx, sl)); err != nil {
			return nil, fmt.Errorf("share link %s: %w", l.ID, err)
		}
	}
	for _, a := range m.Audit {
		e := &model.AuditEntry{ID: a.ID, At: a.At, ActorID: a.ActorID, Action: a.Action, TargetType: a.TargetType,
			TargetID: a.TargetID, IP: a.IP, UserAgent: a.UserAgent, Details: a.Details}
		if err := skip(st.AppendAudit(ctx, e)); err != nil {
			return nil, fmt.Errorf("audit %s: %w", a.ID, err)
		}
	}
	return m, nil
}

// insidePath resolves rel under dir, refusing paths that leave it.
func insidePath(dir, rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("backup: path %q leaves the backup folder", rel)
	}
	return filepath.Join(dir, clean), nil
}

func readInside(dir, rel string) ([]byte, error) {
	p, err := insidePath(dir, rel)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// putVerified streams a backup file into the blob store and removes it
// again when its SHA-256 is not the recorded one.
func putVerified(ctx context.Context, blobs blob.Store, dir, rel, key, sum, contentType string) error {
	p, err := insidePath(dir, rel)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := blobs.Put(ctx, key, io.TeeReader(f, h), st.Size(), contentType); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		_ = blobs.Delete(ctx, key)
		return fmt.Errorf("%w: %s has SHA-256 %s, the manifest says %s", ErrChecksum, rel, got, sum)
	}
	return nil
}
