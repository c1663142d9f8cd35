// minio-go (Debian's golang-github-minio-minio-go-v7-dev, 7.0.46) driving the gateway, one
// scenario per run, for test/e2e/go.test.ts:
//
//	minio-go SCENARIO ARGS...
//
// Endpoint and keys come from the environment (S3EDGE_E2E_ENDPOINT, S3EDGE_E2E_ACCESS_KEY,
// S3EDGE_E2E_SECRET_KEY; harness.ts awsEnv). Each run prints one JSON object on stdout; a
// failure prints {"error": {...}} and exits 1. S3EDGE_E2E_TRACE=1 dumps the HTTP exchange to
// stderr (minio-go's TraceOn), for reporting a gateway bug request by request.
//
// Go's encoding/xml writes `"` as &#34;, `'` as &#39;, a tab as &#x9; in every XML body
// (DeleteObjects keys, CompleteMultipartUpload ETags, tags): the reason these tests exist.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
	"github.com/minio/minio-go/v7/pkg/tags"
)

type env struct {
	endpoint *url.URL
	access   string
	secret   string
	region   string
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: minio-go SCENARIO ARGS..."))
	}
	e := readEnv()
	client, err := minio.New(e.endpoint.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(e.access, e.secret, ""),
		Secure:       e.endpoint.Scheme == "https",
		BucketLookup: minio.BucketLookupPath,
		// No Region: minio-go asks GetBucketLocation first, as mc does by default.
	})
	if err != nil {
		fail(err)
	}
	if os.Getenv("S3EDGE_E2E_TRACE") != "" {
		client.TraceOn(os.Stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := runScenario(ctx, client, e, os.Args[1], os.Args[2:])
	if err != nil {
		fail(err)
	}
	emit(out)
}

func readEnv() env {
	raw := os.Getenv("S3EDGE_E2E_ENDPOINT")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("S3EDGE_E2E_ENDPOINT must be a URL, got %q", raw))
	}
	region := os.Getenv("S3EDGE_E2E_REGION")
	if region == "" {
		region = "us-east-1"
	}
	return env{endpoint: u, access: os.Getenv("S3EDGE_E2E_ACCESS_KEY"), secret: os.Getenv("S3EDGE_E2E_SECRET_KEY"), region: region}
}

func need(args []string, n int, usage string) {
	if len(args) < n {
		fail(fmt.Errorf("usage: %s", usage))
	}
}

