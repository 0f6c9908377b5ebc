// Package integrity proves that nothing was lost: every document row has its
// blob with the right size and checksum, no blob is an orphan, the search
// index and usage counters match the rows, no document refers to metadata
// of another space, and no document or job is stuck.
// With Repair it fixes what can be fixed safely and reports the rest.
package integrity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Options tune a check.
type Options struct {
	Repair bool
	Quick  bool // compare sizes only, skip reading every blob for its checksum
	// OrphanGrace: blobs younger than this are never called orphans (an
	// upload may be between writing its blob and committing its row).
	OrphanGrace time.Duration
	// StuckAfter: a document processing for longer than this is stuck.
	StuckAfter time.Duration
	// Requeue queues processing of stuck documents again (repair); nil skips.
	Requeue func(ctx context.Context, documentIDs []string) error
	// StuckJobs lists jobs that have been running too long; nil skips.
	StuckJobs func(ctx context.Context) ([]string, error)
	// Remote reads originals placed in users' cloud drives (the cloud
	// service); with a StatRemote method too, Quick checks their size
	// without reading them. nil: placed documents are listed as not
	// verified.
	Remote Remote
}

// Remote reads the original of a document placed in a cloud drive. Errors
// wrap store.ErrNotFound or cloud.ErrNotFound when the account or the file
// is gone.
type Remote interface {
	OpenRemote(ctx context.Context, d *model.Document) (io.ReadCloser, error)
}

// remoteStatter is Remote's optional size check, used by Quick.
type remoteStatter interface {
	StatRemote(ctx context.Context, d *model.Document) (int64, error)
}

// Report is what a check found and did.
type Report struct {
	Documents     int
	BlobsChecked  int
	PlacedChecked int      // originals read (or, Quick, sized) in cloud drives
	MissingBlobs  []string // document ids whose original is gone (also from its cloud drive)
	// PlacedUnverified lists documents in a cloud drive that could not be
	// checked (drive unreachable, or no Remote): a note, not a problem.
	PlacedUnverified []string
	SizeMismatches   []string
	ChecksumMismatch []string
	Orphans          []string // blob keys
	UsageDrifts      []store.UsageDrift
	Unindexed        []string
	StuckDocuments   []string
	StuckJobs        []string
	// SpaceProblems are spaces without exactly one owner member, and
	// documents or topics whose space is gone or whose owner_id is not
	// their space's owner (whose quota they count against).
	SpaceProblems []string
	// ForeignMetadata: documents referring to a correspondent, type or
	// field of another space, or linking to a document that is gone.
	ForeignMetadata []string
	// ShareLinks counts the share links checked. OpenLinksOnTrash are
	// links not revoked on documents in the trash (the trash revokes
	// them; repair does it); BadLinks are rows no server writes (a token
	// hash that is not a SHA-256, more downloads than the limit).
	ShareLinks       int
	OpenLinksOnTrash []string
	BadLinks         []string
	Repaired         []string
}

// Problems counts what is wrong and was not repaired.
func (r *Report) Problems() int {
	n := len(r.MissingBlobs) + len(r.SizeMismatches) + len(r.ChecksumMismatch) + len(r.StuckJobs) + len(r.SpaceProblems) + len(r.BadLinks)
	if !r.repairedAny("links") {
		n += len(r.OpenLinksOnTrash)
	}
	if !r.repairedAny("orphan") {
		n += len(r.Orphans)
	}
	if !r.repairedAny("usage") {
		n += len(r.UsageDrifts)
	}
	if !r.repairedAny("index") {
		n += len(r.Unindexed)
	}
	if !r.repairedAny("requeue") {
		n += len(r.StuckDocuments)
	}
	if !r.repairedAny("metadata") {
		n += len(r.ForeignMetadata)
	}
	return n
}

func (r *Report) repairedAny(kind string) bool {
	for _, x := range r.Repaired {
		if strings.HasPrefix(x, kind) {
			return true
		}
	}
	return false
}

