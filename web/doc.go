// Package web is the HTTP face of hotspots: the JSON API, the vector tile
// endpoints and the embedded map page. Handlers only adapt HTTP to the
// engine and store below; every error is turned into a JSON body a user can
// act on in exactly one place (errorResponse).
package web
