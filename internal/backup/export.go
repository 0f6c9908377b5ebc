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
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Remote reads the original of a document that lives in its owner's cloud
// drive (storage_state "placed"); the cloud service implements it.
type Remote interface {
	OpenRemote(ctx context.Context, d *model.Document) (io.ReadCloser, error)
}

// ExportOptions tune Export.
type ExportOptions struct {
	AppVersion string
	Progress   io.Writer // progress lines or bar; nil: none
	// Remote reads originals placed in users' cloud drives. Without it, an
	// instance with placed documents cannot be exported (ErrUnreachable).
	Remote Remote
	// SkipUnreachable leaves out, instead of failing on, documents whose
	// drive cannot be read; they are listed in Manifest.Skipped.
	SkipUnreachable bool
	// Instance names the exporting instance (config.InstanceID). The
	// folder must be empty or an earlier export of the same instance.
	Instance string
}

// ErrUnreachable is returned when a document's original lives in a cloud
// drive that cannot be read, and the export was not told to skip it.
var ErrUnreachable = errors.New("backup: the original is in a cloud drive that cannot be read")

// Export writes a complete backup into dir: every original, wherever it
// lives (documents placed in a user's cloud drive are read from the drive
// and verified against their SHA-256; the backup holds the bytes, so an
// import brings them back into system storage). Files already there from
// an interrupted export are verified and kept, so running it again resumes.
// The manifest is written last: a backup without manifest.json is
// incomplete. A placed document whose drive cannot be read stops the export
// with an error naming it (wrapping ErrUnreachable) unless
// o.SkipUnreachable is set. A folder that is neither empty nor an earlier
// export of o.Instance is refused with ErrTargetInUse before anything is
// written.
func Export(ctx context.Context, st *store.Store, blobs blob.Store, dir string, o ExportOptions) (*Manifest, error) {
	appVersion, progress := o.AppVersion, o.Progress
	if err := claimTarget(dir, o.Instance); err != nil {
		return nil, err
	}
	for _, sub := range []string{"blobs", "texts", "thumbnails"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
	}
	schema, err := st.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, Version: Version, CreatedAt: time.Now().UTC(),
		Source: Source{Database: string(st.Dialect()), SchemaVersion: schema, AppVersion: appVersion},
		Users:  []User{}, Topics: []Topic{}, Documents: []Document{}, Audit: []AuditLine{}}
	cursor := ""
	for {
		users, next, err := st.ListUsers(ctx, store.Page{Limit: store.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			m.Users = append(m.Users, userToBackup(u))
		}
		if next == "" {
			break
		}
		cursor = next
	}
	spaces, err := st.AllSpaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, sp := range spaces {
		bs := Space{ID: sp.ID, Name: sp.Name, Kind: sp.Kind, OwnerID: sp.OwnerID, StorageBackend: sp.StorageBackend,
			CreatedAt: sp.CreatedAt, Members: []SpaceMember{}}
		members, err := st.SpaceMembers(ctx, sp.ID)
		if err != nil {
			return nil, err
		}
		for _, mb := range members {
			bs.Members = append(bs.Members, SpaceMember{UserID: mb.UserID, Role: mb.Role.String(), AddedAt: mb.AddedAt})
		}
		m.Spaces = append(m.Spaces, bs)
		topics, err := st.ListTopics(ctx, sp.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range topics {
			m.Topics = append(m.Topics, Topic{ID: t.ID, OwnerID: t.OwnerID, SpaceID: t.SpaceID, Name: t.Name, Description: t.Description,
				Color: t.Color, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt})
		}
	}
	if err := exportMetadata(ctx, st, m); err != nil {
		return nil, err
	}
	var docs []*model.Document
	if err := st.AllDocuments(ctx, func(d *model.Document) error { docs = append(docs, d); return nil }); err != nil {
		return nil, err
	}
	prog := NewProgress(progress, "exported", len(docs))
	for _, d := range docs {
		bd := exportDocument(d)
		err := st.AllNotes(ctx, d.ID, func(n *model.Note) error {
			bd.UserNotes = append(bd.UserNotes, Note{ID: n.ID, AuthorID: n.AuthorID, Body: n.Body, CreatedAt: n.CreatedAt})
			return nil
		})
		if err != nil {
			return nil, err
		}
		if d.StorageState != model.StoragePlaced {
			err := copyBlob(ctx, blobs, d.BlobKey, filepath.Join(dir, bd.Blob), d.SHA256, d.SizeBytes)
			if errors.Is(err, blob.ErrNotFound) {
				// Placed in a drive (its system copy removed) since the
				// list was read, while a server runs: read it from there.
				if now, nerr := st.DocumentForJob(ctx, d.ID); nerr == nil && now.StorageState == model.StoragePlaced {
					d = now
					err = nil
				}
			}
			if err != nil {
				return nil, fmt.Errorf("document %s: %w", d.ID, err)
			}
		}
		if d.StorageState == model.StoragePlaced {
			bd.PlacedIn = d.StorageBackend
			err := copyPlaced(ctx, blobs, o.Remote, d, filepath.Join(dir, bd.Blob))
			if errors.Is(err, ErrUnreachable) && o.SkipUnreachable {
				m.Skipped = append(m.Skipped, Skipped{DocumentID: d.ID, OwnerID: d.OwnerID, Title: d.Title, Reason: err.Error()})
				prog.Add(0)
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		if d.ThumbnailKey != "" {
			bd.Thumbnail, bd.ThumbnailKey = "thumbnails/"+d.ID+".png", d.ThumbnailKey
			sum, err := copyBlobHash(ctx, blobs, d.ThumbnailKey, filepath.Join(dir, bd.Thumbnail))
			if err != nil {
				return nil, fmt.Errorf("document %s thumbnail: %w", d.ID, err)
			}
			bd.ThumbnailSHA256 = sum
		}
		text, err := st.RawDocumentText(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(filepath.Join(dir, bd.Text), []byte(text)); err != nil {
			return nil, err
		}
		m.Documents = append(m.Documents, bd)
		prog.Add(d.SizeBytes)
	}
	exported := make(map[string]bool, len(m.Documents))
	for _, d := range m.Documents {
		exported[d.ID] = true
	}
	err = st.AllShareLinks(ctx, func(l *model.ShareLink) error {
		if exported[l.DocumentID] {
			m.ShareLinks = append(m.ShareLinks, ShareLink{ID: l.ID, DocumentID: l.DocumentID, TokenHash: l.TokenHash,
				PasswordHash: l.PasswordHash, ExpiresAt: l.ExpiresAt, MaxDownloads: l.MaxDownloads, DownloadCount: l.DownloadCount,
				CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, RevokedAt: l.RevokedAt})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = st.AllAudit(ctx, func(e *model.AuditEntry) error {
		m.Audit = append(m.Audit, AuditLine{ID: e.ID, At: e.At, ActorID: e.ActorID, Action: e.Action, TargetType: e.TargetType,
			TargetID: e.TargetID, IP: e.IP, UserAgent: e.UserAgent, Details: e.Details})
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, "manifest.json"), b); err != nil {
		return nil, err
	}
	return m, nil
}

// copyPlaced writes the original of a document placed in a cloud drive to
// path (unless path already holds it), read through remote and verified
// against the recorded SHA-256. A system copy that is still there (its
// removal after placement failed) is used when the drive cannot be read.
func copyPlaced(ctx context.Context, blobs blob.Store, remote Remote, d *model.Document, path string) error {
	if ok, _ := fileMatches(path, d.SHA256, d.SizeBytes); ok {
		return nil
	}
	var rerr error
	if remote == nil {
		rerr = errors.New("this command cannot reach cloud drives")
	} else if rc, err := remote.OpenRemote(ctx, d); err != nil {
		rerr = err
	} else {
		got, err := writeHashed(rc, path)
		rc.Close()
		switch {
		case err != nil:
			rerr = err
		case got != d.SHA256:
			os.Remove(path)
			return fmt.Errorf("document %s (%q): %w: the copy in cloud drive %s has SHA-256 %s, the database says %s",
				d.ID, d.Title, ErrChecksum, d.StorageBackend, got, d.SHA256)
		default:
			return nil
		}
	}
	if errors.Is(rerr, context.Canceled) {
		return rerr
	}
	if err := copyBlob(ctx, blobs, d.BlobKey, path, d.SHA256, d.SizeBytes); err == nil {
		return nil
	}
	return fmt.Errorf("document %s (%q, owner %s) lives in cloud drive %s: %w: %w",
		d.ID, d.Title, d.OwnerID, d.StorageBackend, ErrUnreachable, rerr)
}

// copyBlob writes key to path unless path already holds the right bytes.
func copyBlob(ctx context.Context, blobs blob.Store, key, path, sum string, size int64) error {
	if ok, _ := fileMatches(path, sum, size); ok {
		return nil
	}
	got, err := copyBlobHash(ctx, blobs, key, path)
	if err != nil {
		return err
	}
	if got != sum {
		os.Remove(path)
		return fmt.Errorf("%w: stored object %s has SHA-256 %s, the database says %s", ErrChecksum, key, got, sum)
	}
	return nil
}

func copyBlobHash(ctx context.Context, blobs blob.Store, key, path string) (string, error) {
	rc, _, err := blobs.Get(ctx, key, nil)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	return writeHashed(rc, path)
}

// writeHashed writes r to path (through path.part, synced) and returns its
// SHA-256.
func writeHashed(rc io.Reader, path string) (string, error) {
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), rc); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), os.Rename(tmp, path)
}

// fileMatches reports whether path has the given size and SHA-256.
func fileMatches(path, sum string, size int64) (bool, error) {
	st, err := os.Stat(path)
	if err != nil || st.Size() != size {
		return false, err
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".part"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err == nil {
		_ = f.Sync()
		f.Close()
	}
	return os.Rename(tmp, path)
}
