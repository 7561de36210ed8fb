package main

import (
	"fmt"
	"os"
)

func main() {
	if v := os.Getenv("BASE"); v != "" {
		base = v
	}
	tests := map[string]func(){"t1": t1, "t2": t2, "t7": t7, "t8": t8, "t3prep": t3prep, "t3check": t3check, "t4": t4, "t10s": t10s, "t5": t5, "t9": t9, "t10": t10, "t11": t11, "t6": t6, "t12": t12, "t13": t13, "t2b": t2b, "t14": t14}
	for _, a := range os.Args[1:] {
		f := tests[a]
		if f == nil {
			die("unknown test %s", a)
		}
		fmt.Println("==", a)
		f()
		reportNonJSON()
	}
}
