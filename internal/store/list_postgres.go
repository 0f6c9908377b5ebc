package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// listArgs has the list planned for its values each time: a cached
// generic plan cannot know how few documents a correspondent or a topic
// has, and walked the whole space for a rare one.
func (postgresEngine) listArgs(args []any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// correspondentArm walks the space's correspondents by name and takes
// each one's first page by id (LATERAL): PostgreSQL would otherwise read
// all of a correspondent's documents to sort them by id.
func (postgresEngine) correspondentArm(alias string, w, corr []string, page string) string {
	if len(corr) == 0 {
		corr = []string{"true"}
	}
	return fmt.Sprintf("SELECT %s.id, %s.k FROM (SELECT l.id AS id, '0' || sc.name_key AS k FROM correspondents sc "+
		"CROSS JOIN LATERAL (SELECT d.id FROM documents d WHERE %s ORDER BY d.id LIMIT %s) l WHERE %s ORDER BY sc.name_key, l.id LIMIT %s) %s",
		alias, alias, strings.Join(w, " AND "), page, strings.Join(corr, " AND "), page, alias)
}

// explain is EXPLAIN, with ANALYZE and BUFFERS when analyze.
func (postgresEngine) explain(ctx context.Context, s *Store, q string, args []any, analyze bool) (string, error) {
	pre := "EXPLAIN "
	if analyze {
		pre = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := s.r.QueryContext(ctx, pre+q, args...)
	if err != nil {
		return "", fmt.Errorf("explain: %w", normalize(err))
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", fmt.Errorf("explain: %w", normalize(err))
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
