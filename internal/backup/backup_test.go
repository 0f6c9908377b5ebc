package backup_test

import (
	"bytes"
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
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/backup"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// seed fills a store with two users, topics, documents (one trashed), texts
// and audit entries, through the same store calls the application makes.
func seed(t *testing.T, st *store.Store, blobs blob.Store) {
	t.Helper()
	ctx := context.Background()
	for i, email := range []string{"alice@x.test", "bob@x.test"} {
		u := &model.User{Email: email, PasswordHash: "argon2id$hash", DisplayName: "User " + email, QuotaBytes: int64(i) * 1_000_000}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		topic := &model.Topic{OwnerID: u.ID, Name: "Invoices", Color: "#112233"}
		if err := st.CreateTopic(ctx, topic); err != nil {
			t.Fatal(err)
		}
		corr := &model.Label{SpaceID: u.ID, Name: "Acme " + email}
		typ := &model.Label{SpaceID: u.ID, Name: "Bill"}
		field := &model.CustomField{SpaceID: u.ID, Name: "Kind", Type: "select", Options: []string{"a", "b"}}
		amount := 12.5
		if err := st.CreateLabel(ctx, model.Correspondents, corr); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateLabel(ctx, model.DocumentTypes, typ); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateField(ctx, field); err != nil {
			t.Fatal(err)
		}
		money := &model.CustomField{SpaceID: u.ID, Name: "Amount", Type: "monetary"}
		if err := st.CreateField(ctx, money); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateView(ctx, &model.SavedView{SpaceID: u.ID, CreatedBy: u.ID, Name: "Bills", Query: `{"q":"type:bill"}`, Sort: "-document_date"}); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			content := []byte(fmt.Sprintf("document %d of %s\n%s", j, email, strings.Repeat("x", j*1000)))
			sum := sha256.Sum256(content)
			d := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: fmt.Sprintf("Doc %d", j), OriginalFilename: "f.txt",
				MIMEType: "text/plain", SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
			d.BlobKey = u.ID + "/" + d.ID + "/blob.txt"
			if _, err := blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), int64(len(content)), ""); err != nil {
				t.Fatal(err)
			}
			err := st.WithTx(ctx, func(tx *store.Store) error {
				if err := tx.ChargeUsage(ctx, u.ID, d.SizeBytes, 1); err != nil {
					return err
				}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				if err := tx.SetUserTopics(ctx, u.ID, d.ID, []string{topic.ID}); err != nil {
					return err
				}
				if j == 1 {
					return nil
				}
				one := []string{d.ID}
				if err := tx.SetDocumentsLabel(ctx, model.Correspondents, one, corr.ID); err != nil {
					return err
				}
				if err := tx.SetDocumentsLabel(ctx, model.DocumentTypes, one, typ.ID); err != nil {
					return err
				}
				if err := tx.SetDocumentsDate(ctx, one, fmt.Sprintf("2024-03-0%d", j+1)); err != nil {
					return err
				}
				if err := tx.SetDocumentsField(ctx, one, field.ID, &model.FieldValue{Value: "b"}); err != nil {
					return err
				}
				return tx.SetDocumentsField(ctx, one, money.ID, &model.FieldValue{Value: "EUR12.50", Num: &amount})
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: string(content), PageCount: 1, Language: "en", TextTruncated: j == 1}); err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				if err := st.CreateNote(ctx, &model.Note{DocumentID: d.ID, AuthorID: u.ID, Body: "zebrafinch note\nof " + email}); err != nil {
					t.Fatal(err)
				}
				// A share link with every setting, and a revoked one.
				exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
				two := 2
				revoked := time.Now().UTC().Truncate(time.Microsecond)
				for _, l := range []*model.ShareLink{
					{DocumentID: d.ID, CreatedBy: u.ID, TokenHash: "live-" + u.ID, PasswordHash: "$argon2id$x", ExpiresAt: &exp,
						MaxDownloads: &two, DownloadCount: 1},
					{DocumentID: d.ID, CreatedBy: u.ID, TokenHash: "revoked-" + u.ID, RevokedAt: &revoked},
				} {
					if err := st.CreateShareLink(ctx, l); err != nil {
						t.Fatal(err)
					}
				}
			}
			if j == 2 {
				if err := st.TrashDocument(ctx, u.ID, d.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := st.AppendAudit(ctx, &model.AuditEntry{ActorID: u.ID, Action: "auth.login", IP: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
	}
	// A shared space of Alice's with Bob as editor, its own topic (named
	// like Alice's personal one) and a document Bob added there.
	alice, _ := st.UserByEmail(ctx, "alice@x.test")
	bob, _ := st.UserByEmail(ctx, "bob@x.test")
	sp := &model.Space{Name: "Household", OwnerID: alice.ID}
	if err := st.CreateSpace(ctx, sp); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddSpaceMember(ctx, sp.ID, bob.ID, model.RoleEditor); err != nil {
		t.Fatal(err)
	}
	topic := &model.Topic{SpaceID: sp.ID, Name: "Invoices"}
	if err := st.CreateTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	content := []byte("the shared lease")
	sum := sha256.Sum256(content)
	d := &model.Document{ID: store.NewID(), OwnerID: alice.ID, SpaceID: sp.ID, CreatedBy: bob.ID, Title: "Lease",
		OriginalFilename: "lease.txt", MIMEType: "text/plain", SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	d.BlobKey = alice.ID + "/" + d.ID + "/blob.txt"
	if _, err := blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), int64(len(content)), ""); err != nil {
		t.Fatal(err)
	}
	if err := st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.ChargeUsage(ctx, alice.ID, d.SizeBytes, 1); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		return tx.SetUserTopics(ctx, sp.ID, d.ID, []string{topic.ID})
	}); err != nil {
		t.Fatal(err)
	}
}

