// Command docuvault is the DocuVault server, worker and admin tool in one binary.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/docuvault/docuvault/internal/app"
	"github.com/docuvault/docuvault/internal/backup"
	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/integrity"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API, web UI and job workers", runServe},
		{"worker", "run job workers only (scale-out)", runWorker},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"export", "write a complete backup into a folder (resumable)", runExport},
		{"import", "restore a backup folder into an empty instance", runImport},
		{"import-folder", importFolderSummary, runImportFolder},
		{"backup-sqlite", backupSQLiteSummary, runBackupSQLite},
		{"check", "verify every document, blob, counter and index; --repair fixes what is safe", runCheck},
		{"reindex", reindexSummary, runReindex},
		{"bench", benchSummary, runBench},
		{"healthcheck", "exit 0 when the local server's /health is ok (for containers)", runHealthcheck},
		{"version", "print the version", runVersion},
	}
}

func main() {
	privateFiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			// Asked-for help is the command's output: stdout, like
			// `docuvault --help`. Flag mistakes stay on stderr.
			errw := stderr
			if wantsHelp(args[1:]) {
				errw = stdout
			}
			err := c.run(ctx, args[1:], stdout, errw)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "docuvault %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "docuvault: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// wantsHelp reports whether a command's arguments ask for its help (before
// any "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "DocuVault: a self-hosted document vault.")
	fmt.Fprintln(w, "\nUsage: docuvault COMMAND [flags] [arguments]\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun 'docuvault COMMAND --help' for its flags. Configuration comes from the environment:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range config.Variables {
		fmt.Fprintf(tw, "  %s\t%s (default: %s)\n", v.Name, v.Help, v.Default)
	}
	tw.Flush()
}

// flags makes a FlagSet whose --help prints "Usage: docuvault NAME ARGS",
// the command's summary and its flags, aligned.
func flags(name, args, summary string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: %s\n\n%s.\nConfiguration comes from the environment (see 'docuvault --help').\n", strings.TrimSpace("docuvault "+name+" "+args), strings.ToUpper(summary[:1])+summary[1:])
		printFlags(w, fs)
	}
	return fs
}

// printFlags lists a FlagSet's flags in two aligned columns.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var n int
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		arg, help := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if arg != "" {
			name += " " + strings.ToUpper(arg)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			help += " (default: " + f.DefValue + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, help)
	})
	tw.Flush()
}

func loadConfig() (*config.Config, error) { return config.FromEnv() }

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flags("serve", "", "run the HTTP API, web UI and job workers", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	// Bind first: a busy port is reported at once, before migrations.
	ln, err := app.Listen(cfg.ListenAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	log := app.NewLogger(cfg, stderr)
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true, RunWorkers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx); err != nil {
		return err
	}
	return a.ServeListener(ctx, ln, nil)
}

func runWorker(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := flags("worker", "", "run job workers only (scale-out)", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, stderr)
	a, err := app.Open(ctx, cfg, log, app.Options{RunWorkers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWorker(ctx)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("migrate", "", "apply database migrations and exit", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, stderr)
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.Store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database is at schema version %d\n", v)
	return nil
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("version", "", "print the version", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, app.VersionString())
	return nil
}

func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("healthcheck", "", "exit 0 when the local server's /health is ok (for containers)", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(cfg.ListenAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/health", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return fmt.Errorf("health answer: %w", err)
	}
	fmt.Fprintln(stdout, body.Status)
	if body.Status != "ok" {
		return fmt.Errorf("status is %q", body.Status)
	}
	return nil
}

// openApp opens the configured instance for an admin command.
func openApp(ctx context.Context, stderr io.Writer, migrate bool) (*app.App, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, app.NewLogger(cfg, stderr), app.Options{Migrate: migrate})
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("export", "[--skip-unreachable] DIR", "write a complete backup into a folder (resumable); originals in users' cloud drives are read from the drives", stderr)
	skip := fs.Bool("skip-unreachable", false, "leave out documents whose cloud drive cannot be read (listed in the manifest) instead of stopping")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: docuvault export [--skip-unreachable] DIR")
	}
	a, err := openApp(ctx, stderr, false)
	if err != nil {
		return err
	}
	defer a.Close()
	o := backup.ExportOptions{AppVersion: app.VersionString(), Progress: stderr, SkipUnreachable: *skip, Instance: a.Config.InstanceID()}
	if a.Cloud != nil {
		o.Remote = a.Cloud
	}
	m, err := backup.Export(ctx, a.Store, a.Blobs, fs.Arg(0), o)
	if errors.Is(err, backup.ErrUnreachable) {
		return fmt.Errorf("%w\n(the export stopped; make the drive reachable and run it again to resume, or pass --skip-unreachable to leave such documents out)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d users, %d topics, %d documents and %d audit entries to %s\n",
		len(m.Users), len(m.Topics), len(m.Documents), len(m.Audit), fs.Arg(0))
	for _, sk := range m.Skipped {
		fmt.Fprintf(stdout, "NOT in this backup: document %s (%q): %s\n", sk.DocumentID, sk.Title, sk.Reason)
	}
	if len(m.Skipped) > 0 {
		fmt.Fprintf(stdout, "WARNING: %d document(s) left out because their cloud drive could not be read\n", len(m.Skipped))
	}
	return nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("import", "[--resume] DIR", "restore a backup folder into an empty instance", stderr)
	resume := fs.Bool("resume", false, "continue an interrupted import, keeping what is already there")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: docuvault import [--resume] DIR")
	}
	if _, err := os.Stat(fs.Arg(0)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the folder %s does not exist", fs.Arg(0))
	}
	a, err := openApp(ctx, stderr, true)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := backup.Import(ctx, a.Store, a.Blobs, fs.Arg(0), *resume, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d users, %d topics, %d documents and %d audit entries; every checksum verified\n",
		len(m.Users), len(m.Topics), len(m.Documents), len(m.Audit))
	return nil
}

// errProblems makes `check` exit non-zero after printing its report.
var errProblems = errors.New("problems found (see the report above)")

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("check", "[--repair] [--quick]", "verify every document, blob, counter and index; --repair fixes what is safe", stderr)
	repair := fs.Bool("repair", false, "fix what can be fixed safely (orphans, counters, index, stuck documents)")
	quick := fs.Bool("quick", false, "compare sizes only instead of reading every blob")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, stderr, false)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := integrity.Run(ctx, a.Store, a.Blobs, a.CheckOptions(*repair, *quick))
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		return err
	}
	if rep.Problems() > 0 {
		return errProblems
	}
	return nil
}
