package mailin

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/mailin/imaptest"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

type noJobs struct{}

func (noJobs) EnqueueProcess(context.Context, *store.Store, string, bool) error { return nil }
func (noJobs) EnqueueClassify(context.Context, *store.Store, string) error      { return nil }
func (noJobs) EnqueuePoll(context.Context, string) error                        { return nil }

type env struct {
	s     *Service
	st    *store.Store
	blobs *blob.Local
	srv   *imaptest.Server
	actor Actor
	topic string
}

func newEnv(t *testing.T, st *store.Store, allow []string, trustCA bool) *env {
	t.Helper()
	ctx := context.Background()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := document.New(st, blobs, noJobs{}, nil, document.Config{MaxUploadBytes: 1 << 20, SecretKey: strings.Repeat("k", 32)})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]byte(strings.Repeat("m", 32)))
	if err != nil {
		t.Fatal(err)
	}
	guard, err := ssrf.New(allow)
	if err != nil {
		t.Fatal(err)
	}
	srv := imaptest.Start(t)
	cfg := Config{}
	if trustCA {
		cfg.ExtraCAs = srv.CAPEM
	}
	s, err := New(st, docs, sealer, guard, noJobs{}, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	u := &model.User{Email: storetest.Name("u") + "@x.test", PasswordHash: "h"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tp := &model.Topic{OwnerID: u.ID, Name: "Invoices"}
	if err := st.CreateTopic(ctx, tp); err != nil {
		t.Fatal(err)
	}
	return &env{s: s, st: st, blobs: blobs, srv: srv, actor: Actor{UserID: u.ID}, topic: tp.ID}
}

func ptr[T any](v T) *T { return &v }

func (e *env) account(t *testing.T, security string) *model.MailAccount {
	t.Helper()
	port := e.srv.TLSPort
	if security == "starttls" {
		port = e.srv.StartTLSPort
	}
	acc, err := e.s.CreateAccount(context.Background(), e.actor, AccountInput{Host: ptr(e.srv.Host), Port: ptr(port),
		Security: ptr(security), Username: ptr(e.srv.User), Password: ptr(e.srv.Pass)})
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func (e *env) billingRule(t *testing.T, acc *model.MailAccount, after string) *model.MailRule {
	t.Helper()
	in := RuleInput{AccountID: &acc.ID, Name: ptr("invoices"), Folder: ptr("INBOX"), From: ptr("BILLING@"),
		Consume: ptr("attachments"), After: ptr(after), TopicIDs: &[]string{e.topic}}
	if after == "move" {
		in.MoveTo = ptr("Archive")
	}
	r, err := e.s.CreateRule(context.Background(), e.actor.UserID, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) mailDocs(t *testing.T) []*model.Document {
	t.Helper()
	docs, _, err := e.st.ListDocuments(context.Background(), e.actor.UserID, store.DocumentFilter{Source: model.SourceMail}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// A mailbox, a rule "attachments from billing@ into Invoices, then move
// to Archive", a message with two PDFs: two documents with the topic and
// their source, the message in Archive, other mail left alone, and a second
// poll imports nothing.
func TestPollImportsAttachmentsOnceAndMoves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, []string{"127.0.0.1"}, true)
		acc := e.account(t, "tls")
		e.billingRule(t, acc, "move")
		e.srv.Deliver(t, "INBOX", imaptest.Invoice("inv1"))
		e.srv.Deliver(t, "INBOX", imaptest.Plain("friend@example.org", "hello"))

		res, err := e.s.Poll(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Documents != 2 || res.Messages != 1 || len(res.Failed) != 0 {
			t.Fatalf("poll = %+v", res)
		}
		docs := e.mailDocs(t)
		if len(docs) != 2 {
			t.Fatalf("documents from mail = %d, want 2", len(docs))
		}
		names := map[string]bool{}
		for _, d := range docs {
			names[d.OriginalFilename] = true
			if len(d.Topics) != 1 || d.Topics[0].TopicID != e.topic {
				t.Errorf("%s topics = %+v", d.OriginalFilename, d.Topics)
			}
			if d.SourceKind != model.SourceMail || !strings.Contains(d.SourceDetail, `"from":"billing@shop.example"`) ||
				!strings.Contains(d.SourceDetail, `"message_id":"inv1@shop.example"`) {
				t.Errorf("source = %s %s", d.SourceKind, d.SourceDetail)
			}
		}
		if !names["invoice-inv1.pdf"] || !names["Rechnung-ü-inv1.pdf"] {
			t.Errorf("file names = %v (RFC 2231 decoded?)", names)
		}
		inbox, archive := e.srv.Messages(t, "INBOX"), e.srv.Messages(t, "Archive")
		if len(inbox) != 1 || inbox[0].Subject != "hello" || inbox[0].Seen() || len(inbox[0].Flags) != 0 {
			t.Errorf("INBOX = %+v, want the other message untouched", inbox)
		}
		if len(archive) != 1 || archive[0].Subject != "inv1" {
			t.Errorf("Archive = %+v", archive)
		}
		if res, err := e.s.Poll(ctx, acc.ID); err != nil || res.Documents != 0 {
			t.Fatalf("second poll = %+v, %v", res, err)
		}
		a, err := st.MailAccount(ctx, e.actor.UserID, acc.ID)
		if err != nil || a.LastPollAt == nil || a.LastError != "" || a.LastPollResult == "" {
			t.Errorf("account after poll = %+v, %v", a, err)
		}
		if n := len(e.mailDocs(t)); n != 2 {
			t.Errorf("documents after second poll = %d", n)
		}
		if err := e.s.DeleteAccount(ctx, e.actor, acc.ID); err != nil {
			t.Fatal(err)
		}
		for action, want := range map[string]int{"mail.account_add": 1, "mail.consume": 2, "mail.account_remove": 1} {
			got, _, err := st.ListAudit(ctx, store.AuditFilter{ActorID: e.actor.UserID, Action: action}, store.Page{Limit: 10})
			if err != nil || len(got) != want {
				t.Errorf("audit %s: %d entries, want %d (%v)", action, len(got), want, err)
			}
		}
		if n := len(e.mailDocs(t)); n != 2 {
			t.Errorf("documents after removing the account = %d", n)
		}
	})
}

var errCrash = errors.New("simulated crash")

// A poll that dies at any point (after the blob is written, after a
// document committed, before or after the after-action) and is rerun
// leaves every attachment imported exactly once.
func TestPollCrashAnywhereIsExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, after := range []string{"move", "mark_read"} {
			for _, point := range []string{"staged", "committed", "before-after", "before-done"} {
				t.Run(after+"/"+point, func(t *testing.T) {
					ctx := context.Background()
					e := newEnv(t, st, []string{"127.0.0.1"}, true)
					acc := e.account(t, "starttls")
					e.billingRule(t, acc, after)
					e.srv.Deliver(t, "INBOX", imaptest.Invoice("c1"))
					e.srv.Deliver(t, "INBOX", imaptest.Invoice("c2"))
					crashed := false
					_, err := e.s.poll(ctx, acc.ID, func(p string) error {
						if p == point && !crashed {
							crashed = true
							return errCrash
						}
						return nil
					})
					if !errors.Is(err, errCrash) {
						t.Fatalf("poll = %v, want the crash", err)
					}
					for range 2 {
						if _, err := e.s.Poll(ctx, acc.ID); err != nil {
							t.Fatal(err)
						}
					}
					docs := e.mailDocs(t)
					seen := map[string]int{}
					for _, d := range docs {
						seen[d.OriginalFilename]++
					}
					if len(docs) != 4 || len(seen) != 4 {
						t.Fatalf("documents = %v, want 4 once each", seen)
					}
					if after == "move" {
						if n := len(e.srv.Messages(t, "Archive")); n != 2 {
							t.Errorf("Archive has %d messages", n)
						}
					} else {
						for _, m := range e.srv.Messages(t, "INBOX") {
							if !m.Seen() {
								t.Errorf("message %s not marked read", m.Subject)
							}
						}
					}
				})
			}
		}
	})
}

