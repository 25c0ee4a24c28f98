//go:build tools

package sitekit

import (
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/coder/websocket"
	_ "github.com/go-resty/resty/v2"
	_ "github.com/stretchr/testify/require"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/sync/errgroup"
)
