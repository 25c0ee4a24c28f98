package fortigatetest

import (
	"io"
	"net/http"
)

// loginPage is the HTML login page FortiOS 7.6.3+ answers to POST /logincheck, which no
// longer opens a session there (the page's markup is illustrative: only its being HTML
// with status 200 and no session cookie is known).
const loginPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>FortiGate</title></head>
<body><form id="login-form" method="post" action="/logincheck">
<input id="username" name="username" type="text"><input id="secretkey" name="secretkey" type="password">
<button id="login_button" type="submit">Login</button></form></body>
</html>
`

// serveLogincheck answers the legacy session login POST /logincheck. The simulator has
// no administrator accounts, so a login never succeeds: from 7.6.3 the answer is the HTML
// login page (200, no cookie), before it the legacy failure (body "0" and a ccsrftoken
// cookie of "0%260", the value Fortinet's Terraform provider reads as bad credentials).
func (s *Server) serveLogincheck(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	if s.atLeast(7, 6, 3) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, loginPage)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "ccsrftoken", Value: `"0%260"`, Path: "/"})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "0")
}
