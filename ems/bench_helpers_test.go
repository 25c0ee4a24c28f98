package ems_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sitekit/sitekit/ems/emstest"
)

func rawHTTP(tb testing.TB, srv *emstest.Server) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback simulator
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
