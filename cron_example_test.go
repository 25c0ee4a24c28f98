package sitekit_test

import (
	"fmt"
	"time"

	"github.com/sitekit/sitekit"
)

func ExampleParseCron() {
	s, err := sitekit.ParseCron("0 2 * * 1-5")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Next(time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)))
	fmt.Println(s.Interval())

	_, err = sitekit.ParseCron("0 25 * * *")
	fmt.Println(err)
	// Output:
	// 2026-03-09 02:00:00 +0000 UTC
	// 72h0m0s
	// cron "0 25 * * *": hour: end of range (25) above maximum (23): 25
}
