package components

import "slices"

// Window is a list read from a service page by page, of which at most MaxPages contiguous pages
// are held in memory: the rest of the list is known only by the cursors that fetch its pages and
// how many rows each had. Scrolling near the end of the window asks for the next page and drops
// the far top; scrolling back near its start asks for the page before (by its remembered cursor)
// and drops the far bottom. Row positions are absolute (0 = the first row of the list).
//
// Window does no I/O: Need says which page to load, and Arrived takes it when it comes.
type Window[T any] struct {
	// MaxPages is how many pages are held at most.
	MaxPages int
	// Key names a row (duplicates across neighbouring pages are dropped by it).
	Key func(T) string

	// cursors[k] fetches page k ("" for page 0); lens[k] is how many rows page k had when last
	// loaded. len(cursors) > k+1 means there is a page after k.
	cursors []string
	lens    []int
	pages   []winPage[T]

	// Cur is the selected row, Top the first row shown (absolute).
	Cur, Top int
	// Above counts rows that belong at the top but came while the top page was not held.
	Above int
}

type winPage[T any] struct {
	k     int
	start int
	rows  []T
}

// Reset forgets every page.
func (w *Window[T]) Reset() {
	w.pages, w.cursors, w.lens = nil, []string{""}, nil
	w.Cur, w.Top, w.Above = 0, 0, 0
}

// Held is the number of rows in memory.
func (w *Window[T]) Held() int {
	n := 0
	for _, p := range w.pages {
		n += len(p.rows)
	}
	return n
}

// Empty reports whether no page is held.
func (w *Window[T]) Empty() bool { return len(w.pages) == 0 }

// AtTop reports whether the list's first page is held and nothing waits above it.
func (w *Window[T]) AtTop() bool { return len(w.pages) > 0 && w.pages[0].k == 0 && w.Above == 0 }

// Start is the first row held; End is one past the last.
func (w *Window[T]) Start() int {
	if len(w.pages) == 0 {
		return 0
	}
	return w.pages[0].start
}

// End is one past the last row held.
func (w *Window[T]) End() int {
	if len(w.pages) == 0 {
		return 0
	}
	last := w.pages[len(w.pages)-1]
	return last.start + len(last.rows)
}

// HasNext reports whether a page follows the last one held.
func (w *Window[T]) HasNext() bool {
	return len(w.pages) > 0 && len(w.cursors) > w.pages[len(w.pages)-1].k+1
}

// Row returns the row at absolute index i, if it is held.
func (w *Window[T]) Row(i int) (*T, bool) {
	for pi := range w.pages {
		p := &w.pages[pi]
		if i >= p.start && i < p.start+len(p.rows) {
			return &p.rows[i-p.start], true
		}
	}
	return nil, false
}

// Selected is the selected row, if held.
func (w *Window[T]) Selected() (T, bool) {
	r, ok := w.Row(w.Cur)
	if !ok {
		var zero T
		return zero, false
	}
	return *r, true
}

// Each calls f on every row held until f returns false.
func (w *Window[T]) Each(f func(*T) bool) {
	for pi := range w.pages {
		for i := range w.pages[pi].rows {
			if !f(&w.pages[pi].rows[i]) {
				return
			}
		}
	}
}

// restart recomputes where each held page starts from the page lengths.
func (w *Window[T]) restart() {
	for pi := range w.pages {
		s := 0
		for k := 0; k < w.pages[pi].k && k < len(w.lens); k++ {
			s += w.lens[k]
		}
		w.pages[pi].start = s
	}
}

func (w *Window[T]) setLen(k, n int) {
	for len(w.lens) <= k {
		w.lens = append(w.lens, 0)
	}
	w.lens[k] = n
}

