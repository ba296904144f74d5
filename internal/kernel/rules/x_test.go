package rules
import ("math/rand/v2";"testing";"runtime";"os";"runtime/pprof"; "time")
func TestXHeap(t *testing.T) {
	sets := programs(t, 1000)
	p := randomProfile(rand.New(rand.NewPCG(1,2)))
	_ = p
	for i := 0; i < 3; i++ { EvaluateProfile(p, time.Date(2026,6,1,0,0,0,0,time.UTC), sets) }
	runtime.GC()
	var ms runtime.MemStats; runtime.ReadMemStats(&ms); t.Logf("heap %d MB", ms.HeapAlloc>>20)
	f, _ := os.Create("/tmp/heap.out"); pprof.Lookup("heap").WriteTo(f, 0); f.Close()
	runtime.KeepAlive(sets)
}