// A hostile message (MIME nested too deep) fails alone and is reported;
// the next message is consumed.
func TestHostileMessageFailsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, []string{"127.0.0.1"}, true)
		acc := e.account(t, "tls")
		e.billingRule(t, acc, "mark_read")
		body := "Content-Type: text/plain\r\n\r\nhi\r\n"
		for i := 12; i >= 0; i-- {
			b := "b" + itoa(i)
			body = "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n" + body + "\r\n--" + b + "--\r\n"
		}
		deep := "From: billing@shop.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + body
		e.srv.Deliver(t, "INBOX", []byte(deep))
		e.srv.Deliver(t, "INBOX", imaptest.Invoice("ok"))
		res, err := e.s.Poll(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Documents != 2 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "nested deeper") {
			t.Fatalf("poll = %+v %q", res, res.Failed)
		}
		a, _ := st.MailAccount(ctx, e.actor.UserID, acc.ID)
		if !strings.Contains(a.LastError, "nested deeper") {
			t.Errorf("last error = %q", a.LastError)
		}
		if res, _ := e.s.Poll(ctx, acc.ID); len(res.Failed) != 0 {
			t.Errorf("the refused message is retried: %+v", res)
		}
	})
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// Loopback is refused unless allowlisted; a certificate from an unknown CA
// and a wrong password are clear failures (422 at creation, ok:false at
// test), never a 401.
func TestConnectRefusals(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	try := func(e *env, pw string) error {
		_, err := e.s.CreateAccount(ctx, e.actor, AccountInput{Host: ptr(e.srv.Host), Port: ptr(e.srv.TLSPort),
			Security: ptr("tls"), Username: ptr(e.srv.User), Password: ptr(pw)})
		return err
	}
	for name, c := range map[string]struct {
		allow   []string
		trust   bool
		pw, msg string
	}{
		"ssrf":      {nil, true, "s3cret", "not allowed"},
		"untrusted": {[]string{"127.0.0.1"}, false, "s3cret", "certificate is not trusted"},
		"password":  {[]string{"127.0.0.1"}, true, "wrong", "refused the user name or password"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, st, c.allow, c.trust)
			err := try(e, c.pw)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("create = %v, want %q", err, c.msg)
			}
			if got := unusableStatus(err); got != 422 {
				t.Errorf("status = %d, want 422", got)
			}
		})
	}
	// The same failure later is a test result, not an error.
	e := newEnv(t, st, []string{"127.0.0.1"}, true)
	acc := e.account(t, "tls")
	sealed, _ := e.s.sealer.Seal(e.actor.UserID, sealPurpose, acc.ID, []byte("changed"))
	acc.Password = sealed
	if err := st.UpdateMailAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	res, err := e.s.TestAccount(ctx, e.actor.UserID, acc.ID)
	if err != nil || res.OK || !strings.Contains(res.Error, "refused") {
		t.Fatalf("test = %+v, %v", res, err)
	}
}

