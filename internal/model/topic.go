package model

import "time"

// Topic is one of an owner's categories.
type Topic struct {
	ID            string
	OwnerID       string // the owner of the topic's space
	SpaceID       string
	Name          string
	Description   string
	Color         string
	DocumentCount int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
