package jsonrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/sitekit/sitekit/internal/jsonrpc"
)

func Example() {
	// Server side (a simulator): sign-in stores a session on the connection.
	srv := jsonrpc.NewServer(func(ctx context.Context, p *jsonrpc.Peer, req *jsonrpc.Request) (any, error) {
		switch req.Method {
		case "session.signIn":
			var in struct{ Token string }
			if err := json.Unmarshal(req.Params, &in); err != nil || in.Token != "secret" {
				return nil, &jsonrpc.Error{Code: 2, Message: "not authenticated"}
			}
			p.SetSession("admin")
			return map[string]string{"id": "u1"}, nil
		case "sum":
			if p.Session() == nil {
				return nil, &jsonrpc.Error{Code: 2, Message: "not authenticated"}
			}
			var nums []int
			if err := json.Unmarshal(req.Params, &nums); err != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()}
			}
			total := 0
			for _, n := range nums {
				total += n
			}
			return total, nil
		}
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "Method does not exist"}
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	// Client side: sign in on every (re)connect.
	c, err := jsonrpc.New(hs.URL+"/api/", jsonrpc.WithOnConnect(func(ctx context.Context, c *jsonrpc.Conn) error {
		return c.Call(ctx, "session.signIn", map[string]string{"token": "secret"}, nil)
	}))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx := context.Background()
	var total int
	if err := c.Call(ctx, "sum", []int{1, 2, 3}, &total); err != nil {
		panic(err)
	}
	fmt.Println("sum:", total)

	err = c.Call(ctx, "vm.destroy", map[string]string{"id": "x"}, nil)
	var e *jsonrpc.Error
	if errors.As(err, &e) {
		fmt.Println("error code:", e.Code, e.Message)
	}
	// Output:
	// sum: 6
	// error code: -32601 Method does not exist
}