func unusableStatus(err error) int {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// A rule moving to a folder that does not exist keeps its documents,
// reports the refusal and does not import the message again.
func TestRefusedAfterActionIsReported(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, st, []string{"127.0.0.1"}, true)
	acc := e.account(t, "tls")
	r := e.billingRule(t, acc, "move")
	if _, err := e.s.UpdateRule(ctx, e.actor.UserID, r.ID, RuleInput{MoveTo: ptr("Nowhere")}); err != nil {
		t.Fatal(err)
	}
	// A rule on a folder that does not exist fails alone; the others run.
	if _, err := e.s.CreateRule(ctx, e.actor.UserID, RuleInput{AccountID: &acc.ID, Name: ptr("first"), Folder: ptr("Missing"),
		Order: ptr(-1)}); err != nil {
		t.Fatal(err)
	}
	e.srv.Deliver(t, "INBOX", imaptest.Invoice("m1"))
	res, err := e.s.Poll(ctx, acc.ID)
	if err != nil || res.Documents != 2 || len(res.Failed) != 2 || !strings.Contains(res.Failed[0], `rule "first"`) ||
		!strings.Contains(res.Failed[1], "refused to move") {
		t.Fatalf("poll = %+v %q, %v", res, res.Failed, err)
	}
	if res, err := e.s.Poll(ctx, acc.ID); err != nil || res.Documents != 0 {
		t.Fatalf("second poll = %+v, %v", res, err)
	}
}

