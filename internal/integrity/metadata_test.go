package integrity_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/integrity"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// A document referring to another space's correspondent, or linking to a
// document that is gone, is found and, with Repair, cleared.
func TestCheckClearsForeignMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "b"))
		a := &model.User{Email: "a@x.test", PasswordHash: "h"}
		b := &model.User{Email: "b@x.test", PasswordHash: "h"}
		for _, u := range []*model.User{a, b} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		d := &model.Document{OwnerID: a.ID, Title: "t", OriginalFilename: "f", MIMEType: "text/plain", SHA256: strings.Repeat("0", 64), BlobKey: "k"}
		if err := st.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		theirs := &model.Label{SpaceID: b.ID, Name: "Theirs"}
		mine := &model.Label{SpaceID: a.ID, Name: "Mine"}
		link := &model.CustomField{SpaceID: a.ID, Name: "See also", Type: "document_link"}
		if err := st.CreateLabel(ctx, model.Correspondents, theirs); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateLabel(ctx, model.DocumentTypes, mine); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateField(ctx, link); err != nil {
			t.Fatal(err)
		}
		one := []string{d.ID}
		for _, err := range []error{
			st.SetDocumentsLabel(ctx, model.Correspondents, one, theirs.ID),
			st.SetDocumentsLabel(ctx, model.DocumentTypes, one, mine.ID),
			st.SetDocumentsField(ctx, one, link.ID, &model.FieldValue{Value: store.NewID()}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		opts := integrity.Options{Quick: true, OrphanGrace: time.Hour}
		r, err := integrity.Run(ctx, st, blobs, opts)
		if err != nil || len(r.ForeignMetadata) != 2 {
			t.Fatalf("found %v %v", r.ForeignMetadata, err)
		}
		opts.Repair = true
		if _, err := integrity.Run(ctx, st, blobs, opts); err != nil {
			t.Fatal(err)
		}
		if r, err := integrity.Run(ctx, st, blobs, integrity.Options{Quick: true, OrphanGrace: time.Hour}); err != nil || len(r.ForeignMetadata) != 0 {
			t.Fatalf("after repair: %v %v", r.ForeignMetadata, err)
		}
		got, err := st.Document(ctx, a.ID, d.ID)
		if err != nil || got.CorrespondentID != "" || got.DocumentTypeID != mine.ID || len(got.Fields) != 0 {
			t.Fatalf("after repair: %+v %v", got, err)
		}
	})
}
