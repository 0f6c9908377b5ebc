package mailin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// PollResult says what one poll of an account did.
type PollResult struct {
	Messages  int      // messages consumed (done) this poll
	Documents int      // documents created
	Failed    []string // messages that failed alone, with why
}

func (r *PollResult) String() string {
	s := fmt.Sprintf("%d messages, %d documents", r.Messages, r.Documents)
	if len(r.Failed) > 0 {
		s += fmt.Sprintf(", %d failed", len(r.Failed))
	}
	return s
}

// crashHook, when set by a test, runs at named points of a poll; an error
// from it stops the poll there, as a crash would.
type crashHook func(point string) error

// Poll polls one account (any owner; the poll job calls it) with its
// enabled rules in order, and records the result on the account. A message
// that fails (malformed, past a limit, refused attachment) fails alone and
// is reported; a failure of the server or of DocuVault ends the poll, to be
// resumed by the next one.
func (s *Service) Poll(ctx context.Context, accountID string) (*PollResult, error) {
	return s.poll(ctx, accountID, nil)
}

func (s *Service) poll(ctx context.Context, accountID string, hook crashHook) (*PollResult, error) {
	acc, err := s.store.MailAccountForJob(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return &PollResult{}, nil // removed since it was queued
	}
	if err != nil {
		return nil, err
	}
	res, err := s.pollAccount(ctx, acc, hook)
	lastErr := strings.Join(res.Failed, "; ")
	if err != nil {
		lastErr = strings.TrimPrefix(strings.Join([]string{reason(err), lastErr}, "; "), "; ")
		lastErr = strings.TrimSuffix(lastErr, "; ")
	}
	log := s.log.With("component", "mail", "account", acc.ID)
	for _, f := range res.Failed {
		log.Warn("mail intake: message failed", "why", f)
	}
	if err != nil {
		log.Error("mail intake: poll failed", "error", err)
	} else {
		log.Info("mail intake: polled", "messages", res.Messages, "documents", res.Documents)
	}
	if serr := s.store.SetMailPollResult(context.WithoutCancel(ctx), acc.ID, time.Now(), res.String(), lastErr); serr != nil {
		return res, errors.Join(err, serr)
	}
	return res, err
}

func (s *Service) pollAccount(ctx context.Context, acc *model.MailAccount, hook crashHook) (*PollResult, error) {
	res := &PollResult{}
	rules, err := s.store.MailRules(ctx, acc.OwnerID, acc.ID)
	if err != nil {
		return res, err
	}
	rules = enabled(rules)
	if len(rules) == 0 {
		return res, nil
	}
	// The owner may have lost the space since: then nothing goes there.
	role, err := s.store.SpaceRoleOf(ctx, acc.SpaceID, acc.OwnerID)
	if err != nil {
		return res, err
	}
	if role < model.RoleEditor {
		return res, errSpaceLost
	}
	pw, err := s.password(acc)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.tmo)
	defer cancel()
	c, err := s.dial(ctx, acc, pw)
	if err != nil {
		return res, err
	}
	defer c.Close()
	for _, r := range rules {
		err := s.pollRule(ctx, c, acc, r, res, hook)
		var ie *imap.Error
		if errors.As(err, &ie) {
			// The server refused this rule's folder or search: the other
			// rules still run.
			res.Failed = append(res.Failed, fmt.Sprintf("rule %q: %v", r.Name, err))
			continue
		}
		if err != nil {
			return res, fmt.Errorf("rule %q: %w", r.Name, err)
		}
	}
	_ = c.Logout().Wait()
	return res, nil
}

// errSpaceLost ends a poll whose account's owner is no longer an editor of
// the space its documents go to.
var errSpaceLost = errors.New("the account's owner can no longer add documents to its space; choose another space for this account")

func enabled(rules []*model.MailRule) []*model.MailRule {
	out := rules[:0:0]
	for _, r := range rules {
		if r.Enabled {
			out = append(out, r)
		}
	}
	return out
}

// criteria is the server-side search of a rule: FROM, SUBJECT and BODY are
// case-insensitive substring matches in IMAP.
func criteria(r *model.MailRule, now time.Time) *imap.SearchCriteria {
	c := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if r.From != "" {
		c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: "From", Value: r.From})
	}
	if r.Subject != "" {
		c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: "Subject", Value: r.Subject})
	}
	if r.Body != "" {
		c.Body = []string{r.Body}
	}
	if r.MaxAgeDays > 0 {
		c.Since = now.AddDate(0, 0, -r.MaxAgeDays)
	}
	return c
}

