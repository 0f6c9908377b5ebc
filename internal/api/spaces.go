package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

func (s *Server) registerSpaces() {
	s.handleFunc("GET /api/spaces", s.authed(s.listSpaces))
	s.handleFunc("POST /api/spaces", s.authed(s.createSpace))
	s.handleFunc("GET /api/spaces/{id}", s.authed(s.getSpace))
	s.handleFunc("PATCH /api/spaces/{id}", s.authed(s.patchSpace))
	s.handleFunc("DELETE /api/spaces/{id}", s.authed(s.deleteSpace))
	s.handleFunc("PUT /api/spaces/{id}/storage", s.authed(s.putSpaceStorage))
	s.handleFunc("GET /api/spaces/{id}/members", s.authed(s.listSpaceMembers))
	s.handleFunc("POST /api/spaces/{id}/members", s.authed(s.addSpaceMember))
	s.handleFunc("PATCH /api/spaces/{id}/members/{user_id}", s.authed(s.patchSpaceMember))
	s.handleFunc("DELETE /api/spaces/{id}/members/{user_id}", s.authed(s.removeSpaceMember))
}

// userRefJSON names a person; the email only where the API lists it
// (space members).
type userRefJSON struct {
	ID          string `json:"id"`
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"display_name"`
}

type spaceJSON struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Kind        string      `json:"kind"`
	Role        string      `json:"role"`
	Owner       userRefJSON `json:"owner"`
	MemberCount int64       `json:"member_count"`
	CreatedAt   time.Time   `json:"created_at"`
	// Storage is where the space's documents live: "system" or one of the
	// owner's cloud accounts (a personal space: its user's setting).
	Storage spaceStorageJSON `json:"storage"`
}

type spaceStorageJSON struct {
	Backend string `json:"backend"`
}

func toSpaceJSON(sp *model.Space) spaceJSON {
	return spaceJSON{ID: sp.ID, Name: sp.Name, Kind: sp.Kind, Role: sp.Role.String(),
		Owner: userRefJSON{ID: sp.OwnerID, DisplayName: sp.OwnerName}, MemberCount: sp.MemberCount, CreatedAt: sp.CreatedAt.UTC(),
		Storage: spaceStorageJSON{Backend: sp.StorageBackend}}
}

type memberJSON struct {
	User    userRefJSON `json:"user"`
	Role    string      `json:"role"`
	AddedAt time.Time   `json:"added_at"`
}

func toMemberJSON(m *model.SpaceMember) memberJSON {
	return memberJSON{User: userRefJSON{ID: m.UserID, Email: m.Email, DisplayName: m.DisplayName},
		Role: m.Role.String(), AddedAt: m.AddedAt.UTC()}
}

// spaceName checks a space's name: 1 to 100 characters once trimmed.
func spaceName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", apperr.Fields("The name cannot be used.", map[string]string{"name": "from 1 to 100 characters"})
	}
	return name, nil
}

// memberRole reads a role a member may be given: viewer, editor or admin.
func memberRole(role string) (model.SpaceRole, error) {
	r, ok := model.ParseSpaceRole(role)
	if !ok || r == model.RoleOwner {
		return 0, apperr.Fields("That role cannot be given.", map[string]string{"role": "viewer, editor or admin (nobody is added as owner)"})
	}
	return r, nil
}

// memberError turns the store's refusals of member changes into 422s.
func memberError(err error) error {
	switch {
	case errors.Is(err, store.ErrPersonalSpace):
		return apperr.Fields("A personal space cannot be shared.", map[string]string{"space": "a personal space has no other members; create a shared space"})
	case errors.Is(err, store.ErrOwnerRole):
		return apperr.Fields("The owner cannot be added, changed or removed.", map[string]string{"role": "nobody is added as owner or removed while owner"})
	case errors.Is(err, store.ErrAlreadyMember):
		return apperr.New(apperr.Conflict, "that account is already a member")
	}
	return err
}

func (s *Server) listSpaces(w http.ResponseWriter, r *http.Request, p *Principal) {
	sps, err := s.deps.Store.ListSpaces(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]spaceJSON, len(sps))
	for i, sp := range sps {
		items[i] = toSpaceJSON(sp)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createSpace(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	name, err := spaceName(body.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sp := &model.Space{Name: name, OwnerID: p.UserID}
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		if err := tx.CreateSpace(r.Context(), sp); err != nil {
			return err
		}
		return tx.AppendAudit(r.Context(), auditEntry(r, p, "space.create", "space", sp.ID))
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sp, err = s.deps.Store.Space(r.Context(), p.UserID, sp.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/spaces/"+sp.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"space": toSpaceJSON(sp)})
}

func (s *Server) getSpace(w http.ResponseWriter, r *http.Request, p *Principal) {
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleViewer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"space": toSpaceJSON(sp)})
}

func (s *Server) patchSpace(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleOwner)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Name != nil {
		name, err := spaceName(*body.Name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.deps.Store.RenameSpace(r.Context(), sp.ID, name); err != nil {
			s.writeError(w, r, err)
			return
		}
		sp.Name = name
	}
	writeJSON(w, http.StatusOK, map[string]any{"space": toSpaceJSON(sp)})
}

// putSpaceStorage chooses where the space's documents live (its owner only)
// and moves the ones already there in the background.
func (s *Server) putSpaceStorage(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Backend string `json:"backend"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleOwner)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	if err := s.deps.Cloud.SetSpaceBackend(r.Context(), cloudActor(r, p), sp, body.Backend); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"space": toSpaceJSON(sp)})
}

