package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/mailin"
)

// Mail intake jobs: the periodic job queues one poll per account, and each
// account's poll is unique while pending, so however many nodes run and
// however often "poll now" is pressed, one poller works one account.

type mailPollArgs struct {
	AccountID string `json:"account_id"`
}

func (mailPollArgs) Kind() string { return "mail.poll" }

type mailPollAllArgs struct{}

func (mailPollAllArgs) Kind() string { return periodicMailPoll }

// periodicMailPoll is the name of the periodic job (every MAIL_POLL_INTERVAL).
const periodicMailPoll = "mail-poll"

// mailQueue implements mailin.Jobs on the engine.
type mailQueue struct{ e *jobs.Engine }

// EnqueuePoll makes sure a poll of the account starts after the call
// ("poll now"): one already running is followed by one more.
func (q mailQueue) EnqueuePoll(ctx context.Context, accountID string) error {
	_, err := q.e.EnqueueFresh(ctx, mailPollArgs{AccountID: accountID})
	return err
}

// buildMail makes the mail intake service from MAIL_CA_FILE and the shared
// sealer and SSRF guard (CLOUD_ALLOWED_HOSTS exempts a LAN mail server).
func (a *App) buildMail() error {
	cfg := mailin.Config{}
	if f := a.Config.MailCAFile; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("MAIL_CA_FILE: %w", err)
		}
		cfg.ExtraCAs = pem
	}
	var err error
	a.Mail, err = mailin.New(a.Store, a.Documents, a.Sealer, a.Guard, mailQueue{a.Jobs}, a.Log, cfg)
	if err != nil {
		return fmt.Errorf("MAIL_CA_FILE: %w", err)
	}
	return nil
}

// registerMailJobs adds the poll job kinds and the periodic job.
func (a *App) registerMailJobs(e *jobs.Engine) []error {
	m := a.Mail
	return []error{
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 3, Timeout: 30 * time.Minute, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[mailPollArgs]) error {
				_, err := m.Poll(ctx, job.Args.AccountID)
				return err
			}),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 3, UniqueWhilePending: true},
			func(ctx context.Context, _ *jobs.Job[mailPollAllArgs]) error {
				ids, err := a.Store.AllMailAccountIDs(ctx)
				if err != nil {
					return err
				}
				for _, id := range ids {
					// A poll running now is enough for the periodic round.
					if _, err := e.Enqueue(ctx, mailPollArgs{AccountID: id}, nil); err != nil {
						return err
					}
				}
				return nil
			}),
		e.AddPeriodic(periodicMailPoll, jobs.Every(a.Config.MailPollInterval), func() jobs.Args { return mailPollAllArgs{} }, true),
	}
}
