// madmin-go 2.0.7 (Debian) driving `mc admin config` against the gateway, for
// test/e2e/admin-config.test.ts: what `mc admin config get|set|reset ALIAS notify_*` calls,
// with madmin's own EncryptData/DecryptData on the KV bodies.
//
//	admin-config set "notify_webhook:1 endpoint=http://… queue_dir=/x"   → {"restart":false}
//	admin-config get notify_webhook[:1]                                → {"text":"…"}
//	admin-config help SUBSYS [KEY] [env]                                → madmin.Help
//	admin-config del "notify_webhook:1"                                 → {"restart":false}
//	admin-config history                                                → ListConfigHistoryKV
//
// Endpoint and keys from S3EDGE_E2E_* (harness.ts awsEnv); errors as {"error":{code,message}}, exit 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"

	"github.com/minio/madmin-go"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: admin-config OPERATION ARGS..."))
	}
	u, err := url.Parse(os.Getenv("S3EDGE_E2E_ENDPOINT"))
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("S3EDGE_E2E_ENDPOINT is not a URL"))
	}
	adm, err := madmin.New(u.Host, os.Getenv("S3EDGE_E2E_ACCESS_KEY"), os.Getenv("S3EDGE_E2E_SECRET_KEY"), u.Scheme == "https")
	if err != nil {
		fail(err)
	}
	adm.SetAppInfo("mc", "RELEASE.2021-04-22T17-40-00Z")
	if os.Getenv("S3EDGE_E2E_TRACE") != "" {
		adm.TraceOn(os.Stderr)
	}
	ctx := context.Background()
	op, args := os.Args[1], os.Args[2:]
	arg := func(i int) string {
		if i >= len(args) {
			return ""
		}
		return args[i]
	}
	var out interface{}
	switch op {
	case "set":
		var restart bool
		restart, err = adm.SetConfigKV(ctx, arg(0))
		out = map[string]bool{"restart": restart}
	case "get":
		var b []byte
		b, err = adm.GetConfigKV(ctx, arg(0))
		out = map[string]string{"text": string(b)}
	case "help":
		out, err = adm.HelpConfigKV(ctx, arg(0), arg(1), arg(2) == "env")
	case "del":
		var restart bool
		restart, err = adm.DelConfigKV(ctx, arg(0))
		out = map[string]bool{"restart": restart}
	case "history":
		out, err = adm.ListConfigHistoryKV(ctx, 10)
	default:
		fail(fmt.Errorf("unknown operation %q", op))
	}
	if err != nil {
		fail(err)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func fail(err error) {
	e := map[string]interface{}{"message": err.Error()}
	if r := madmin.ToErrorResponse(err); r.Code != "" {
		e["code"], e["message"] = r.Code, r.Message
	}
	b, _ := json.Marshal(map[string]interface{}{"error": e})
	fmt.Println(string(b))
	os.Exit(1)
}