func (s *Server) deleteSpace(w http.ResponseWriter, r *http.Request, p *Principal) {
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleOwner)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		if err := tx.DeleteSpace(r.Context(), sp.ID); err != nil {
			return err
		}
		return tx.AppendAudit(r.Context(), auditEntry(r, p, "space.delete", "space", sp.ID))
	})
	switch {
	case errors.Is(err, store.ErrPersonalSpace):
		err = apperr.Fields("A personal space cannot be deleted.", map[string]string{"space": "personal spaces go with their account"})
	case errors.Is(err, store.ErrSpaceNotEmpty):
		err = apperr.New(apperr.Conflict, "the space still holds documents (the trash included); move or purge them first")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listSpaceMembers(w http.ResponseWriter, r *http.Request, p *Principal) {
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleViewer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, err := s.deps.Store.SpaceMembers(r.Context(), sp.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]memberJSON, len(ms))
	for i, m := range ms {
		items[i] = toMemberJSON(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) addSpaceMember(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleAdmin)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	role, err := memberRole(body.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.deps.Store.UserByEmail(r.Context(), body.Email)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, r, apperr.Fields("No account has that email.", map[string]string{"email": "no account has this email"}))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var m *model.SpaceMember
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		var err error
		if m, err = tx.AddSpaceMember(r.Context(), sp.ID, u.ID, role); err != nil {
			return err
		}
		e := auditEntry(r, p, "space.member_add", "space", sp.ID)
		e.Details = map[string]any{"user_id": u.ID, "role": role.String()}
		return tx.AppendAudit(r.Context(), e)
	})
	if err != nil {
		s.writeError(w, r, memberError(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"member": toMemberJSON(m)})
}

func (s *Server) patchSpaceMember(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Role string `json:"role"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), model.RoleAdmin)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	role, err := memberRole(body.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var m *model.SpaceMember
	uid := r.PathValue("user_id")
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		var err error
		if m, err = tx.UpdateSpaceMember(r.Context(), sp.ID, uid, role); err != nil {
			return err
		}
		e := auditEntry(r, p, "space.member_update", "space", sp.ID)
		e.Details = map[string]any{"user_id": uid, "role": role.String()}
		return tx.AppendAudit(r.Context(), e)
	})
	if err != nil {
		s.writeError(w, r, memberError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": toMemberJSON(m)})
}

// removeSpaceMember removes a member (admin), or the caller themself (leave).
func (s *Server) removeSpaceMember(w http.ResponseWriter, r *http.Request, p *Principal) {
	uid := r.PathValue("user_id")
	need := model.RoleAdmin
	if uid == p.UserID {
		need = model.RoleViewer
	}
	sp, err := s.spaceAccess(r, p, r.PathValue("id"), need)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		if err := tx.RemoveSpaceMember(r.Context(), sp.ID, uid); err != nil {
			return err
		}
		e := auditEntry(r, p, "space.member_remove", "space", sp.ID)
		e.Details = map[string]any{"user_id": uid}
		return tx.AppendAudit(r.Context(), e)
	})
	if err != nil {
		s.writeError(w, r, memberError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// moveDocument moves a document to another space: editor in both.
func (s *Server) moveDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		SpaceID string `json:"space_id"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.SpaceID == "" {
		s.writeError(w, r, apperr.Fields("Choose the space to move to.", map[string]string{"space_id": "required"}))
		return
	}
	target, err := s.spaceAccess(r, p, body.SpaceID, model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from := d.SpaceID
	err = s.deps.Store.WithTx(r.Context(), func(tx *store.Store) error {
		if err := tx.MoveDocument(r.Context(), d, target); err != nil {
			return err
		}
		e := auditEntry(r, p, "document.move", "document", d.ID)
		e.Details = map[string]any{"from_space_id": from, "to_space_id": target.ID}
		return tx.AppendAudit(r.Context(), e)
	})
	switch {
	case errors.Is(err, store.ErrQuota):
		err = apperr.New(apperr.QuotaExceeded, "the document does not fit in the quota of the target space's owner")
	case errors.Is(err, store.ErrPlacedElsewhere):
		err = apperr.New(apperr.Conflict, "the original lives in a cloud drive of this space's owner; bring it back to system storage before moving it to a space of someone else")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err = s.deps.Store.Document(r.Context(), target.ID, d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDocument(w, r, p, d)
}
