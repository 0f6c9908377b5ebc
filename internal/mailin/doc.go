// Package mailin is mail intake: users connect IMAP mailboxes (TLS or
// STARTTLS only, hosts checked by the SSRF guard when dialled, passwords
// sealed) and write rules in order per account: a folder, from / subject /
// body filters, a maximum age, what to take (attachments, the message as an
// .eml, or both), which attachment types, and what to do with the message
// after (mark read, flag, move, delete), with topics for the documents.
//
// Each message is consumed once per rule. A consumption record per part
// (one attachment, or the .eml) is written in the same transaction as the
// part's document; the after-action runs only after that commit, and a
// final record marks the message done. A poll that crashes anywhere is
// rerun from these records: parts already recorded are not imported again,
// and a message whose parts are all recorded only gets its after-action.
// Records are keyed by (rule, folder, UIDVALIDITY, UID); if the server
// renumbers a folder, documents with the same content are still recognised
// as duplicates, so nothing is imported twice.
//
// A message that matches no rule is left alone: it is fetched with
// BODY.PEEK, so its flags and folder stay as they were.
package mailin
