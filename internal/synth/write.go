package synth

import (
	"context"
	"database/sql"
	"runtime"
	"strconv"
	"sync"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/registry"
)

const (
	chunkRows = 8000 // organizations one worker makes at a time
)

// Write inserts the city into the registry's database in one bulk
// transaction, recorded in the audit log: workers build the organizations
// in parallel, one writer inserts them in order with multi-row INSERTs, and
// progress(done, total) is called after each chunk.
func Write(ctx context.Context, reg *registry.Service, g Generator, progress func(done, total int)) error {
	total := g.Count()
	if progress == nil {
		progress = func(int, int) {}
	}
	ctx, cancel := context.WithCancel(ctx)

	// Chunks are handed to the writer in order through futures, so that ids
	// follow i whatever the number of workers.
	type chunk struct {
		start int
		orgs  chan []*registry.Org
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan chunk)
	queue := make(chan chunk, 2*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				end := min(c.start+chunkRows, total)
				orgs := make([]*registry.Org, 0, end-c.start)
				for i := c.start; i < end; i++ {
					o := g.Org(i)
					orgs = append(orgs, &o)
				}
				c.orgs <- orgs
			}
		}()
	}
	go func() {
		defer close(queue)
		defer close(jobs)
		for start := 0; start < total; start += chunkRows {
			c := chunk{start: start, orgs: make(chan []*registry.Org, 1)}
			select {
			case queue <- c:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()

	done := 0
	return reg.BulkTx(ctx, func(tx *sql.Tx) error {
		for c := range queue {
			var orgs []*registry.Org
			select {
			case orgs = <-c.orgs:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := reg.InsertMany(ctx, tx, orgs); err != nil {
				if apperr.CodeOf(err) == apperr.Conflict {
					return apperr.New(apperr.Conflict, "the database already holds organizations of this synthetic city (a credit code is taken): generate into a fresh database or with another --seed")
				}
				return err
			}
			done += len(orgs)
			progress(done, total)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{Email: "rainforest generate"})
		return audit.Record(ctx, tx, reg.DB.Now(), audit.Change{Action: "generate", Entity: "org", EntityID: "synthetic",
			After: map[string]any{"enterprises": g.Enterprises, "organizations": total, "seed": strconv.FormatUint(g.Seed, 10)}})
	})
}