// An account whose documents go to a shared space: the mail's documents
// land there, counted against the space owner's quota, with the space's
// topic; an editor of the space is refused (rules are an admin's); a space
// the user is not in is 404; once the account's owner is only a viewer of
// the space, a poll imports nothing and says why.
func TestAccountIntoSharedSpace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, []string{"127.0.0.1"}, true)
		boss := &model.User{Email: storetest.Name("boss") + "@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, boss); err != nil {
			t.Fatal(err)
		}
		sp := &model.Space{Name: "Office", OwnerID: boss.ID}
		if err := st.CreateSpace(ctx, sp); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddSpaceMember(ctx, sp.ID, e.actor.UserID, model.RoleEditor); err != nil {
			t.Fatal(err)
		}
		in := AccountInput{Host: ptr(e.srv.Host), Port: ptr(e.srv.TLSPort), Security: ptr("tls"),
			Username: ptr(e.srv.User), Password: ptr(e.srv.Pass), SpaceID: ptr(sp.ID)}
		if _, err := e.s.CreateAccount(ctx, e.actor, in); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("an editor's account into the space: %v, want forbidden", err)
		}
		if _, err := e.s.CreateAccount(ctx, e.actor, AccountInput{Host: in.Host, Port: in.Port, Security: in.Security,
			Username: in.Username, Password: in.Password, SpaceID: ptr(store.NewID())}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an unknown space: %v, want not found", err)
		}
		if _, err := st.UpdateSpaceMember(ctx, sp.ID, e.actor.UserID, model.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		acc, err := e.s.CreateAccount(ctx, e.actor, in)
		if err != nil || acc.SpaceID != sp.ID {
			t.Fatalf("account into the space: %+v %v", acc, err)
		}
		// A topic of the personal space is not the space's: 404.
		if _, err := e.s.CreateRule(ctx, e.actor.UserID, RuleInput{AccountID: &acc.ID, Name: ptr("r"), Folder: ptr("INBOX"),
			Consume: ptr("attachments"), After: ptr("mark_read"), TopicIDs: &[]string{e.topic}}); err == nil {
			t.Fatal("a rule with a topic of another space was accepted")
		}
		tp := &model.Topic{OwnerID: boss.ID, SpaceID: sp.ID, Name: "Office invoices"}
		if err := st.CreateTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateRule(ctx, e.actor.UserID, RuleInput{AccountID: &acc.ID, Name: ptr("r"), Folder: ptr("INBOX"),
			From: ptr("billing@"), Consume: ptr("attachments"), After: ptr("mark_read"), TopicIDs: &[]string{tp.ID}}); err != nil {
			t.Fatal(err)
		}
		e.srv.Deliver(t, "INBOX", imaptest.Invoice("office1"))
		if res, err := e.s.Poll(ctx, acc.ID); err != nil || res.Documents != 2 {
			t.Fatalf("poll: %+v %v", res, err)
		}
		docs, _, err := st.ListDocuments(ctx, boss.ID, store.DocumentFilter{SpaceID: sp.ID}, store.Page{Limit: 10})
		if err != nil || len(docs) != 2 {
			t.Fatalf("the space's documents: %d %v", len(docs), err)
		}
		for _, d := range docs {
			if d.OwnerID != boss.ID || d.CreatedBy != e.actor.UserID || len(d.Topics) != 1 || d.Topics[0].TopicID != tp.ID {
				t.Errorf("document %s: owner %s creator %s topics %+v", d.OriginalFilename, d.OwnerID, d.CreatedBy, d.Topics)
			}
		}
		if mine := e.mailDocs(t); len(mine) != 2 { // a member sees the space's documents too
			t.Errorf("the member lists %d mail documents", len(mine))
		}
		if _, err := st.UpdateSpaceMember(ctx, sp.ID, e.actor.UserID, model.RoleViewer); err != nil {
			t.Fatal(err)
		}
		e.srv.Deliver(t, "INBOX", imaptest.Invoice("office2"))
		if res, err := e.s.Poll(ctx, acc.ID); !errors.Is(err, errSpaceLost) || res.Documents != 0 {
			t.Fatalf("poll as a viewer: %+v %v", res, err)
		}
		a, err := st.MailAccount(ctx, e.actor.UserID, acc.ID)
		if err != nil || !strings.Contains(a.LastError, "can no longer add documents") {
			t.Fatalf("last error: %+v %v", a, err)
		}
		if docs, _, _ := st.ListDocuments(ctx, boss.ID, store.DocumentFilter{SpaceID: sp.ID}, store.Page{Limit: 10}); len(docs) != 2 {
			t.Errorf("documents after the refused poll: %d", len(docs))
		}
	})
}
