package extract

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// extractXLSX reads the formatted cell text of every sheet with excelize,
// one tab-separated line per row and a form feed between sheets. Pages is
// the sheet count. excelize trusts zip headers, so the container is first
// read completely through the zip limits (entries, decompressed bytes,
// ratio); only a container that passes goes to excelize.
func extractXLSX(ctx context.Context, in Input, lim Limits) (res *Result, err error) {
	lim = withDefaults(lim)
	z, err := openZip(in, lim)
	if err != nil {
		return nil, err
	}
	if err := z.checkAll(ctx); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: xlsx: excelize panicked: %v", ErrMalformed, p)
		}
	}()
	f, err := excelize.OpenReader(io.NewSectionReader(in.R, 0, in.Size), excelize.Options{
		UnzipSizeLimit: lim.MaxDecompressedBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: xlsx: %w", ErrMalformed, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	var notes []string
	total := len(sheets)
	if total > lim.MaxPages {
		sheets = sheets[:lim.MaxPages]
		notes = append(notes, fmt.Sprintf("only the first %d of %d sheets were read", lim.MaxPages, total))
	}
	tb := newTextBuilder(lim)
	for i, sheet := range sheets {
		if i > 0 {
			if tb.pageBreak() != nil {
				break
			}
		}
		if err := sheetText(ctx, f, sheet, tb); err == errTextFull {
			break
		} else if err != nil {
			return nil, err
		}
	}
	res = tb.result(total)
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// sheetText writes the rows of one sheet, trailing empty cells dropped.
func sheetText(ctx context.Context, f *excelize.File, sheet string, tb *textBuilder) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("%w: xlsx sheet %q: %w", ErrMalformed, sheet, err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cols, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("%w: xlsx sheet %q: %w", ErrMalformed, sheet, err)
		}
		for len(cols) > 0 && strings.TrimSpace(cols[len(cols)-1]) == "" {
			cols = cols[:len(cols)-1]
		}
		if len(cols) == 0 {
			continue
		}
		for i, c := range cols {
			cols[i] = strings.Join(strings.Fields(c), " ")
		}
		if err := tb.write(strings.Join(cols, "\t") + "\n"); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("%w: xlsx sheet %q: %w", ErrMalformed, sheet, err)
	}
	return nil
}
