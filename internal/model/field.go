package model

import "time"

// CustomField is a typed field of a space's documents.
type CustomField struct {
	ID        string
	SpaceID   string
	Name      string
	Type      string   // text, number, monetary, date, boolean, url, select, document_link
	Options   []string // select only
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FieldValue is one document's value of a custom field: Value in its
// normalised text form, Num the number or monetary amount.
type FieldValue struct {
	FieldID string
	Name    string
	Type    string
	Value   string
	Num     *float64
}