// Write prints the report for people.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "checked %d documents (%d blobs read, %d originals checked in cloud drives)\n", r.Documents, r.BlobsChecked, r.PlacedChecked)
	list := func(label string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s: %d\n", label, len(items))
		for i, it := range items {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more\n", len(items)-20)
				break
			}
			fmt.Fprintf(w, "  %s\n", it)
		}
	}
	list("documents whose original is MISSING", r.MissingBlobs)
	list("documents whose original has the WRONG SIZE", r.SizeMismatches)
	list("documents whose original has the WRONG CHECKSUM", r.ChecksumMismatch)
	list("orphan blobs (no document refers to them)", r.Orphans)
	list("note: documents in cloud drives that could NOT BE VERIFIED (not counted as problems)", r.PlacedUnverified)
	var drift []string
	for _, d := range r.UsageDrifts {
		drift = append(drift, fmt.Sprintf("user %s: counted %d bytes/%d documents, actual %d/%d; reserved %d bytes/%d uploads, actual %d/%d",
			d.UserID, d.StoredBytes, d.StoredDocs, d.ActualBytes, d.ActualDocs, d.StoredReserved, d.StoredPending, d.ActualReserved, d.ActualPending))
	}
	list("usage counters that drifted", drift)
	list("documents missing from the search index", r.Unindexed)
	list("documents stuck in processing", r.StuckDocuments)
	list("jobs running too long", r.StuckJobs)
	list("spaces and their members or objects that do not agree", r.SpaceProblems)
	list("documents with metadata of another space or a broken link", r.ForeignMetadata)
	list("share links still open on documents in the trash", r.OpenLinksOnTrash)
	list("share links that no server writes", r.BadLinks)
	list("repaired", r.Repaired)
	if n := r.Problems(); n == 0 {
		fmt.Fprintln(w, "OK: nothing is lost or inconsistent")
	} else {
		fmt.Fprintf(w, "FOUND %d problem(s) that need attention\n", n)
	}
}

// Store is the part of *store.Store the check reads and, with Repair, fixes.
type Store interface {
	// Documents and their files.
	AllDocuments(ctx context.Context, fn func(*model.Document) error) error
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	StuckProcessing(ctx context.Context, t time.Time) ([]string, error)
	BlobKeyKnown(ctx context.Context, key string) (bool, error)
	IsPendingUploadKey(ctx context.Context, key string) (bool, error)

	// Usage counters and the search index.
	UsageDrifts(ctx context.Context) ([]store.UsageDrift, error)
	FixUsage(ctx context.Context, userID string) error
	Unindexed(ctx context.Context) ([]string, error)
	IndexDocument(ctx context.Context, id string) error

	// Spaces and metadata.
	SpaceProblems(ctx context.Context) ([]string, error)
	ForeignMetadata(ctx context.Context) ([]string, error)
	ClearForeignMetadata(ctx context.Context) error

	// Share links.
	AllShareLinks(ctx context.Context, fn func(*model.ShareLink) error) error
	RevokeDocumentLinks(ctx context.Context, documentIDs ...string) (int, error)
}

var _ Store = (*store.Store)(nil)

