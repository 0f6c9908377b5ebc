// Package mail sends the vault's email: password-reset links and security
// alerts. SMTP sends through a submission server with STARTTLS; Log, the
// embedded default when SMTP_HOST is empty, writes each message to the log
// so a reset link can be copied from it. Templates render the messages.
package mail
