package rest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sitekit/sitekit"
	"github.com/sitekit/sitekit/internal/rest"
)

// One appliance client: escaped paths, JSON decoding, HTTP errors turned into *APIError
// matching the shared sentinels.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/objects/lan%2F24" {
			http.Error(w, "no such object", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"lan/24"}`)
	}))
	defer srv.Close()

	s, err := sitekit.Apply() // http to loopback only: anything else needs https
	if err != nil {
		log.Fatal(err)
	}
	c, err := rest.New(rest.Config{Appliance: "demo", BaseURL: srv.URL, Settings: s})
	if err != nil {
		log.Fatal(err)
	}
	var obj struct{ Name string }
	_, err = c.Do(context.Background(), rest.Request{Path: rest.Path(rest.Raw("api/objects"), "lan/24"), Result: &obj})
	fmt.Println(obj.Name, err)
	_, err = c.Do(context.Background(), rest.Request{Path: rest.Path(rest.Raw("api/objects"), "wan")})
	fmt.Println(err)
	// Output:
	// lan/24 <nil>
	// demo: GET /api/objects/wan: 404 Not Found: no such object
}
