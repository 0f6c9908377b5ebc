package document

import (
	"context"
	"fmt"
	"io"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
)

// Remote reads and removes originals that live outside the system blob
// store, in a user's cloud drive (storage_state "placed"). The cloud
// service implements it; Config.Remote hands it in.
type Remote interface {
	OpenRemote(ctx context.Context, d *model.Document) (io.ReadCloser, error)
	RemoveRemote(ctx context.Context, d *model.Document) error
}

func placed(d *model.Document) bool { return d.StorageState == model.StoragePlaced }

// openPlaced streams a placed document, skipping to rng (drives are read
// from the start).
func (s *Service) openPlaced(ctx context.Context, d *model.Document, rng *blob.Range) (io.ReadCloser, error) {
	if s.remote == nil {
		return nil, apperr.New(apperr.Unavailable, "this document lives in a cloud drive, which this server cannot reach")
	}
	rc, err := s.remote.OpenRemote(ctx, d)
	if err != nil {
		return nil, err
	}
	if rng == nil {
		return rc, nil
	}
	if _, err := io.CopyN(io.Discard, rc, rng.Offset); err != nil {
		rc.Close()
		return nil, fmt.Errorf("open document %s: skip to %d: %w", d.ID, rng.Offset, err)
	}
	if rng.Length < 0 {
		return rc, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, rng.Length), rc}, nil
}
