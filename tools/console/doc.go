// Package console tests Slipway's web console in a real browser: Debian's
// chromium, driven by chromedp, against a whole Slipway stack in the test's
// process (slipway.dev/testsupport/devstacktest) with authentication on.
// The scenarios work the console as a person would (forms, buttons, the
// live event stream) and assert what the page shows; each page is captured
// at 1280 and 390 pixels wide into $SLIPWAY_CONSOLE_SHOTS (default: a
// slipway-console-shots folder in the system's temporary folder).
//
// Without chromium the tests skip, unless SLIPWAY_BROWSER_REQUIRED=1 (CI),
// which makes a missing browser a failure.
package console