func localBlobs(t *testing.T) blob.Store {
	b, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type snapshot struct {
	users, topics, docs, audit, spaces, meta, links []string
	blobs                                           map[string]string
}

func snap(t *testing.T, st *store.Store, blobs blob.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	s.blobs = map[string]string{}
	users, _, _ := st.ListUsers(ctx, store.Page{Limit: 200})
	for _, u := range users {
		s.users = append(s.users, fmt.Sprintf("%s %s %s %s %v %d %d %d %s", u.ID, u.Email, u.DisplayName, u.PasswordHash, u.Disabled,
			u.QuotaBytes, u.UsedBytes, u.DocumentCount, u.CreatedAt.Format("2006-01-02T15:04:05.000000")))
		for _, k := range []model.LabelKind{model.Correspondents, model.DocumentTypes} {
			ls, _ := st.ListLabels(ctx, k, []string{u.ID})
			for _, l := range ls {
				s.meta = append(s.meta, fmt.Sprintf("label %s %s %s %d", l.ID, l.SpaceID, l.Name, l.DocumentCount))
			}
		}
		fs, _ := st.ListFields(ctx, []string{u.ID})
		for _, f := range fs {
			s.meta = append(s.meta, fmt.Sprintf("field %s %s %s %s %v", f.ID, f.SpaceID, f.Name, f.Type, f.Options))
		}
		vs, _ := st.ListViews(ctx, []string{u.ID})
		for _, v := range vs {
			s.meta = append(s.meta, fmt.Sprintf("view %s %s %s %s %s", v.ID, v.SpaceID, v.Name, v.Query, v.Sort))
		}
	}
	sps, _ := st.AllSpaces(ctx)
	for _, sp := range sps {
		members, _ := st.SpaceMembers(ctx, sp.ID)
		line := fmt.Sprintf("%s %s %s %s %s", sp.ID, sp.Name, sp.Kind, sp.OwnerID, sp.CreatedAt.Format("2006-01-02T15:04:05.000000"))
		for _, m := range members {
			line += fmt.Sprintf(" %s:%s:%s", m.UserID, m.Role, m.AddedAt.Format("2006-01-02T15:04:05.000000"))
		}
		s.spaces = append(s.spaces, line)
		ts, _ := st.ListTopics(ctx, sp.ID)
		for _, tp := range ts {
			s.topics = append(s.topics, fmt.Sprintf("%s %s %s %s %s %d", tp.ID, tp.OwnerID, tp.SpaceID, tp.Name, tp.Color, tp.DocumentCount))
		}
	}
	_ = st.AllDocuments(ctx, func(d *model.Document) error {
		text, _ := st.RawDocumentText(ctx, d.ID)
		topics := ""
		for _, tp := range d.Topics {
			topics += tp.TopicID + ":" + tp.Source + ","
		}
		notes := ""
		_ = st.AllNotes(ctx, d.ID, func(n *model.Note) error {
			notes += fmt.Sprintf("%s:%s:%q:%s,", n.ID, n.AuthorID, n.Body, n.CreatedAt.Format("2006-01-02T15:04:05.000000"))
			return nil
		})
		fields := ""
		for _, v := range d.Fields {
			fields += v.FieldID + "=" + v.Value + ","
			if v.Num != nil {
				fields += fmt.Sprint(*v.Num) + ","
			}
		}
		s.docs = append(s.docs, fmt.Sprintf("%s %s %s %s %s %s %s %d %s %s %v %s %s %d %s | %s %s %s %s %s | truncated %v", d.ID, d.OwnerID, d.SpaceID, d.CreatedBy, d.CreatedByName, d.Title, d.Status, d.SizeBytes,
			d.SHA256, topics, d.DeletedAt != nil, d.Language, d.CreatedAt.Format("2006-01-02T15:04:05.000000"), len(text), notes,
			d.DocumentDate, d.DocumentDateSource, d.CorrespondentName, d.DocumentTypeName, fields, d.TextTruncated))
		rc, _, err := blobs.Get(ctx, d.BlobKey, nil)
		if err != nil {
			t.Errorf("blob of %s: %v", d.ID, err)
			return nil
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha256.Sum256(b)
		s.blobs[d.BlobKey] = hex.EncodeToString(sum[:])
		return nil
	})
	_ = st.AllShareLinks(ctx, func(l *model.ShareLink) error {
		s.links = append(s.links, fmt.Sprintf("%s %s %s %s %v %v %d %s %s %v", l.ID, l.DocumentID, l.TokenHash, l.PasswordHash,
			l.ExpiresAt, maxOr(l.MaxDownloads), l.DownloadCount, l.CreatedBy, l.CreatedAt.Format("2006-01-02T15:04:05.000000"), l.RevokedAt))
		return nil
	})
	_ = st.AllAudit(ctx, func(e *model.AuditEntry) error {
		s.audit = append(s.audit, fmt.Sprintf("%s %s %s %s", e.ID, e.ActorID, e.Action, e.IP))
		return nil
	})
	return s
}

func TestExportImportRoundTripAcrossDatabases(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, store.SQLite)
	srcBlobs := localBlobs(t)
	seed(t, src, srcBlobs)
	dir := filepath.Join(t.TempDir(), "backup")
	var progress bytes.Buffer
	m, err := backup.Export(ctx, src, srcBlobs, dir, backup.ExportOptions{AppVersion: "test", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ShareLinks) != 4 {
		t.Fatalf("manifest share links: %+v", m.ShareLinks)
	}
	if len(m.Correspondents) != 2 || len(m.DocumentTypes) != 2 || len(m.CustomFields) != 4 || len(m.Views) != 2 {
		t.Fatalf("manifest metadata: %d correspondents %d types %d fields %d views", len(m.Correspondents), len(m.DocumentTypes), len(m.CustomFields), len(m.Views))
	}
	if len(m.Users) != 2 || len(m.Documents) != 7 || len(m.Spaces) != 3 || len(m.Audit) != 2 || !strings.Contains(progress.String(), "7/7") {
		t.Fatalf("manifest: %d users %d docs %d audit; progress %q", len(m.Users), len(m.Documents), len(m.Audit), progress.String())
	}
	// Exporting again resumes: the files are verified and kept.
	if _, err := backup.Export(ctx, src, srcBlobs, dir, backup.ExportOptions{AppVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	want := snap(t, src, srcBlobs)
	if len(want.meta) != 10 || !strings.Contains(fmt.Sprint(want.docs), "truncated true") || !strings.Contains(fmt.Sprint(want.docs), "2024-03-01 user Acme alice@x.test Bill") || !strings.Contains(fmt.Sprint(want.docs), "=EUR12.50,12.5,") {
		t.Fatalf("the seed has no metadata to compare: %v %v", want.meta, want.docs)
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run("into "+string(d), func(t *testing.T) {
			dst := storetest.Open(t, d)
			dstBlobs := localBlobs(t)
			if _, err := backup.Import(ctx, dst, dstBlobs, dir, false, nil); err != nil {
				t.Fatal(err)
			}
			got := snap(t, dst, dstBlobs)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("round trip differs:\n got  %v\n want %v", got, want)
			}
			if !strings.Contains(fmt.Sprint(got.docs), "zebrafinch") {
				t.Fatal("the notes did not come along")
			}
			// The imported notes are searchable.
			users, _, _ := dst.ListUsers(ctx, store.Page{})
			q := store.SearchQuery{FTS5: `"zebrafinch"`, TSQuery: "zebrafinch"}
			for _, u := range users {
				if hits, _, err := dst.SearchDocuments(ctx, u.ID, q, store.DocumentFilter{}, store.Page{}); err != nil || len(hits) != 1 {
					t.Fatalf("search for a note's word as %s: %d hits, %v", u.Email, len(hits), err)
				}
			}
			if _, err := backup.Import(ctx, dst, dstBlobs, dir, false, nil); !errors.Is(err, backup.ErrNotEmpty) {
				t.Fatalf("second import: %v", err)
			}
			if _, err := backup.Import(ctx, dst, dstBlobs, dir, true, nil); err != nil {
				t.Fatalf("resumed import over a complete one: %v", err)
			}
			if again := snap(t, dst, dstBlobs); fmt.Sprint(again) != fmt.Sprint(want) {
				t.Fatal("resume changed the data")
			}
		})
	}
}

func TestImportRefusesTamperedFiles(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, store.SQLite)
	srcBlobs := localBlobs(t)
	seed(t, src, srcBlobs)
	dir := t.TempDir()
	m, err := backup.Export(ctx, src, srcBlobs, dir, backup.ExportOptions{AppVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, m.Documents[1].Blob)
	b, _ := os.ReadFile(victim)
	b[0] ^= 0xff
	if err := os.WriteFile(victim, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Open(t, store.SQLite)
	if _, err := backup.Import(ctx, dst, localBlobs(t), dir, false, nil); !errors.Is(err, backup.ErrChecksum) {
		t.Fatalf("tampered blob: %v", err)
	}
	// A manifest that points outside the backup is refused.
	b[0] ^= 0xff
	_ = os.WriteFile(victim, b, 0o600)
	m.Documents[0].Text = "../../../etc/hostname"
	mb, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Import(ctx, storetest.Open(t, store.SQLite), localBlobs(t), dir, false, nil); err == nil || !strings.Contains(err.Error(), "leaves the backup folder") {
		t.Fatalf("path outside the backup: %v", err)
	}
	if _, err := backup.ReadManifest(t.TempDir()); err == nil {
		t.Fatal("a folder without manifest must be refused")
	}
}

func maxOr(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}
