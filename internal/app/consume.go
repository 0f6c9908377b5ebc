package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/store"
)

// The consume folder (CONSUME_DIR) is polled: it works on every file
// system, network shares and container volumes included, where change
// notifications often do not arrive.
const (
	consumeInterval = 5 * time.Second
	// consumeSettle is how long a file must be unchanged before it is
	// taken, so a file still being copied in waits.
	consumeSettle = 5 * time.Second
)

// startConsume starts watching CONSUME_DIR when it is configured. The
// returned function waits for the watcher to end once ctx has ended; call it
// before closing the store.
func (a *App) startConsume(ctx context.Context) (wait func()) {
	if a.Config.ConsumeDir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.consumeLoop(ctx)
	}()
	return func() { <-done }
}

// consumeLoop imports the files dropped into the consume folder for
// CONSUME_USER until ctx ends. A file is moved to .imported/ only after its
// document committed (or was found to be a duplicate), to .failed/ with a
// .error.txt beside it when it is refused; when the instance itself fails
// (database, storage) the file stays for the next pass.
func (a *App) consumeLoop(ctx context.Context) {
	log := a.Log.With("component", "consume", "dir", a.Config.ConsumeDir)
	log.Info("watching the consume folder", "user", a.Config.ConsumeUser, "interval", consumeInterval)
	t := time.NewTicker(consumeInterval)
	defer t.Stop()
	failing := ""
	for {
		err := a.consumePass(ctx, log)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && err.Error() != failing:
			// Said once until it changes or heals, not every 5 seconds.
			log.Error("consume folder: files stay where they are until this is fixed", "err", err)
			failing = err.Error()
		case err == nil && failing != "":
			log.Info("consume folder works again")
			failing = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) consumePass(ctx context.Context, log *slog.Logger) error {
	u, err := a.Store.UserByEmail(ctx, a.Config.ConsumeUser)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("CONSUME_USER %s has no account", a.Config.ConsumeUser)
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return fmt.Errorf("CONSUME_USER %s is disabled", u.Email)
	}
	st, err := a.Documents.ConsumeOnce(ctx, document.Actor{UserID: u.ID, UserAgent: "docuvault consume folder"}, a.Config.ConsumeDir, consumeSettle)
	for _, e := range st.Errors {
		log.Warn("consume folder: file refused, moved to .failed", "file", e)
	}
	if st.Imported+st.Duplicates > 0 {
		log.Info("consume folder: files imported", "imported", st.Imported, "bytes", st.Bytes, "duplicates", st.Duplicates)
	}
	return err
}
