// minio-go's ListenBucketNotification / ListenNotification (what `mc watch` is made of), from
// Debian's minio-go 7.0.46, for test/e2e/listen.test.ts:
//
//	listen BUCKET PREFIX SUFFIX EVENT[,EVENT...]
//
// BUCKET "" listens to every bucket (GET /?events=…). Prints one JSON line per record received
// ({"eventName","bucket","key","size","eTag","configurationId","record"}) and, on an error from
// the stream, {"error": "..."} and exits 1. It runs until killed. Endpoint and keys come from
// the environment (S3EDGE_E2E_*; harness.ts awsEnv).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if len(os.Args) != 5 {
		fail(fmt.Errorf("usage: listen BUCKET PREFIX SUFFIX EVENTS"))
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
	if os.Getenv("S3EDGE_E2E_TRACE") != "" {
		client.TraceOn(os.Stderr)
	}
	bucket, prefix, suffix := os.Args[1], os.Args[2], os.Args[3]
	events := strings.Split(os.Args[4], ",")
	ctx := context.Background()
	ch := client.ListenNotification(ctx, prefix, suffix, events)
	if bucket != "" {
		ch = client.ListenBucketNotification(ctx, bucket, prefix, suffix, events)
	}
	out := json.NewEncoder(os.Stdout)
	for info := range ch {
		if info.Err != nil {
			fail(info.Err)
		}
		for _, r := range info.Records {
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				key = r.S3.Object.Key
			}
			_ = out.Encode(map[string]interface{}{
				"eventName": r.EventName, "bucket": r.S3.Bucket.Name, "key": key, "size": r.S3.Object.Size,
				"eTag": r.S3.Object.ETag, "configurationId": r.S3.ConfigurationID, "record": r,
			})
		}
	}
	fail(fmt.Errorf("listen channel closed"))
}

func fail(err error) {
	b, _ := json.Marshal(map[string]interface{}{"error": err.Error()})
	fmt.Println(string(b))
	os.Exit(1)
}
