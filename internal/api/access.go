package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Access to documents, topics and spaces is decided here and only here:
// from the caller's membership and role in the object's space, read from
// the database on every request (no cache), so a removed member loses
// access on their next request. A space the caller is not a member of is
// the same 404 as a missing id; a member whose role is too low gets 403.
//
// Roles needed: viewer to list, read, search and download; editor to
// upload, edit, assign topics, trash and restore, and move; admin to
// manage members and purge; owner to rename or delete the space.

// errNoSuchObject is the one answer for a missing id and an object in a
// space the caller is not a member of.
var errNoSuchObject = apperr.New(apperr.NotFound, "not found")

// authorize answers nil when userID has at least need in spaceID, the 404
// when they are not a member (or there is no such space), the 403 when
// their role is too low.
func (s *Server) authorize(ctx context.Context, userID, spaceID string, need model.SpaceRole) (model.SpaceRole, error) {
	role, err := document.Authorize(ctx, s.deps.Store, userID, spaceID, need)
	if errors.Is(err, store.ErrNotFound) {
		return role, errNoSuchObject
	}
	return role, err
}

// documentAccess returns the live document id when the caller has need in
// its space; trashed selects the trash instead.
func (s *Server) documentAccess(r *http.Request, p *Principal, id string, need model.SpaceRole, trashed bool) (*model.Document, error) {
	d, err := s.deps.Store.DocumentForJob(r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchObject
		}
		return nil, err
	}
	if _, err := s.authorize(r.Context(), p.UserID, d.SpaceID, need); err != nil {
		return nil, err
	}
	if (d.DeletedAt != nil) != trashed {
		return nil, errNoSuchObject
	}
	return d, nil
}

// topicAccess returns the topic when the caller has need in its space.
func (s *Server) topicAccess(r *http.Request, p *Principal, id string, need model.SpaceRole) (*model.Topic, error) {
	t, err := s.deps.Store.TopicByID(r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchObject
		}
		return nil, err
	}
	if _, err := s.authorize(r.Context(), p.UserID, t.SpaceID, need); err != nil {
		return nil, err
	}
	return t, nil
}

// spaceAccess returns the space as the caller sees it when they have need in it.
func (s *Server) spaceAccess(r *http.Request, p *Principal, id string, need model.SpaceRole) (*model.Space, error) {
	if _, err := s.authorize(r.Context(), p.UserID, id, need); err != nil {
		return nil, err
	}
	return s.deps.Store.Space(r.Context(), p.UserID, id)
}

// spaceFilter reads ?space_id= of a list: "" for every space of the
// caller's, or a space they are a member of (404 otherwise).
func (s *Server) spaceFilter(r *http.Request, p *Principal) (string, error) {
	id := r.URL.Query().Get("space_id")
	if id == "" {
		return "", nil
	}
	if _, err := s.authorize(r.Context(), p.UserID, id, model.RoleViewer); err != nil {
		return "", err
	}
	return id, nil
}

// actorIn is the caller acting in the space (default their personal
// space) after authorize allowed need there.
func (s *Server) actorIn(r *http.Request, p *Principal, spaceID string, need model.SpaceRole) (document.Actor, error) {
	a := actor(r, p)
	if spaceID == "" {
		spaceID = p.UserID
	}
	if _, err := s.authorize(r.Context(), p.UserID, spaceID, need); err != nil {
		return a, err
	}
	sp, err := s.deps.Store.SpaceByID(r.Context(), spaceID)
	if err != nil {
		return a, err
	}
	a.SpaceID, a.SpaceOwner = sp.ID, sp.OwnerID
	return a, nil
}

// inSpace is the caller acting on an object of spaceID (already authorized).
func (s *Server) inSpace(r *http.Request, p *Principal, spaceID, ownerID string) document.Actor {
	a := actor(r, p)
	a.SpaceID, a.SpaceOwner = spaceID, ownerID
	return a
}