func runScenario(ctx context.Context, c *minio.Client, e env, scenario string, args []string) (any, error) {
	switch scenario {
	case "make-bucket":
		need(args, 1, "make-bucket BUCKET")
		if err := c.MakeBucket(ctx, args[0], minio.MakeBucketOptions{}); err != nil {
			return nil, err
		}
		exists, err := c.BucketExists(ctx, args[0])
		return map[string]any{"exists": exists}, err

	case "put":
		// put BUCKET KEY FILE [PART_SIZE_MIB [CONTENT_TYPE]]: PutObject with a known size; a
		// part size below the file's size makes minio-go upload it in parts.
		need(args, 3, "put BUCKET KEY FILE [PART_SIZE_MIB [CONTENT_TYPE]]")
		f, err := os.Open(args[2])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		opts := minio.PutObjectOptions{UserMetadata: map[string]string{"origin": "minio-go"}}
		if len(args) > 3 && args[3] != "" {
			mib, err := strconv.Atoi(args[3])
			if err != nil {
				return nil, err
			}
			opts.PartSize = uint64(mib) << 20
		}
		if len(args) > 4 && args[4] != "" {
			opts.ContentType = args[4]
		}
		info, err := c.PutObject(ctx, args[0], args[1], f, st.Size(), opts)
		return map[string]any{"etag": info.ETag, "size": info.Size}, err

	case "core-multipart":
		// core-multipart BUCKET KEY FILE PART_SIZE_MIB: the upload by minio-go's Core API, with
		// the part ETags in CompleteMultipartUpload quoted as the ETag header gave them, as
		// aws-sdk-go (rclone) sends them. (minio-go's PutObject strips the quotes, so its own
		// Complete has no &#34; to decode.)
		need(args, 4, "core-multipart BUCKET KEY FILE PART_SIZE_MIB")
		data, err := os.ReadFile(args[2])
		if err != nil {
			return nil, err
		}
		mib, err := strconv.Atoi(args[3])
		if err != nil {
			return nil, err
		}
		core := minio.Core{Client: c}
		id, err := core.NewMultipartUpload(ctx, args[0], args[1], minio.PutObjectOptions{})
		if err != nil {
			return nil, err
		}
		var parts []minio.CompletePart
		for n, off := 1, 0; off < len(data); n, off = n+1, off+mib<<20 {
			end := off + mib<<20
			if end > len(data) {
				end = len(data)
			}
			p, err := core.PutObjectPart(ctx, args[0], args[1], id, n, bytes.NewReader(data[off:end]), int64(end-off), "", "", nil)
			if err != nil {
				return nil, err
			}
			parts = append(parts, minio.CompletePart{PartNumber: n, ETag: `"` + p.ETag + `"`})
		}
		etag, err := core.CompleteMultipartUpload(ctx, args[0], args[1], id, parts, minio.PutObjectOptions{})
		return map[string]any{"etag": etag, "parts": len(parts)}, err

	case "stat":
		need(args, 2, "stat BUCKET KEY")
		info, err := c.StatObject(ctx, args[0], args[1], minio.StatObjectOptions{})
		return map[string]any{"etag": info.ETag, "size": info.Size, "contentType": info.ContentType, "userMetadata": info.UserMetadata}, err

	case "get":
		need(args, 3, "get BUCKET KEY OUT_FILE")
		obj, err := c.GetObject(ctx, args[0], args[1], minio.GetObjectOptions{})
		if err != nil {
			return nil, err
		}
		defer obj.Close()
		f, err := os.Create(args[2])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		n, err := io.Copy(f, obj)
		return map[string]any{"size": n}, err

	case "list":
		// list BUCKET PREFIX RECURSIVE(true|false): keys and, when not recursive, the common
		// prefixes (minio-go reports them as entries whose key ends in the delimiter).
		need(args, 3, "list BUCKET PREFIX RECURSIVE")
		entries := []map[string]any{}
		for o := range c.ListObjects(ctx, args[0], minio.ListObjectsOptions{Prefix: args[1], Recursive: args[2] == "true"}) {
			if o.Err != nil {
				return nil, o.Err
			}
			entries = append(entries, map[string]any{"key": o.Key, "size": o.Size, "etag": o.ETag})
		}
		return map[string]any{"entries": entries}, nil

	case "remove-objects":
		// remove-objects BUCKET KEY...: one DeleteObjects (Multi-Object Delete) request, what
		// `mc rm --recursive` sends; the per-key errors the server answered.
		need(args, 2, "remove-objects BUCKET KEY...")
		ch := make(chan minio.ObjectInfo, len(args)-1)
		for _, k := range args[1:] {
			ch <- minio.ObjectInfo{Key: k}
		}
		close(ch)
		errs := []map[string]any{}
		for r := range c.RemoveObjects(ctx, args[0], ch, minio.RemoveObjectsOptions{}) {
			errs = append(errs, map[string]any{"key": r.ObjectName, "error": r.Err.Error()})
		}
		return map[string]any{"errors": errs}, nil

	case "copy":
		need(args, 4, "copy SRC_BUCKET SRC_KEY DST_BUCKET DST_KEY")
		info, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: args[2], Object: args[3]}, minio.CopySrcOptions{Bucket: args[0], Object: args[1]})
		return map[string]any{"etag": info.ETag, "size": info.Size}, err

	case "presign-get":
		need(args, 3, "presign-get BUCKET KEY EXPIRY_SECONDS")
		secs, err := strconv.Atoi(args[2])
		if err != nil {
			return nil, err
		}
		u, err := c.PresignedGetObject(ctx, args[0], args[1], time.Duration(secs)*time.Second, nil)
		if err != nil {
			return nil, err
		}
		return map[string]any{"url": u.String()}, nil

	case "tagging":
		// tagging BUCKET KEY TAGS_JSON: PutObjectTagging then GetObjectTagging. minio-go checks
		// tags against [a-zA-Z0-9+\-._:/@ ] before sending, so `"` and `'` go through raw-tagging.
		need(args, 3, "tagging BUCKET KEY TAGS_JSON")
		m, err := tagMap(args[2])
		if err != nil {
			return nil, err
		}
		t, err := tags.MapToObjectTags(m)
		if err != nil {
			return nil, err
		}
		if err := c.PutObjectTagging(ctx, args[0], args[1], t, minio.PutObjectTaggingOptions{}); err != nil {
			return nil, err
		}
		got, err := c.GetObjectTagging(ctx, args[0], args[1], minio.GetObjectTaggingOptions{})
		if err != nil {
			return nil, err
		}
		return map[string]any{"tags": got.ToMap()}, nil

	case "raw-tagging":
		need(args, 3, "raw-tagging BUCKET KEY TAGS_JSON")
		return rawTagging(ctx, e, args[0], args[1], args[2])
	}
	return nil, fmt.Errorf("unknown scenario %q", scenario)
}

func tagMap(js string) (map[string]string, error) {
	m := map[string]string{}
	err := json.Unmarshal([]byte(js), &m)
	return m, err
}

// The Tagging document in minio-go's element names, encoded by encoding/xml like every Go client.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

// rawTagging is PutObjectTagging/GetObjectTagging as minio-go sends them (encoding/xml body,
// Content-MD5, SigV4 by minio-go's own signer) without minio-go's client-side tag check, so
// values with `"` and `'` (which S3 stores) reach the server as &#34; and &#39;.
func rawTagging(ctx context.Context, e env, bucket, key, js string) (any, error) {
	m, err := tagMap(js)
	if err != nil {
		return nil, err
	}
	var doc tagging
	for k, v := range m {
		doc.Tags = append(doc.Tags, struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		}{k, v})
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	target := *e.endpoint
	target.Path = "/" + bucket + "/" + key
	target.RawQuery = "tagging="
	if _, err := signedDo(ctx, e, http.MethodPut, target.String(), body); err != nil {
		return nil, err
	}
	resp, err := signedDo(ctx, e, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	var back tagging
	if err := xml.Unmarshal(resp, &back); err != nil {
		return nil, fmt.Errorf("GetObjectTagging answer is not XML: %v: %s", err, resp)
	}
	got := map[string]string{}
	for _, t := range back.Tags {
		got[t.Key] = t.Value
	}
	return map[string]any{"sent": string(body), "tags": got}, nil
}

func signedDo(ctx context.Context, e env, method, target string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if body != nil {
		m := md5.Sum(body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(m[:]))
	}
	req = signer.SignV4(*req, e.access, e.secret, "", e.region)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, target, resp.StatusCode, strings.TrimSpace(string(out)))
	}
	return out, nil
}

func emit(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// fail prints the error as JSON (with the S3 code and status when the server sent one).
func fail(err error) {
	r := minio.ToErrorResponse(err)
	emit(map[string]any{"error": map[string]any{"message": err.Error(), "code": r.Code, "status": r.StatusCode, "key": r.Key}})
	os.Exit(1)
}