// Arrived puts page k into the window: its rows, the cursor of the page after it ("" at the
// end), with visible rows on screen. A page that is no longer next to the window is dropped
// (false).
func (w *Window[T]) Arrived(k int, rows []T, next string, visible int) bool {
	if len(w.cursors) == 0 {
		w.cursors = []string{""}
	}
	// The cursor chain: what follows page k, and whether the end is known.
	if next != "" {
		if len(w.cursors) == k+1 {
			w.cursors = append(w.cursors, next)
		} else if len(w.cursors) > k+1 {
			w.cursors[k+1] = next
		}
	} else if len(w.cursors) > k+1 {
		w.cursors, w.lens = w.cursors[:k+1], w.lens[:min(len(w.lens), k+1)]
	}
	switch {
	case len(w.pages) == 0:
		w.setLen(k, len(rows))
		w.pages = []winPage[T]{{k: k, rows: rows}}
		w.restart()
	case k == w.pages[len(w.pages)-1].k+1:
		last := w.pages[len(w.pages)-1]
		rows = w.dropSeen(rows, last.rows)
		w.setLen(k, len(rows))
		w.pages = append(w.pages, winPage[T]{k: k, start: last.start + len(last.rows), rows: rows})
		// Drop the far top, unless it is on screen (a very tall window).
		for len(w.pages) > w.MaxPages && w.pages[0].start+len(w.pages[0].rows) <= w.Top {
			w.pages[0] = winPage[T]{}
			w.pages = w.pages[1:]
		}
	case k == w.pages[0].k-1:
		old := 0
		if k < len(w.lens) {
			old = w.lens[k]
		}
		rows = w.dropSeen(rows, w.pages[0].rows)
		if k == 0 {
			w.Above = 0
		}
		w.setLen(k, len(rows))
		w.pages = append([]winPage[T]{{k: k, rows: rows}}, w.pages...)
		w.restart()
		// Rows that appeared at the top while it was not held shift everything below.
		delta := len(rows) - old
		w.Cur += delta
		w.Top += delta
		for len(w.pages) > w.MaxPages && w.pages[len(w.pages)-1].start >= w.Top+visible {
			w.pages[len(w.pages)-1] = winPage[T]{}
			w.pages = w.pages[:len(w.pages)-1]
		}
	default:
		return false // the window moved on; this page is not next to it any more
	}
	w.Clamp(visible)
	return true
}

// dropSeen removes rows already in the neighbouring page (a cursor that shifted under a live
// insert, on a service whose cursors are positions).
func (w *Window[T]) dropSeen(rows, near []T) []T {
	if len(near) == 0 || len(rows) == 0 || w.Key == nil {
		return rows
	}
	seen := make(map[string]struct{}, len(near))
	for _, t := range near {
		seen[w.Key(t)] = struct{}{}
	}
	out := rows[:0:0]
	for _, t := range rows {
		if _, ok := seen[w.Key(t)]; !ok {
			out = append(out, t)
		}
	}
	if len(out) == len(rows) {
		return rows
	}
	return out
}

// Need says which page to load when the cursor is within prefetch rows of the window's edge:
// page k, by cursor, with limit rows (pageSize, or as many as it had). ok is false when none is
// needed.
func (w *Window[T]) Need(prefetch, pageSize int) (k int, cursor string, limit int, ok bool) {
	if len(w.pages) == 0 {
		return 0, "", 0, false
	}
	switch {
	case w.Cur >= w.End()-prefetch && w.HasNext():
		k = w.pages[len(w.pages)-1].k + 1
		return k, w.cursors[k], pageSize, true
	case w.Cur < w.Start()+prefetch && w.pages[0].k > 0:
		k = w.pages[0].k - 1
		n := pageSize
		if k < len(w.lens) && w.lens[k] > 0 {
			n = w.lens[k]
		}
		if k == 0 {
			n += w.Above
		}
		return k, w.cursors[k], n, true
	}
	return 0, "", 0, false
}

// Clamp keeps the cursor on a held row and on screen.
func (w *Window[T]) Clamp(visible int) {
	if end := w.End(); w.Cur >= end {
		w.Cur = end - 1
	}
	if w.Cur < w.Start() {
		w.Cur = w.Start()
	}
	w.Cur = max(w.Cur, 0)
	w.ScrollTo(visible)
}

// ScrollTo keeps the selected row among the visible rows shown.
func (w *Window[T]) ScrollTo(visible int) {
	if w.Cur < w.Top {
		w.Top = w.Cur
	}
	if visible > 0 && w.Cur >= w.Top+visible {
		w.Top = w.Cur - visible + 1
	}
	w.Top = max(w.Top, w.Start(), 0)
}

// Move moves the cursor by delta rows within what is held.
func (w *Window[T]) Move(delta, visible int) {
	if len(w.pages) == 0 {
		return
	}
	w.Cur += delta
	w.Clamp(visible)
}

// Replace puts r in place of the held row with r's key; it reports whether there was one.
// keep may carry fields over from the old row.
func (w *Window[T]) Replace(r T, keep func(old T, r *T)) bool {
	key := w.Key(r)
	found := false
	w.Each(func(old *T) bool {
		if w.Key(*old) != key {
			return true
		}
		if keep != nil {
			keep(*old, &r)
		}
		*old, found = r, true
		return false
	})
	return found
}

// Prepend puts a new row at the top of the list: into the first page when it is held (the
// selection stays on the row it was on, unless it was at the very top), else counted in Above.
func (w *Window[T]) Prepend(r T, visible int) {
	if len(w.pages) == 0 || w.pages[0].k != 0 {
		w.Above++
		return
	}
	p := &w.pages[0]
	p.rows = slices.Insert(p.rows, 0, r)
	w.setLen(0, len(p.rows))
	w.restart()
	if w.Cur > 0 {
		w.Cur++
	}
	if w.Top > 0 {
		w.Top++
	}
	w.ScrollTo(visible)
}
