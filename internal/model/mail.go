package model

import "time"

// MailAccount is one IMAP mailbox of one owner. The password is sealed;
// only the mail intake service opens it.
type MailAccount struct {
	ID             string
	OwnerID        string
	SpaceID        string // where its documents go; "" (old rows) is the owner's personal space
	SpaceOwnerID   string // the owner of that space, whose quota the documents use (read only)
	DisplayName    string
	Host           string
	Port           int
	Security       string // "tls" or "starttls"
	Username       string
	Password       []byte // sealed
	LastPollAt     *time.Time
	LastPollResult string
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MailRule is one rule of a mail account: which messages of a folder to
// take, what of them becomes documents, and what happens to them after.
type MailRule struct {
	ID                      string
	OwnerID                 string
	AccountID               string
	Name                    string
	Folder                  string
	From, Subject, Body     string // case-insensitive substrings; "" matches all
	MaxAgeDays              int    // 0: any age
	Consume                 string // "attachments", "message" or "both"
	AttachmentTypes         []string
	IncludeInline           bool
	After                   string // "mark_read", "flag", "move" or "delete"
	MoveTo                  string
	TopicIDs                []string
	CorrespondentFromSender bool
	Enabled                 bool
	Order                   int
	CreatedAt               time.Time
	UpdatedAt               time.Time
}
