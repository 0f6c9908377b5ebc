package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

const mailAccountColumns = `id, owner_id, COALESCE(space_id, owner_id),
	COALESCE((SELECT sp.owner_id FROM spaces sp WHERE sp.id = COALESCE(mail_accounts.space_id, mail_accounts.owner_id)), owner_id), display_name, host, port, security, username, password, last_poll_at,
	last_poll_result, last_error, created_at, updated_at`

func scanMailAccount(row interface{ Scan(...any) error }) (*model.MailAccount, error) {
	var a model.MailAccount
	var last sql.NullTime
	if err := row.Scan(&a.ID, &a.OwnerID, &a.SpaceID, &a.SpaceOwnerID, &a.DisplayName, &a.Host, &a.Port, &a.Security, &a.Username, &a.Password,
		&last, &a.LastPollResult, &a.LastError, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	if last.Valid {
		t := last.Time.UTC()
		a.LastPollAt = &t
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// CreateMailAccount inserts a (ID may be preset, since the sealed password
// is bound to it; times are filled).
func (s *Store) CreateMailAccount(ctx context.Context, a *model.MailAccount) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	a.CreatedAt = now()
	a.UpdatedAt = a.CreatedAt
	if a.SpaceID == "" {
		a.SpaceID = a.OwnerID
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO mail_accounts (id, owner_id, display_name, host, port, security,
		username, password, created_at, updated_at, space_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.OwnerID, a.DisplayName, a.Host, a.Port, a.Security, a.Username, a.Password, a.CreatedAt, a.UpdatedAt, a.SpaceID)
	if err != nil {
		return fmt.Errorf("create mail account: %w", normalize(err))
	}
	return nil
}

// MailAccount returns the owner's account, or ErrNotFound (also for
// another owner's account).
func (s *Store) MailAccount(ctx context.Context, ownerID, id string) (*model.MailAccount, error) {
	a, err := scanMailAccount(s.r.QueryRowContext(ctx, `SELECT `+mailAccountColumns+` FROM mail_accounts
		WHERE owner_id = $1 AND id = $2`, ownerID, id))
	if err != nil {
		return nil, fmt.Errorf("mail account: %w", err)
	}
	return a, nil
}

// MailAccountForJob returns any owner's account by id, for the poll job.
// Errors: ErrNotFound.
func (s *Store) MailAccountForJob(ctx context.Context, id string) (*model.MailAccount, error) {
	a, err := scanMailAccount(s.r.QueryRowContext(ctx, `SELECT `+mailAccountColumns+` FROM mail_accounts WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("mail account: %w", err)
	}
	return a, nil
}

// MailAccounts lists the owner's accounts, oldest first.
func (s *Store) MailAccounts(ctx context.Context, ownerID string) ([]*model.MailAccount, error) {
	return s.queryMailAccounts(ctx, `SELECT `+mailAccountColumns+` FROM mail_accounts WHERE owner_id = $1
		ORDER BY created_at, id`, ownerID)
}

// AllMailAccountIDs lists every account's id, for the periodic poll.
func (s *Store) AllMailAccountIDs(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM mail_accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("mail accounts: %w", normalize(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, normalize(err)
		}
		ids = append(ids, id)
	}
	return ids, normalize(rows.Err())
}

func (s *Store) queryMailAccounts(ctx context.Context, q string, args ...any) ([]*model.MailAccount, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mail accounts: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.MailAccount{}
	for rows.Next() {
		a, err := scanMailAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, normalize(rows.Err())
}

// UpdateMailAccount writes a's settings and sealed password. Errors:
// ErrNotFound.
func (s *Store) UpdateMailAccount(ctx context.Context, a *model.MailAccount) error {
	a.UpdatedAt = now()
	if a.SpaceID == "" {
		a.SpaceID = a.OwnerID
	}
	return s.execOne(ctx, "update mail account", `UPDATE mail_accounts SET display_name = $1, host = $2, port = $3,
		security = $4, username = $5, password = $6, updated_at = $7, space_id = $10 WHERE owner_id = $8 AND id = $9`,
		a.DisplayName, a.Host, a.Port, a.Security, a.Username, a.Password, a.UpdatedAt, a.OwnerID, a.ID, a.SpaceID)
}

// SetMailPollResult records the end of a poll of account id.
func (s *Store) SetMailPollResult(ctx context.Context, id string, at time.Time, result, lastError string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE mail_accounts SET last_poll_at = $1, last_poll_result = $2, last_error = $3
		WHERE id = $4`, at.UTC(), truncate(result, 1000), truncate(lastError, 2000), id)
	if err != nil {
		return fmt.Errorf("mail poll result: %w", normalize(err))
	}
	return nil
}

// DeleteMailAccount removes the owner's account with its rules and
// records. Errors: ErrNotFound.
func (s *Store) DeleteMailAccount(ctx context.Context, ownerID, id string) error {
	return s.execOne(ctx, "delete mail account", `DELETE FROM mail_accounts WHERE owner_id = $1 AND id = $2`, ownerID, id)
}

const mailRuleColumns = `id, owner_id, account_id, name, folder, from_filter, subject_filter, body_filter, max_age_days,
	consume, attachment_types, include_inline, after_action, move_to, topic_ids, correspondent_from_sender, enabled,
	position, created_at, updated_at`

func scanMailRule(row interface{ Scan(...any) error }) (*model.MailRule, error) {
	var r model.MailRule
	var types, topics string
	if err := row.Scan(&r.ID, &r.OwnerID, &r.AccountID, &r.Name, &r.Folder, &r.From, &r.Subject, &r.Body, &r.MaxAgeDays,
		&r.Consume, &types, &r.IncludeInline, &r.After, &r.MoveTo, &topics, &r.CorrespondentFromSender, &r.Enabled,
		&r.Order, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	r.AttachmentTypes, r.TopicIDs = splitList(types), splitList(topics)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CreateMailRule inserts r (ID and times filled). The account must be the
// owner's: ErrNotFound otherwise.
func (s *Store) CreateMailRule(ctx context.Context, r *model.MailRule) error {
	if _, err := s.MailAccount(ctx, r.OwnerID, r.AccountID); err != nil {
		return err
	}
	r.ID = NewID()
	r.CreatedAt = now()
	r.UpdatedAt = r.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO mail_rules (`+mailRuleColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7,
		$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		r.ID, r.OwnerID, r.AccountID, r.Name, r.Folder, r.From, r.Subject, r.Body, r.MaxAgeDays, r.Consume,
		strings.Join(r.AttachmentTypes, ","), r.IncludeInline, r.After, r.MoveTo, strings.Join(r.TopicIDs, ","),
		r.CorrespondentFromSender, r.Enabled, r.Order, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create mail rule: %w", normalize(err))
	}
	return nil
}

// UpdateMailRule writes r's settings (not its account). Errors: ErrNotFound.
func (s *Store) UpdateMailRule(ctx context.Context, r *model.MailRule) error {
	r.UpdatedAt = now()
	return s.execOne(ctx, "update mail rule", `UPDATE mail_rules SET name = $1, folder = $2, from_filter = $3,
		subject_filter = $4, body_filter = $5, max_age_days = $6, consume = $7, attachment_types = $8,
		include_inline = $9, after_action = $10, move_to = $11, topic_ids = $12, correspondent_from_sender = $13,
		enabled = $14, position = $15, updated_at = $16 WHERE owner_id = $17 AND id = $18`,
		r.Name, r.Folder, r.From, r.Subject, r.Body, r.MaxAgeDays, r.Consume, strings.Join(r.AttachmentTypes, ","),
		r.IncludeInline, r.After, r.MoveTo, strings.Join(r.TopicIDs, ","), r.CorrespondentFromSender, r.Enabled,
		r.Order, r.UpdatedAt, r.OwnerID, r.ID)
}

// MailRule returns the owner's rule, or ErrNotFound.
func (s *Store) MailRule(ctx context.Context, ownerID, id string) (*model.MailRule, error) {
	r, err := scanMailRule(s.r.QueryRowContext(ctx, `SELECT `+mailRuleColumns+` FROM mail_rules
		WHERE owner_id = $1 AND id = $2`, ownerID, id))
	if err != nil {
		return nil, fmt.Errorf("mail rule: %w", err)
	}
	return r, nil
}

// MailRules lists the owner's rules, by account then order; accountID ""
// lists every account's.
func (s *Store) MailRules(ctx context.Context, ownerID, accountID string) ([]*model.MailRule, error) {
	q := `SELECT ` + mailRuleColumns + ` FROM mail_rules WHERE owner_id = $1`
	args := []any{ownerID}
	if accountID != "" {
		q += ` AND account_id = $2`
		args = append(args, accountID)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY account_id, position, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("mail rules: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.MailRule{}
	for rows.Next() {
		r, err := scanMailRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, normalize(rows.Err())
}

// DeleteMailRule removes the owner's rule. Errors: ErrNotFound.
func (s *Store) DeleteMailRule(ctx context.Context, ownerID, id string) error {
	return s.execOne(ctx, "delete mail rule", `DELETE FROM mail_rules WHERE owner_id = $1 AND id = $2`, ownerID, id)
}

// MailPartDone is the part of a consumption record that says the whole
// message is done (after-action ran, or it failed for good).
const MailPartDone = ""

// MailKey names one message as one rule sees it.
type MailKey struct {
	RuleID      string
	Folder      string
	UIDValidity uint32
	UID         uint32
}

// RecordMailPart records that part of the message k was consumed (as
// documentID, or with errText). Call it in the transaction that creates the
// document. A part already recorded is ErrConflict, which rolls the
// document back.
func (s *Store) RecordMailPart(ctx context.Context, k MailKey, part, documentID, errText string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO mail_consumed (rule_id, folder, uid_validity, uid, part, document_id,
		error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.RuleID, k.Folder, int64(k.UIDValidity), int64(k.UID), part, documentID, truncate(errText, 1000), now())
	if err != nil {
		return fmt.Errorf("record mail part: %w", normalize(err))
	}
	return nil
}

// MailParts returns the parts recorded for each UID of (rule, folder,
// uidValidity), MailPartDone included.
func (s *Store) MailParts(ctx context.Context, ruleID, folder string, uidValidity uint32) (map[uint32]map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT uid, part FROM mail_consumed WHERE rule_id = $1 AND folder = $2
		AND uid_validity = $3`, ruleID, folder, int64(uidValidity))
	if err != nil {
		return nil, fmt.Errorf("mail parts: %w", normalize(err))
	}
	defer rows.Close()
	out := map[uint32]map[string]bool{}
	for rows.Next() {
		var uid int64
		var part string
		if err := rows.Scan(&uid, &part); err != nil {
			return nil, normalize(err)
		}
		if out[uint32(uid)] == nil {
			out[uint32(uid)] = map[string]bool{}
		}
		out[uint32(uid)][part] = true
	}
	return out, normalize(rows.Err())
}
