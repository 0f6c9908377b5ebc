package model

import "time"

// SavedView is a named document list of a space: Query is a JSON object
// of list filters (the API checks it), Sort one of the list's sorts.
type SavedView struct {
	ID              string
	SpaceID         string
	CreatedBy       string
	Name            string
	Query           string
	Sort            string
	ShowOnDashboard bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}
