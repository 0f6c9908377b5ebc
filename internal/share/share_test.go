package share_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/share"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// opener serves every document as the same bytes.
type opener struct{ content string }

func (o opener) Open(ctx context.Context, ownerID, id string, _ *blob.Range) (io.ReadCloser, *model.Document, error) {
	return io.NopCloser(strings.NewReader(o.content)), &model.Document{ID: id, OwnerID: ownerID, OriginalFilename: "f.txt",
		MIMEType: "text/plain", SizeBytes: int64(len(o.content))}, nil
}

// plain stores passwords as they are; the real hashing is auth's.
type plain struct{}

func (plain) HashLinkPassword(_ context.Context, pw string) (string, error) {
	return "plain:" + pw, nil
}
func (plain) CheckLinkPassword(_ context.Context, _, _, pw, enc string) error {
	if "plain:"+pw != enc {
		return errors.New("wrong")
	}
	return nil
}

// A download counts once its bytes were all sent: a transfer cut short
// gives its download back, so a one-download link still works; the
// complete one uses it up and is audited.
func TestTransferCountsCompletedDownloads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "a@x.test", PasswordHash: "h", DisplayName: "Ann"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		content := "twelve bytes"
		d := &model.Document{OwnerID: u.ID, Title: "t", OriginalFilename: "f.txt", MIMEType: "text/plain",
			SizeBytes: int64(len(content)), SHA256: strings.Repeat("0", 64), BlobKey: "k"}
		if err := st.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		svc := share.New(st, opener{content}, plain{}, nil, share.Config{FrontendURL: "https://vault.test/"})
		one := 1
		l, u2, err := svc.Create(ctx, document.Actor{UserID: u.ID, IP: "192.0.2.1"}, d.ID, share.CreateInput{MaxDownloads: &one})
		if err != nil {
			t.Fatal(err)
		}
		token, ok := strings.CutPrefix(u2, "https://vault.test/s/")
		if !ok || l.CreatorName != "Ann" {
			t.Fatalf("url %q, link %+v", u2, l)
		}
		c := share.Client{IP: "198.51.100.9", UserAgent: "test"}
		for _, cut := range []struct {
			sent int64
			err  error
		}{{5, errors.New("connection reset")}, {5, nil}, {int64(len(content)), errors.New("flush failed")}} {
			link, err := svc.Authorize(ctx, token, "", c)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := svc.Start(ctx, link, c)
			if err != nil {
				t.Fatal(err)
			}
			// While sending, the download is reserved: a second one is refused.
			if _, err := svc.Start(ctx, link, c); !errors.Is(err, share.ErrGone) {
				t.Fatalf("second start during a transfer: %v", err)
			}
			tr.Finish(ctx, cut.sent, cut.err)
		}
		link, err := svc.Authorize(ctx, token, "", c)
		if err != nil {
			t.Fatalf("after cut transfers: %v", err)
		}
		tr, err := svc.Start(ctx, link, c)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr.Body)
		tr.Finish(ctx, int64(len(b)), nil)
		if _, err := svc.Resolve(ctx, token); !errors.Is(err, share.ErrGone) {
			t.Fatalf("used-up link resolves: %v", err)
		}
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: "link.download"}, store.Page{})
		if len(entries) != 1 || entries[0].IP != "198.51.100.9" || entries[0].ActorID != "" {
			t.Fatalf("audit %+v", entries)
		}
		// Expiry: in the past is refused, in a second it works, after it not.
		past := time.Now().Add(-time.Second)
		if _, _, err := svc.Create(ctx, document.Actor{UserID: u.ID}, d.ID, share.CreateInput{ExpiresAt: &past}); err == nil {
			t.Fatal("a link expiring in the past was created")
		}
		soon := time.Now().Add(1500 * time.Millisecond)
		_, u3, err := svc.Create(ctx, document.Actor{UserID: u.ID}, d.ID, share.CreateInput{ExpiresAt: &soon})
		if err != nil {
			t.Fatal(err)
		}
		tok3 := strings.TrimPrefix(u3, "https://vault.test/s/")
		if _, err := svc.Resolve(ctx, tok3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(soon) + 50*time.Millisecond)
		if _, err := svc.Resolve(ctx, tok3); !errors.Is(err, share.ErrGone) {
			t.Fatalf("expired link resolves: %v", err)
		}
		// Another user's document is not found.
		v := &model.User{Email: "v@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, v); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Create(ctx, document.Actor{UserID: v.ID}, d.ID, share.CreateInput{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user's document: %v", err)
		}
		if err := svc.Revoke(ctx, document.Actor{UserID: v.ID}, l.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another user revokes: %v", err)
		}
	})
}
