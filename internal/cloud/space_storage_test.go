package cloud

import (
	"errors"
	"testing"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// A shared space keeps its own storage choice, set by its owner: its
// documents go to the owner's drive while the owner's personal documents
// stay in system storage; only the owner's own accounts are accepted;
// choosing system storage brings them back; disconnecting the drive puts
// the space back on system storage.
func TestSharedSpaceStorage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := ctxT(t)
		fo := newFakeOAuth()
		g, srv := newFakeGoogle(t, fo)
		e := newSvcEnv(t, st, srv)
		owner := &model.User{Email: "owner@space.test", PasswordHash: "x"}
		member := &model.User{Email: "member@space.test", PasswordHash: "x"}
		for _, u := range []*model.User{owner, member} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		acc := e.connect(fo, owner.ID, KindGoogleDrive)
		memberAcc := e.connect(fo, member.ID, KindGoogleDrive)
		sp := &model.Space{Name: "Household", OwnerID: owner.ID}
		if err := st.CreateSpace(ctx, sp); err != nil {
			t.Fatal(err)
		}
		if sp.StorageBackend != model.BackendSystem {
			t.Fatalf("a new space of an owner on system storage starts on %q", sp.StorageBackend)
		}
		shared := e.document(owner.ID, "shared.txt", []byte("a household bill\n"))
		personal := e.document(owner.ID, "personal.txt", []byte("my own letter\n"))
		if err := st.MoveDocument(ctx, shared, sp); err != nil {
			t.Fatal(err)
		}
		where := func(d *model.Document) string {
			t.Helper()
			got, err := st.DocumentForJob(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.StorageBackend == model.BackendSystem {
				return got.StorageBackend + "/" + got.StorageState
			}
			return "drive:" + got.StorageBackend + "/" + got.StorageState
		}
		a := Actor{UserID: owner.ID}

		// Only the owner's own accounts: another user's is a 422 on backend.
		err := e.s.SetSpaceBackend(ctx, a, sp, memberAcc.ID)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Fields["backend"] == "" {
			t.Fatalf("a member's account as the space's storage: %v", err)
		}
		if got, _ := st.SpaceByID(ctx, sp.ID); got.StorageBackend != model.BackendSystem {
			t.Fatalf("a refused choice changed the space to %q", got.StorageBackend)
		}

		// Choosing what the space already has, with nothing elsewhere, queues no move.
		if err := e.s.SetSpaceBackend(ctx, a, sp, model.BackendSystem); err != nil || len(e.jobs.migrate) != 0 {
			t.Fatalf("system storage again: %v, move jobs %v", err, e.jobs.migrate)
		}
		if err := e.s.SetSpaceBackend(ctx, a, sp, acc.ID); err != nil {
			t.Fatal(err)
		}
		if len(e.jobs.migrate) != 1 || e.jobs.migrate[0] != owner.ID {
			t.Fatalf("move jobs after choosing a drive: %v", e.jobs.migrate)
		}
		if got := where(shared); got != "system/pending" {
			t.Fatalf("the space's document after choosing a drive: %s", got)
		}
		if got := where(personal); got != "system/stored" {
			t.Fatalf("the owner's personal document after choosing a drive for the space: %s", got)
		}
		if err := e.s.MigrateUser(ctx, owner.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range e.jobs.place {
			if err := e.s.Place(ctx, id, false); err != nil {
				t.Fatal(err)
			}
		}
		if got := where(shared); got != "drive:"+acc.ID+"/placed" {
			t.Fatalf("the space's document after the move: %s", got)
		}
		if got := where(personal); got != "system/stored" {
			t.Fatalf("the owner's personal document after the move: %s", got)
		}
		if len(g.files) == 0 {
			t.Fatal("nothing reached the drive")
		}

		// A new document of the space (uploaded by anyone) is placed too.
		later := e.document(owner.ID, "later.txt", []byte("another bill\n"))
		if err := st.MoveDocument(ctx, later, sp); err != nil {
			t.Fatal(err)
		}
		// (lifecycle.Processed queues its placement: see the lifecycle's tests.)
		if err := e.s.Place(ctx, later.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := where(later); got != "drive:"+acc.ID+"/placed" {
			t.Fatalf("a new document of the space after placement: %s", got)
		}
		if got := where(personal); got != "system/stored" {
			t.Fatalf("the owner's personal document: %s", got)
		}

		// Back to system storage: the space's documents come back.
		if err := e.s.SetSpaceBackend(ctx, a, sp, model.BackendSystem); err != nil {
			t.Fatal(err)
		}
		e.jobs.place = nil
		if err := e.s.MigrateUser(ctx, owner.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range e.jobs.place {
			if err := e.s.Place(ctx, id, false); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []*model.Document{shared, later} {
			if got := where(d); got != "system/stored" {
				t.Fatalf("%s after choosing system storage again: %s", d.Title, got)
			}
		}

		// Disconnecting the drive the space uses puts the space on system storage.
		if err := e.s.SetSpaceBackend(ctx, a, sp, acc.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Disconnect(ctx, a, acc.ID); err != nil {
			t.Fatal(err)
		}
		got, err := st.SpaceByID(ctx, sp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.StorageBackend != model.BackendSystem {
			t.Fatalf("after disconnecting its drive the space keeps documents on %q", got.StorageBackend)
		}

		// A personal space's storage is its user's own setting.
		mine, err := st.SpaceByID(ctx, member.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetSpaceBackend(ctx, Actor{UserID: member.ID}, mine, memberAcc.ID); err != nil {
			t.Fatal(err)
		}
		u, err := st.UserByID(ctx, member.ID)
		if err != nil || u.StorageBackend != memberAcc.ID {
			t.Fatalf("a personal space's storage did not set the user's: %+v %v", u, err)
		}
		if mine, err = st.SpaceByID(ctx, member.ID); err != nil || mine.StorageBackend != memberAcc.ID {
			t.Fatalf("a personal space reads %q, want its user's %q (%v)", mine.StorageBackend, memberAcc.ID, err)
		}
	})
}

// A new shared space starts where its owner keeps documents.
func TestNewSpaceStartsOnOwnersStorage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := ctxT(t)
		fo := newFakeOAuth()
		_, srv := newFakeGoogle(t, fo)
		e := newSvcEnv(t, st, srv)
		owner := &model.User{Email: "drive@space.test", PasswordHash: "x"}
		if err := st.CreateUser(ctx, owner); err != nil {
			t.Fatal(err)
		}
		acc := e.connect(fo, owner.ID, KindGoogleDrive)
		if err := e.s.SetBackend(ctx, owner.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		sp := &model.Space{Name: "Team", OwnerID: owner.ID}
		if err := st.CreateSpace(ctx, sp); err != nil {
			t.Fatal(err)
		}
		got, err := st.SpaceByID(ctx, sp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sp.StorageBackend != acc.ID || got.StorageBackend != acc.ID {
			t.Fatalf("new space storage %q / stored %q, want the owner's %q", sp.StorageBackend, got.StorageBackend, acc.ID)
		}
	})
}
