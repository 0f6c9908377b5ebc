package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/store"
)

const importFolderSummary = "upload every file of a folder for one user (skips what the user already has; run again to resume)"

func runImportFolder(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("import-folder", "--user EMAIL DIR", importFolderSummary, stderr)
	user := fs.String("user", "", "email of the account the documents go to (required)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: docuvault import-folder --user EMAIL DIR\n\n"+
			"Uploads every file under DIR (sub-folders too; hidden files and folders are skipped) for one user.\n"+
			"Files whose content the user already has are skipped, so running it again after an interruption\n"+
			"resumes where it stopped. Refused files (unsupported type, too large) are listed and skipped.\n"+
			"Progress goes to stderr; the documents are processed by the running serve or worker processes.\n"+
			"Configuration comes from the environment (see 'docuvault --help').\n")
		printFlags(stderr, fs)
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *user == "" {
		return errors.New("usage: docuvault import-folder --user EMAIL DIR")
	}
	dir := pos[0]
	if info, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the folder %s does not exist", dir)
	} else if err != nil {
		return err
	} else if !info.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	a, err := openApp(ctx, stderr, false)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Store.UserByEmail(ctx, *user)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no account with the email %q", *user)
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return fmt.Errorf("the account %s is disabled", u.Email)
	}
	st, err := a.Documents.ImportFolder(ctx, document.Actor{UserID: u.ID, UserAgent: "docuvault import-folder"}, dir, stderr)
	for _, e := range st.Errors {
		fmt.Fprintf(stdout, "refused: %s\n", e)
	}
	fmt.Fprintf(stdout, "%d imported (%d bytes), %d already there, %d refused\n", st.Imported, st.Bytes, st.Duplicates, st.Refused)
	if err != nil {
		return fmt.Errorf("%w\n(stopped; run the same command again to resume)", err)
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (`import-folder DIR --user EMAIL`), which the
// flag package alone stops at. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