func (s *Service) pollRule(ctx context.Context, c *imapclient.Client, acc *model.MailAccount, r *model.MailRule, res *PollResult, hook crashHook) error {
	sel, err := c.Select(r.Folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("select folder %q: %w", r.Folder, err)
	}
	found, err := c.UIDSearch(criteria(r, time.Now()), nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	seen, err := s.store.MailParts(ctx, r.ID, r.Folder, sel.UIDValidity)
	if err != nil {
		return err
	}
	for _, uid := range found.AllUIDs() {
		if seen[uint32(uid)][store.MailPartDone] {
			continue
		}
		k := store.MailKey{RuleID: r.ID, Folder: r.Folder, UIDValidity: sel.UIDValidity, UID: uint32(uid)}
		if err := s.consume(ctx, c, acc, r, k, seen[uint32(uid)], res, hook); err != nil {
			return err
		}
	}
	return nil
}

// consume takes one message for one rule: its parts (each a document and
// its record in one transaction), then the after-action, then the record
// that the message is done.
func (s *Service) consume(ctx context.Context, c *imapclient.Client, acc *model.MailAccount, r *model.MailRule, k store.MailKey,
	have map[string]bool, res *PollResult, hook crashHook) error {
	uids := imap.UIDSetNum(imap.UID(k.UID))
	msgs, err := c.Fetch(uids, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if len(msgs) == 0 {
		return nil // gone since the search
	}
	failed := func(why string) error {
		res.Failed = append(res.Failed, fmt.Sprintf("message %d in %s: %s", k.UID, k.Folder, why))
		return s.store.RecordMailPart(ctx, k, store.MailPartDone, "", why)
	}
	if msgs[0].RFC822Size > s.lim.MaxMessageBytes {
		return failed(fmt.Sprintf("larger than %d bytes", s.lim.MaxMessageBytes))
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err = c.Fetch(uids, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if len(msgs) == 0 {
		return nil
	}
	raw := msgs[0].FindBodySection(section)
	if int64(len(raw)) > s.lim.MaxMessageBytes {
		return failed(fmt.Sprintf("larger than %d bytes", s.lim.MaxMessageBytes))
	}
	p, err := parseMessage(raw, s.lim)
	if errors.Is(err, ErrRefused) {
		return failed(err.Error())
	}
	if err != nil {
		return err
	}
	if p.Date.IsZero() {
		p.Date = msgs[0].InternalDate
	}
	detail, _ := json.Marshal(map[string]any{"from": p.From, "subject": p.Subject, "message_id": p.MessageID,
		"received_at": p.Date.UTC()})
	type part struct {
		key      string
		filename string
		data     []byte
		skip     string
	}
	var parts []part
	if r.Consume == "message" || r.Consume == "both" {
		parts = append(parts, part{key: "message", filename: emlName(p.Subject), data: raw})
	}
	if r.Consume == "attachments" || r.Consume == "both" {
		for i, a := range p.Attachments {
			if (a.Inline && !r.IncludeInline) || !wantsType(r.AttachmentTypes, a) {
				continue
			}
			pt := part{key: "a" + strconv.Itoa(i), filename: a.Filename, data: a.Data}
			if pt.filename == "" {
				pt.filename = "attachment-" + strconv.Itoa(i+1)
			}
			if a.TooLarge {
				pt.skip = fmt.Sprintf("attachment %q is larger than %d bytes", a.Filename, s.lim.MaxAttachmentBytes)
			}
			parts = append(parts, pt)
		}
	}
	actor := document.Actor{UserID: acc.OwnerID, UserAgent: "docuvault mail intake", SpaceID: acc.SpaceID, SpaceOwner: acc.SpaceOwnerID}
	var problems []string
	for _, pt := range parts {
		if have[pt.key] {
			continue
		}
		if pt.skip != "" {
			problems = append(problems, pt.skip)
			if err := s.store.RecordMailPart(ctx, k, pt.key, "", pt.skip); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
			continue
		}
		made, why, err := s.importPart(ctx, actor, r, k, pt.key, pt.filename, pt.data, string(detail), p, hook)
		if err != nil {
			return err
		}
		if made {
			res.Documents++
		}
		if why != "" {
			problems = append(problems, why)
		}
	}
	if err := hook.at("before-after"); err != nil {
		return err
	}
	if err := s.after(c, r, uids); err != nil {
		var ie *imap.Error
		if !errors.As(err, &ie) {
			return fmt.Errorf("after-action %s: %w", r.After, err)
		}
		// The server refused (a missing folder to move to): this message
		// stays where it is, reported; its documents are kept.
		problems = append(problems, fmt.Sprintf("the server refused to %s it: %s", strings.ReplaceAll(r.After, "_", " "), ie.Text))
	}
	if err := hook.at("before-done"); err != nil {
		return err
	}
	if len(problems) > 0 {
		res.Failed = append(res.Failed, fmt.Sprintf("message %d in %s: %s", k.UID, k.Folder, strings.Join(problems, "; ")))
	}
	if err := s.store.RecordMailPart(ctx, k, store.MailPartDone, "", strings.Join(problems, "; ")); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	res.Messages++
	return nil
}

func (h crashHook) at(point string) error {
	if h == nil {
		return nil
	}
	return h(point)
}

// importPart makes one document of one part, recording the part in the
// document's transaction. A file DocuVault refuses (type, size, quota of
// the file itself) is recorded with why; a file the owner already has is
// recorded as that document. made says a document was created.
func (s *Service) importPart(ctx context.Context, actor document.Actor, r *model.MailRule, k store.MailKey, key, filename string,
	data []byte, detail string, p *parsed, hook crashHook) (made bool, why string, err error) {
	st, err := s.docs.Stage(ctx, actor, filename, strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		return s.refused(ctx, k, key, filename, err)
	}
	if err := hook.at("staged"); err != nil {
		return false, "", err
	}
	_, err = s.docs.Commit(ctx, actor, st, document.CommitOptions{TopicIDs: r.TopicIDs, SourceKind: model.SourceMail,
		SourceDetail: detail, Record: func(tx *store.Store, documentID string) error {
			if err := tx.RecordMailPart(ctx, k, key, documentID, ""); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: actor.UserID, Action: "mail.consume", TargetType: "document",
				TargetID: documentID, UserAgent: actor.UserAgent, Details: map[string]any{"rule_id": r.ID,
					"message_id": p.MessageID, "from": p.From, "part": key}})
		}})
	if errors.Is(err, store.ErrConflict) && !apperr.Is(err, apperr.Conflict) {
		return false, "", nil // another poll recorded this part first
	}
	if err != nil {
		return s.refused(ctx, k, key, filename, err)
	}
	return true, "", hook.at("committed")
}

// refused records a part DocuVault will not import, or returns err when
// it is DocuVault's own failure (to be retried by the next poll).
func (s *Service) refused(ctx context.Context, k store.MailKey, key, filename string, err error) (bool, string, error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return false, "", err
	}
	docID := ""
	why := fmt.Sprintf("%s: %s", filename, ae.Message)
	switch ae.Kind {
	case apperr.Conflict: // the owner already has this file
		if id, ok := ae.Extra["existing_id"].(string); ok {
			docID, why = id, ""
		}
	case apperr.QuotaExceeded, apperr.RateLimited, apperr.Unavailable, apperr.Internal:
		return false, "", err
	}
	if rerr := s.store.RecordMailPart(ctx, k, key, docID, why); rerr != nil && !errors.Is(rerr, store.ErrConflict) {
		return false, "", rerr
	}
	return false, why, nil
}

// after runs the rule's after-action on the message.
func (s *Service) after(c *imapclient.Client, r *model.MailRule, uids imap.UIDSet) error {
	flag := func(f imap.Flag) error {
		return c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{f}}, nil).Close()
	}
	switch r.After {
	case "mark_read":
		return flag(imap.FlagSeen)
	case "flag":
		return flag(imap.FlagFlagged)
	case "move":
		_, err := c.Move(uids, r.MoveTo).Wait()
		return err
	case "delete":
		if err := flag(imap.FlagDeleted); err != nil {
			return err
		}
		if c.Caps().Has(imap.CapUIDPlus) || c.Caps().Has(imap.CapIMAP4rev2) {
			return c.UIDExpunge(uids).Close()
		}
		return c.Expunge().Close()
	}
	return nil
}

// emlName is a file name for a message saved whole.
func emlName(subject string) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(subject))
	if len(name) > 100 {
		name = name[:100]
	}
	if name == "" {
		name = "message"
	}
	return path.Clean(name) + ".eml"
}
