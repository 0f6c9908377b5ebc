// Package searchquery parses the text of a search box into a small query
// tree and renders it for SQLite FTS5 (MATCH) and PostgreSQL (to_tsquery), so
// both engines accept the same syntax and find the same documents.
//
// Syntax: words (all must match), "quoted phrases", -exclusions (of a word or
// a phrase), OR between two terms (upper case), and prefix* terms. A word
// that contains a digit (an invoice number, an IBAN) matches by prefix
// without a star. Upper-case AND, NOT and NEAR, colons, carets, parentheses
// and quotes inside words carry no meaning: they are text.
//
// Field terms (correspondent:NAME, type:NAME, tag:TOPIC, date:2024 or
// date:2024-03 or date:2024-03-05, a quoted NAME for spaces) are taken out
// by ExtractFields before Parse; the caller turns them into list filters.
//
// Text is compared in the form Normalize gives it: NFKD, combining marks
// removed, lower case, every run of characters that are neither letters nor
// digits a single space. Index documents in that form, SQLite with
// tokenize = 'unicode61 remove_diacritics 2' (no porter stemmer) and
// PostgreSQL with to_tsvector('simple', ...): then both engines see the same
// words and no unaccent extension is needed.
package searchquery
