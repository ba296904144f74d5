package periodic

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestEvery: the task runs at once and then at the interval, its errors
// are logged under the name, and it stops when the context ends.
func TestEvery(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	done := make(chan struct{})
	go func() {
		Every(ctx, 5*time.Millisecond, log, "the task", func(context.Context) error {
			if runs.Add(1) == 3 {
				cancel()
			}
			return errors.New("boom")
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not stop when its context ended")
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("%d runs, want 3", n)
	}
	// The third error came as the context ended: not logged.
	if got := strings.Count(buf.String(), `msg="the task" err=boom`); got != 2 {
		t.Fatalf("%d errors logged, want 2:\n%s", got, buf.String())
	}
}
