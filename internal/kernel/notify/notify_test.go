package notify_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"mime"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/notify"
)

type fixture struct {
	d           *db.DB
	org         int64
	zhUser      int64
	enUser      int64
	outsider    int64
	disabledUsr int64
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	now := d.Now()
	var f fixture
	f.d = d
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO orgs (uscc, name_zh, kind, created_at, updated_at) VALUES ('91310000TEST00001X', '测试', 'enterprise', $1, $1) RETURNING id`, now).Scan(&f.org); err != nil {
			return err
		}
		user := func(email, locale string, disabled bool) int64 {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, locale, disabled, created_at, updated_at) VALUES ($1, $1, 'x', $2, $3, $4, $4) RETURNING id`,
				email, locale, disabled, now).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		f.zhUser = user("zh@example.test", "zh", false)
		f.enUser = user("en@example.test", "en", false)
		f.outsider = user("out@example.test", "", false)
		f.disabledUsr = user("off@example.test", "en", true)
		for _, u := range []int64{f.zhUser, f.enUser, f.disabledUsr} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, 'member', $3)`, u, f.org, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func msg(key string) notify.Message {
	return notify.Message{
		Kind:  "program.eligible",
		Key:   key,
		Title: notify.Text{Zh: "您符合条件", En: "You qualify"},
		Body:  notify.Text{Zh: "正文", En: "Body text"},
		Link:  "/programs/scitech-sme",
	}
}

func TestToOrgOncePerKeyAndMailInRecipientLanguage(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	n := &notify.Notifier{DB: f.d}
	for i := 0; i < 2; i++ {
		var got int
		err := f.d.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			got, err = n.ToOrg(ctx, tx, f.org, msg("eligible:1:1"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if i == 1 {
			want = 0
		}
		if got != want {
			t.Fatalf("pass %d: %d notices written, want %d", i, got, want)
		}
	}
	var mails int
	if err := f.d.Read.QueryRow(`SELECT COUNT(*) FROM mail_outbox`).Scan(&mails); err != nil || mails != 2 {
		t.Fatalf("outbox has %d mails (%v), want 2", mails, err)
	}
	var subj, body string
	if err := f.d.Read.QueryRow(`SELECT subject, body FROM mail_outbox WHERE to_addr = 'en@example.test'`).Scan(&subj, &body); err != nil {
		t.Fatal(err)
	}
	if subj != "You qualify" || !strings.Contains(body, "Body text") || !strings.Contains(body, "/programs/scitech-sme") {
		t.Fatalf("english mail: %q %q", subj, body)
	}
	if err := f.d.Read.QueryRow(`SELECT subject FROM mail_outbox WHERE to_addr = 'zh@example.test'`).Scan(&subj); err != nil || subj != "您符合条件" {
		t.Fatalf("chinese mail subject %q (%v)", subj, err)
	}
	// A rolled-back change leaves no notice behind.
	_ = f.d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := n.ToOrg(ctx, tx, f.org, msg("eligible:2:1")); err != nil {
			t.Fatal(err)
		}
		return sql.ErrTxDone
	})
	items, unread, err := n.List(ctx, f.zhUser, false, 0)
	if err != nil || len(items) != 1 || unread != 1 {
		t.Fatalf("list: %d items, %d unread, %v", len(items), unread, err)
	}
	if _, un, _ := n.List(ctx, f.outsider, false, 0); un != 0 {
		t.Fatalf("outsider has %d unread", un)
	}
}

func TestReadAndReadAll(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	n := &notify.Notifier{DB: f.d}
	err := f.d.Tx(ctx, func(tx *sql.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if _, err := n.ToUser(ctx, tx, f.zhUser, msg(k)); err != nil {
				return err
			}
		}
		_, err := n.ToUser(ctx, tx, f.enUser, msg("a"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, _ := n.List(ctx, f.zhUser, false, 0)
	if err := n.MarkRead(ctx, f.enUser, items[0].ID); err == nil {
		t.Fatal("another user's notice was marked read")
	}
	if err := n.MarkRead(ctx, f.zhUser, items[1].ID); err != nil {
		t.Fatal(err)
	}
	items, unread, _ := n.List(ctx, f.zhUser, false, 0)
	if unread != 2 || items[2].ReadAt == nil || items[0].ReadAt != nil {
		t.Fatalf("after one read: unread %d, order %+v", unread, items)
	}
	if c, err := n.MarkAllRead(ctx, f.zhUser); err != nil || c != 2 {
		t.Fatalf("read all: %d %v", c, err)
	}
	if u, _ := n.Unread(ctx, f.enUser); u != 1 {
		t.Fatalf("other user's unread changed: %d", u)
	}
}

func TestMessageChecked(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	n := &notify.Notifier{DB: f.d}
	_ = f.d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := n.ToUser(ctx, tx, f.zhUser, notify.Message{Kind: "x", Title: notify.Text{Zh: "只有中文"}}); err == nil {
			t.Error("a title in one language was accepted")
		}
		if _, err := n.ToUser(ctx, tx, f.zhUser, notify.Message{Kind: "x", Title: notify.Text{Zh: "a", En: "a"}, Link: "https://evil.example"}); err == nil {
			t.Error("an outside link was accepted")
		}
		return nil
	})
}

// smtpServer is a minimal SMTP server: it records each delivered message
// and refuses recipients listed in reject (550) or, once each, those in
// flaky (451).
type smtpServer struct {
	ln     net.Listener
	mu     sync.Mutex
	got    map[string][]string
	reject map[string]bool
	flaky  map[string]bool
}

func newSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, got: map[string][]string{}, reject: map[string]bool{}, flaky: map[string]bool{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 test ESMTP")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = strings.Trim(strings.TrimSpace(line)[len("RCPT TO:"):], "<>")
			s.mu.Lock()
			switch {
			case s.reject[rcpt]:
				say("550 no such user")
			case s.flaky[rcpt]:
				delete(s.flaky, rcpt)
				say("451 try later")
			default:
				say("250 ok")
			}
			s.mu.Unlock()
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.got[rcpt] = append(s.got[rcpt], b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func decodeBody(t *testing.T, raw string) (subject, body string) {
	head, b64, _ := strings.Cut(raw, "\r\n\r\n")
	for _, l := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Subject: "); ok {
			var err error
			if subject, err = new(mime.WordDecoder).DecodeHeader(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw2, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(raw2)
}

func TestDrainAgainstSMTPServer(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	srv := newSMTP(t)
	srv.flaky["en@example.test"] = true
	n := &notify.Notifier{DB: f.d}
	err := f.d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := n.ToOrg(ctx, tx, f.org, msg("k1")); err != nil {
			return err
		}
		_, err := n.ToUser(ctx, tx, f.outsider, msg("k1"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.reject["out@example.test"] = true
	clock := f.d.Now()
	f.d.Now = func() time.Time { return clock }
	m := &notify.Mailer{DB: f.d, Addr: srv.ln.Addr().String(), From: "noreply@rainforest.test", Timeout: 5 * time.Second}
	res, err := m.Drain(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res != (notify.DrainResult{Sent: 1, Retry: 1, Failed: 1}) {
		t.Fatalf("first pass: %+v", res)
	}
	// Nothing is due before the backoff has passed.
	if res, _ := m.Drain(ctx, 0); res != (notify.DrainResult{}) {
		t.Fatalf("second pass before backoff: %+v", res)
	}
	clock = clock.Add(2 * time.Minute)
	if res, _ := m.Drain(ctx, 0); res != (notify.DrainResult{Sent: 1}) {
		t.Fatalf("pass after backoff: %+v", res)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.got["zh@example.test"]) != 1 || len(srv.got["en@example.test"]) != 1 || len(srv.got["out@example.test"]) != 0 {
		t.Fatalf("delivered: %v", srv.got)
	}
	subj, body := decodeBody(t, srv.got["zh@example.test"][0])
	if subj != "您符合条件" || !strings.Contains(body, "正文") {
		t.Fatalf("chinese mail: %q %q", subj, body)
	}
	var status, lastErr string
	var attempts int
	if err := f.d.Read.QueryRow(`SELECT status, attempts, last_error FROM mail_outbox WHERE to_addr = 'out@example.test'`).Scan(&status, &attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || attempts != 1 || !strings.Contains(lastErr, "550") {
		t.Fatalf("refused mail: %s %d %q", status, attempts, lastErr)
	}
	if err := f.d.Read.QueryRow(`SELECT status, attempts FROM mail_outbox WHERE to_addr = 'en@example.test'`).Scan(&status, &attempts); err != nil || status != "sent" || attempts != 2 {
		t.Fatalf("retried mail: %s %d %v", status, attempts, err)
	}
}

func TestDrainGivesUpAfterMaxAttempts(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	n := &notify.Notifier{DB: f.d}
	if err := f.d.Tx(ctx, func(tx *sql.Tx) error { _, err := n.ToUser(ctx, tx, f.zhUser, msg("")); return err }); err != nil {
		t.Fatal(err)
	}
	// A closed port: every attempt fails to connect.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	m := &notify.Mailer{DB: f.d, Addr: addr, From: "a@b.test", MaxAttempts: 3, Backoff: func(int) time.Duration { return 0 }, Timeout: time.Second}
	var total notify.DrainResult
	for i := 0; i < 5; i++ {
		res, err := m.Drain(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		total.Retry += res.Retry
		total.Failed += res.Failed
	}
	if total.Retry != 2 || total.Failed != 1 {
		t.Fatalf("attempts: %+v", total)
	}
}
