package store

import "context"

// RankedBothWays runs a ranked page on PostgreSQL with the query ranked
// sends and with the query it replaced (the window joined to documents,
// ranked and sorted with all their columns in one level), for the test that
// both give the same page. It also returns the window's size as ranked
// read it (0 when the page was empty) and whether the replaced boundary
// query found the window full.
func (s *Store) RankedBothWays(ctx context.Context, userID string, q SearchQuery, f DocumentFilter, offset, n int) (got, want []SearchHit, matches int, full bool, err error) {
	spaces, err := s.searchSpaces(ctx, userID, f.SpaceID)
	if err != nil {
		return nil, nil, 0, false, err
	}
	x := tsvectorIndex{}
	sq := &searchSQL{s: s, user: userID, spaces: spaces, q: q, f: f}
	if got, err = x.ranked(ctx, sq, offset, n); err != nil {
		return nil, nil, 0, false, err
	}
	matches = sq.matches
	sq.begin()
	tq := tsquery(sq)
	old := `SELECT ` + documentColumns + `, ts_rank_cd(c.tsv, ` + tq + `) AS score FROM (
			SELECT ds.document_id, ds.tsv FROM document_search ds
			WHERE ds.owner_id IN (` + sq.spaceList() + `) AND ds.tsv @@ ` + tq + `
			ORDER BY ds.created_at DESC, ds.document_id DESC LIMIT 500) c
			JOIN documents d ON d.id = c.document_id WHERE ` + sq.where() +
		` ORDER BY score DESC, d.id LIMIT ` + sq.arg(n) + ` OFFSET ` + sq.arg(offset)
	if want, _, err = sq.run(ctx, old, noKey); err != nil {
		return nil, nil, 0, false, err
	}
	sq.matches = 0 // ask the database, as before
	_, full, err = x.boundary(ctx, sq)
	return got, want, matches, full, err
}
