// `mc anonymous set|get` (old mc: `mc policy`) as mc does them, with Debian's minio-go 7.0.46 and
// its pkg/policy: read-modify-write of the bucket policy on the client (specs/minio-admin.md
// §9.1), for test/e2e/acl.test.ts:
//
//	anonymous set BUCKET PREFIX none|download|upload|public
//	anonymous get BUCKET PREFIX        → {"access": "none|download|upload|public|custom"}
//	anonymous get-json BUCKET          → {"policy": "<stored JSON>"}
//
// Endpoint and keys come from the environment (S3EDGE_E2E_*; harness.ts awsEnv). Each run prints
// one JSON object; a failure prints {"error": {...}} and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/policy"
)

// mc's names for pkg/policy's (cmd/anonymous-main.go).
var toPolicy = map[string]policy.BucketPolicy{
	"none": policy.BucketPolicyNone, "download": policy.BucketPolicyReadOnly,
	"upload": policy.BucketPolicyWriteOnly, "public": policy.BucketPolicyReadWrite,
}

func main() {
	if len(os.Args) < 3 {
		fail(fmt.Errorf("usage: anonymous set|get|get-json BUCKET [PREFIX [ACCESS]]"))
	}
	u, err := url.Parse(os.Getenv("S3EDGE_E2E_ENDPOINT"))
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("S3EDGE_E2E_ENDPOINT must be a URL"))
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(os.Getenv("S3EDGE_E2E_ACCESS_KEY"), os.Getenv("S3EDGE_E2E_SECRET_KEY"), ""),
		Secure:       u.Scheme == "https",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bucket := os.Args[2]
	prefix := ""
	if len(os.Args) > 3 {
		prefix = os.Args[3]
	}
	switch os.Args[1] {
	case "set":
		if len(os.Args) < 5 {
			fail(fmt.Errorf("set BUCKET PREFIX ACCESS"))
		}
		p, ok := toPolicy[os.Args[4]]
		if !ok {
			fail(fmt.Errorf("unknown access %q", os.Args[4]))
		}
		info := current(ctx, client, bucket)
		info.Statements = policy.SetPolicy(info.Statements, p, bucket, prefix)
		text := ""
		if len(info.Statements) > 0 {
			b, err := json.Marshal(info)
			if err != nil {
				fail(err)
			}
			text = string(b)
		}
		// An empty policy is a DeleteBucketPolicy (minio-go's SetBucketPolicy), as mc relies on.
		if err := client.SetBucketPolicy(ctx, bucket, text); err != nil {
			fail(err)
		}
		emit(map[string]any{"ok": true, "deleted": text == ""})
	case "get":
		info := current(ctx, client, bucket)
		access := "custom"
		switch policy.GetPolicy(info.Statements, bucket, prefix) {
		case policy.BucketPolicyNone:
			access = "none"
		case policy.BucketPolicyReadOnly:
			access = "download"
		case policy.BucketPolicyWriteOnly:
			access = "upload"
		case policy.BucketPolicyReadWrite:
			access = "public"
		}
		emit(map[string]any{"access": access})
	case "get-json":
		text, err := client.GetBucketPolicy(ctx, bucket)
		if err != nil {
			fail(err)
		}
		emit(map[string]any{"policy": text})
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}

// The stored policy as pkg/policy reads it ("" — NoSuchBucketPolicy — is an empty one).
func current(ctx context.Context, client *minio.Client, bucket string) policy.BucketAccessPolicy {
	info := policy.BucketAccessPolicy{Version: "2012-10-17"}
	text, err := client.GetBucketPolicy(ctx, bucket)
	if err != nil {
		fail(err)
	}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &info); err != nil {
			fail(err)
		}
	}
	return info
}

func emit(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func fail(err error) {
	r := minio.ToErrorResponse(err)
	emit(map[string]any{"error": map[string]any{"message": err.Error(), "code": r.Code, "status": r.StatusCode}})
	os.Exit(1)
}