// Run checks (and with Repair, fixes) the whole instance.
func Run(ctx context.Context, st Store, blobs blob.Store, o Options) (*Report, error) {
	if o.OrphanGrace <= 0 {
		o.OrphanGrace = 6 * time.Hour
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = time.Hour
	}
	r := &Report{}
	err := st.AllDocuments(ctx, func(d *model.Document) error {
		r.Documents++
		if d.StorageState == model.StoragePlaced {
			// The original lives in the user's drive; the system copy was
			// removed on purpose after the drive's copy was verified.
			return checkPlaced(ctx, o.Remote, d, o.Quick, r)
		}
		missing := len(r.MissingBlobs)
		if err := checkBlob(ctx, blobs, d, o.Quick, r); err != nil {
			return err
		}
		if len(r.MissingBlobs) > missing {
			// Placed in a drive since the list was read (a server runs)?
			if now, err := st.DocumentForJob(ctx, d.ID); err == nil && now.StorageState == model.StoragePlaced {
				r.MissingBlobs = r.MissingBlobs[:missing]
				return checkPlaced(ctx, o.Remote, now, o.Quick, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := findOrphans(ctx, st, blobs, o.OrphanGrace, r); err != nil {
		return nil, err
	}
	if r.UsageDrifts, err = st.UsageDrifts(ctx); err != nil {
		return nil, err
	}
	if r.Unindexed, err = st.Unindexed(ctx); err != nil {
		return nil, err
	}
	if r.SpaceProblems, err = st.SpaceProblems(ctx); err != nil {
		return nil, err
	}
	if r.StuckDocuments, err = st.StuckProcessing(ctx, time.Now().Add(-o.StuckAfter)); err != nil {
		return nil, err
	}
	if r.ForeignMetadata, err = st.ForeignMetadata(ctx); err != nil {
		return nil, err
	}
	if o.StuckJobs != nil {
		if r.StuckJobs, err = o.StuckJobs(ctx); err != nil {
			return nil, err
		}
	}
	if err := checkLinks(ctx, st, r); err != nil {
		return nil, err
	}
	if o.Repair {
		if err := repair(ctx, st, blobs, o, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// checkPlaced verifies a placed document's original in its cloud drive:
// its SHA-256 (or, quick, its size when the drive can tell).
func checkPlaced(ctx context.Context, remote Remote, d *model.Document, quick bool, r *Report) error {
	where := fmt.Sprintf("%s (in cloud account %s)", d.ID, d.StorageBackend)
	if remote == nil {
		r.PlacedUnverified = append(r.PlacedUnverified, where+": this check cannot reach cloud drives")
		return nil
	}
	gone := func(err error) bool { return errors.Is(err, cloud.ErrNotFound) || errors.Is(err, store.ErrNotFound) }
	unverified := func(err error) error {
		if errors.Is(err, context.Canceled) {
			return err
		}
		if gone(err) {
			r.MissingBlobs = append(r.MissingBlobs, where)
			return nil
		}
		r.PlacedUnverified = append(r.PlacedUnverified, where+": "+err.Error())
		return nil
	}
	if st, ok := remote.(remoteStatter); ok && quick {
		size, err := st.StatRemote(ctx, d)
		if err != nil {
			return unverified(err)
		}
		r.PlacedChecked++
		if size != d.SizeBytes {
			r.SizeMismatches = append(r.SizeMismatches, fmt.Sprintf("%s (%d bytes in the drive, %d recorded)", where, size, d.SizeBytes))
		}
		return nil
	}
	rc, err := remote.OpenRemote(ctx, d)
	if err != nil {
		return unverified(err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return unverified(err)
	}
	r.PlacedChecked++
	switch {
	case n != d.SizeBytes:
		r.SizeMismatches = append(r.SizeMismatches, fmt.Sprintf("%s (%d bytes in the drive, %d recorded)", where, n, d.SizeBytes))
	case hex.EncodeToString(h.Sum(nil)) != d.SHA256:
		r.ChecksumMismatch = append(r.ChecksumMismatch, where)
	}
	return nil
}

func checkBlob(ctx context.Context, blobs blob.Store, d *model.Document, quick bool, r *Report) error {
	info, err := blobs.Stat(ctx, d.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		r.MissingBlobs = append(r.MissingBlobs, d.ID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", d.BlobKey, err)
	}
	if info.Size != d.SizeBytes {
		r.SizeMismatches = append(r.SizeMismatches, fmt.Sprintf("%s (%d bytes stored, %d recorded)", d.ID, info.Size, d.SizeBytes))
		return nil
	}
	if quick {
		return nil
	}
	rc, _, err := blobs.Get(ctx, d.BlobKey, nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", d.BlobKey, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return fmt.Errorf("read %s: %w", d.BlobKey, err)
	}
	r.BlobsChecked++
	if got := hex.EncodeToString(h.Sum(nil)); got != d.SHA256 {
		r.ChecksumMismatch = append(r.ChecksumMismatch, d.ID)
	}
	return nil
}

func findOrphans(ctx context.Context, st Store, blobs blob.Store, grace time.Duration, r *Report) error {
	cutoff := time.Now().Add(-grace)
	return blobs.List(ctx, "", func(info blob.Info) error {
		if strings.HasPrefix(info.Key, "audit/") || info.ModTime.After(cutoff) {
			return nil
		}
		known, err := st.BlobKeyKnown(ctx, info.Key)
		if err != nil || known {
			return err
		}
		pending, err := st.IsPendingUploadKey(ctx, info.Key)
		if err != nil || pending {
			return err
		}
		r.Orphans = append(r.Orphans, info.Key)
		return nil
	})
}

func repair(ctx context.Context, st Store, blobs blob.Store, o Options, r *Report) error {
	for _, k := range r.Orphans {
		if err := blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	if len(r.Orphans) > 0 {
		r.Repaired = append(r.Repaired, fmt.Sprintf("orphans: removed %d blobs", len(r.Orphans)))
	}
	for _, d := range r.UsageDrifts {
		if err := st.FixUsage(ctx, d.UserID); err != nil {
			return err
		}
	}
	if len(r.UsageDrifts) > 0 {
		r.Repaired = append(r.Repaired, fmt.Sprintf("usage: recounted %d users", len(r.UsageDrifts)))
	}
	for _, id := range r.Unindexed {
		if err := st.IndexDocument(ctx, id); err != nil {
			return err
		}
	}
	if len(r.Unindexed) > 0 {
		r.Repaired = append(r.Repaired, fmt.Sprintf("index: reindexed %d documents", len(r.Unindexed)))
	}
	if len(r.ForeignMetadata) > 0 {
		if err := st.ClearForeignMetadata(ctx); err != nil {
			return err
		}
		r.Repaired = append(r.Repaired, fmt.Sprintf("metadata: cleared %d references across spaces or to gone documents", len(r.ForeignMetadata)))
	}
	trashed := map[string]bool{}
	for _, l := range r.OpenLinksOnTrash {
		doc, _, _ := strings.Cut(l, " ")
		if !trashed[doc] {
			trashed[doc] = true
			if _, err := st.RevokeDocumentLinks(ctx, doc); err != nil {
				return err
			}
		}
	}
	if len(r.OpenLinksOnTrash) > 0 {
		r.Repaired = append(r.Repaired, fmt.Sprintf("links: revoked %d share links of %d trashed documents", len(r.OpenLinksOnTrash), len(trashed)))
	}
	if len(r.StuckDocuments) > 0 && o.Requeue != nil {
		if err := o.Requeue(ctx, r.StuckDocuments); err != nil {
			return err
		}
		r.Repaired = append(r.Repaired, fmt.Sprintf("requeue: queued processing of %d documents", len(r.StuckDocuments)))
	}
	return nil
}

// checkLinks finds share links that are open on a trashed document, and
// rows no server writes.
func checkLinks(ctx context.Context, st Store, r *Report) error {
	trashed := map[string]bool{}
	err := st.AllDocuments(ctx, func(d *model.Document) error {
		if d.DeletedAt != nil {
			trashed[d.ID] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	return st.AllShareLinks(ctx, func(l *model.ShareLink) error {
		r.ShareLinks++
		if _, err := hex.DecodeString(l.TokenHash); err != nil || len(l.TokenHash) != 64 {
			r.BadLinks = append(r.BadLinks, fmt.Sprintf("%s (document %s): the token hash is not a SHA-256", l.ID, l.DocumentID))
		}
		if l.MaxDownloads != nil && l.DownloadCount > *l.MaxDownloads {
			r.BadLinks = append(r.BadLinks, fmt.Sprintf("%s (document %s): %d downloads counted, %d allowed", l.ID, l.DocumentID, l.DownloadCount, *l.MaxDownloads))
		}
		if l.RevokedAt == nil && trashed[l.DocumentID] {
			r.OpenLinksOnTrash = append(r.OpenLinksOnTrash, l.DocumentID+" (link "+l.ID+")")
		}
		return nil
	})
}
