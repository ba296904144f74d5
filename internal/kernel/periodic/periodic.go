// Package periodic runs the background tasks of serve: a task at start
// and then at an interval, its errors logged.
package periodic

import (
	"context"
	"log/slog"
	"time"
)

// Every runs task at once and then every interval until ctx ends. An
// error is logged under name, unless it came from ctx ending.
func Every(ctx context.Context, every time.Duration, log *slog.Logger, name string, task func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := task(ctx); err != nil && ctx.Err() == nil {
			log.Error(name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
