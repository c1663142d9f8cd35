// mc's Object Lock calls, made with Debian's minio-go 7.0.46 as mc makes them (mc mb --with-lock,
// mc retention set/info [--default], mc legalhold set/info, mc rm --bypass), for
// test/e2e/object-lock.test.ts. One run goes through the whole scenario in a fresh bucket:
//
//	object-lock BUCKET   → {"steps": {...}} what each call answered
//
// Endpoint and keys come from the environment (S3EDGE_E2E_*; harness.ts awsEnv). A failure the
// scenario did not expect prints {"error": {...}} and exits 1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: object-lock BUCKET"))
	}
	u, err := url.Parse(os.Getenv("S3EDGE_E2E_ENDPOINT"))
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("S3EDGE_E2E_ENDPOINT must be a URL"))
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(os.Getenv("S3EDGE_E2E_ACCESS_KEY"), os.Getenv("S3EDGE_E2E_SECRET_KEY"), ""),
		Secure:       u.Scheme == "https",
		BucketLookup: minio.BucketLookupPath,
	})
	must(err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := os.Args[1]
	steps := map[string]any{}

	// mc mb --with-lock; mc retention set --default governance 1d
	must(c.MakeBucket(ctx, b, minio.MakeBucketOptions{ObjectLocking: true}))
	mode, days, unit := minio.Governance, uint(1), minio.Days
	must(c.SetObjectLockConfig(ctx, b, &mode, &days, &unit))
	enabled, gotMode, gotDays, gotUnit, err := c.GetObjectLockConfig(ctx, b)
	must(err)
	steps["config"] = []any{enabled, str(gotMode), *gotDays, string(*gotUnit)}

	// mc cp (mc sends Content-MD5 to a lock-enabled bucket), then mc retention info
	put := func(key string, opts minio.PutObjectOptions) string {
		opts.SendContentMd5 = true
		info, err := c.PutObject(ctx, b, key, bytes.NewReader([]byte("locked")), 6, opts)
		must(err)
		return info.VersionID
	}
	v := put("doc", minio.PutObjectOptions{})
	m, until, err := c.GetObjectRetention(ctx, b, "doc", v)
	must(err)
	steps["default_retention"] = []any{str(m), until.Sub(time.Now()).Hours() > 23}

	// mc rm --version-id: refused; mc rm --bypass: allowed for GOVERNANCE
	steps["remove"] = code(c.RemoveObject(ctx, b, "doc", minio.RemoveObjectOptions{VersionID: v}))
	steps["remove_bypass"] = code(c.RemoveObject(ctx, b, "doc", minio.RemoveObjectOptions{VersionID: v, GovernanceBypass: true}))

	// mc retention set compliance; shortening it is refused even with --bypass
	w := put("doc2", minio.PutObjectOptions{Mode: minio.Compliance, RetainUntilDate: time.Now().Add(48 * time.Hour).UTC()})
	st, err := c.StatObject(ctx, b, "doc2", minio.StatObjectOptions{VersionID: w})
	must(err)
	steps["stat_mode"] = st.Metadata.Get("X-Amz-Object-Lock-Mode")
	sooner := time.Now().Add(24 * time.Hour).UTC()
	comp := minio.Compliance
	steps["shorten_compliance"] = code(c.PutObjectRetention(ctx, b, "doc2", minio.PutObjectRetentionOptions{
		Mode: &comp, RetainUntilDate: &sooner, VersionID: w, GovernanceBypass: true}))
	later := time.Now().Add(72 * time.Hour).UTC()
	steps["extend_compliance"] = code(c.PutObjectRetention(ctx, b, "doc2", minio.PutObjectRetentionOptions{Mode: &comp, RetainUntilDate: &later, VersionID: w}))

	// mc legalhold set / info / clear
	h := put("held", minio.PutObjectOptions{LegalHold: minio.LegalHoldEnabled})
	status, err := c.GetObjectLegalHold(ctx, b, "held", minio.GetObjectLegalHoldOptions{VersionID: h})
	must(err)
	steps["legal_hold"] = string(*status)
	steps["remove_held"] = code(c.RemoveObject(ctx, b, "held", minio.RemoveObjectOptions{VersionID: h, GovernanceBypass: true}))
	off := minio.LegalHoldDisabled
	must(c.PutObjectLegalHold(ctx, b, "held", minio.PutObjectLegalHoldOptions{VersionID: h, Status: &off}))
	steps["remove_released"] = code(c.RemoveObject(ctx, b, "held", minio.RemoveObjectOptions{VersionID: h, GovernanceBypass: true}))
	out(map[string]any{"steps": steps})
}

func str(m *minio.RetentionMode) string {
	if m == nil {
		return ""
	}
	return string(*m)
}

// code is the S3 error code of err ("" for success).
func code(err error) string {
	if err == nil {
		return ""
	}
	return minio.ToErrorResponse(err).Code
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func out(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(b))
}

func fail(err error) {
	r := minio.ToErrorResponse(err)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": err.Error(), "code": r.Code, "status": r.StatusCode}})
	fmt.Println(string(b))
	os.Exit(1)
}
