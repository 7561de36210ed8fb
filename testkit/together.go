package testkit

import "sync"

// Together runs f(0) … f(n-1) in n goroutines released at once (a start barrier: none starts
// before all of them exist) and returns when they have all returned. It is how a concurrency test
// fires its burst; f must not call t.Fatal (t.Error is safe).
func Together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}
