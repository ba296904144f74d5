package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Mailer sends the outbox through an SMTP server.
type Mailer struct {
	DB *db.DB
	// Addr is the server, host:port.
	Addr string
	// From is the sender address.
	From string
	// Username and Password, when set, authenticate with PLAIN (only over
	// TLS or to localhost, as net/smtp insists).
	Username, Password string
	// TLS configures STARTTLS, used whenever the server offers it; nil
	// verifies the server's certificate against its host name.
	TLS *tls.Config
	// MaxAttempts before a mail is marked failed (default 8).
	MaxAttempts int
	// Backoff gives the wait after the n-th failed attempt (default one
	// minute doubling up to six hours).
	Backoff func(n int) time.Duration
	// Timeout bounds one conversation with the server (default 30 s).
	Timeout time.Duration
}

// DrainResult counts what one pass did.
type DrainResult struct {
	Sent, Retry, Failed int
}

// Outgoing is a queued mail.
type Outgoing struct {
	ID       int64
	To       string
	Subject  string
	Body     string
	Attempts int
}

func (m *Mailer) maxAttempts() int {
	if m.MaxAttempts <= 0 {
		return 8
	}
	return m.MaxAttempts
}

func (m *Mailer) backoff(n int) time.Duration {
	if m.Backoff != nil {
		return m.Backoff(n)
	}
	d := time.Minute << min(n-1, 9)
	return min(d, 6*time.Hour)
}

// Drain sends every mail that is due, at most limit of them (0: 500), and
// records each outcome: sent; queued again with a later attempt time; or
// failed after the last attempt or on a permanent (5xx) refusal.
func (m *Mailer) Drain(ctx context.Context, limit int) (DrainResult, error) {
	var res DrainResult
	if limit <= 0 {
		limit = 500
	}
	rows, err := m.DB.Read.QueryContext(ctx, `SELECT id, to_addr, subject, body, attempts FROM mail_outbox
		WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, m.DB.Now(), limit)
	due, err := db.Collect(rows, err, "outbox", func(s interface{ Scan(...any) error }) (Outgoing, error) {
		var o Outgoing
		err := s.Scan(&o.ID, &o.To, &o.Subject, &o.Body, &o.Attempts)
		return o, err
	})
	if err != nil {
		return res, err
	}
	for _, o := range due {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sendErr := m.Send(ctx, o)
		now := m.DB.Now()
		switch {
		case sendErr == nil:
			_, err = m.DB.Write.ExecContext(ctx, `UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = '' WHERE id = $2`, now, o.ID)
			res.Sent++
		case permanent(sendErr) || o.Attempts+1 >= m.maxAttempts():
			_, err = m.DB.Write.ExecContext(ctx, `UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2`, trim(sendErr.Error()), o.ID)
			res.Failed++
		default:
			_, err = m.DB.Write.ExecContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3`,
				trim(sendErr.Error()), now.Add(m.backoff(o.Attempts+1)), o.ID)
			res.Retry++
		}
		if err != nil {
			return res, apperr.Wrap(err, "outbox update")
		}
	}
	return res, nil
}

func trim(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// permanent reports an SMTP 5xx answer: the server will not take the mail.
func permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

// Send delivers one mail in one SMTP conversation.
func (m *Mailer) Send(ctx context.Context, o Outgoing) error {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(m.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return err
	}
	if err := c.Rcpt(o.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Compose(m.From, o.To, o.Subject, o.Body, time.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Compose writes a plain-text UTF-8 message: the subject encoded as RFC
// 2047 words, the body in base64 lines of 76 characters.
func Compose(from, to, subject, body string, at time.Time) []byte {
	var b strings.Builder
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", clean(from))
	hdr("To", clean(to))
	hdr("Subject", mime.BEncoding.Encode("UTF-8", clean(subject)))
	hdr("Date", at.UTC().Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// clean keeps header values on one line.
func clean(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
