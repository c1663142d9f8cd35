// madmin-go (Debian's golang-github-minio-madmin-go-dev, 2.0.7; the library mc is built on)
// driving the gateway's admin API, one call per run, for test/e2e/admin.test.ts:
//
//	admin OPERATION ARGS...
//
// Endpoint and keys come from the environment (S3EDGE_E2E_ENDPOINT, S3EDGE_E2E_ACCESS_KEY,
// S3EDGE_E2E_SECRET_KEY; harness.ts awsEnv). Each run prints one JSON object on stdout; a
// failure prints {"error": {"code", "message", "status"}} and exits 1. The client announces
// itself as mc RELEASE.2021-04-22T17-40-00Z: madmin 2.0.7 decodes the 2021 (string list) shape
// of list-service-accounts, which the gateway picks by that User-Agent (spec §7.3).
// S3EDGE_E2E_TRACE=1 dumps the HTTP exchange to stderr.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/minio/madmin-go"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: admin OPERATION ARGS..."))
	}
	u, err := url.Parse(os.Getenv("S3EDGE_E2E_ENDPOINT"))
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("S3EDGE_E2E_ENDPOINT is not a URL: %q", os.Getenv("S3EDGE_E2E_ENDPOINT")))
	}
	access, secret := os.Getenv("S3EDGE_E2E_ACCESS_KEY"), os.Getenv("S3EDGE_E2E_SECRET_KEY")
	adm, err := madmin.New(u.Host, access, secret, u.Scheme == "https")
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
			fail(fmt.Errorf("%s: missing argument %d", op, i+1))
		}
		return args[i]
	}
	var out interface{}
	switch op {
	case "server-info":
		out, err = adm.ServerInfo(ctx)
	case "data-usage":
		out, err = adm.DataUsageInfo(ctx)
	case "account-info":
		out, err = adm.AccountInfo(ctx, madmin.AccountOpts{})
	case "add-user": // ACCESS SECRET
		err = adm.AddUser(ctx, arg(0), arg(1))
	case "set-user-status": // ACCESS enabled|disabled
		err = adm.SetUserStatus(ctx, arg(0), madmin.AccountStatus(arg(1)))
	case "remove-user":
		err = adm.RemoveUser(ctx, arg(0))
	case "list-users":
		out, err = adm.ListUsers(ctx)
	case "user-info":
		out, err = adm.GetUserInfo(ctx, arg(0))
	case "add-policy": // NAME JSON
		err = adm.AddCannedPolicy(ctx, arg(0), []byte(arg(1)))
	case "remove-policy":
		err = adm.RemoveCannedPolicy(ctx, arg(0))
	case "list-policies":
		out, err = adm.ListCannedPolicies(ctx)
	case "info-policy": // raw document (2021 servers' answer)
		var raw []byte
		raw, err = adm.InfoCannedPolicy(ctx, arg(0))
		out = json.RawMessage(raw)
	case "info-policy-v2":
		out, err = adm.InfoCannedPolicyV2(ctx, arg(0))
	case "set-policy": // POLICIES ENTITY true|false (the 2021 `mc admin policy set`)
		err = adm.SetPolicy(ctx, arg(0), arg(1), arg(2) == "true")
	case "attach", "detach": // user|group NAME POLICY...
		r := madmin.PolicyAssociationReq{Policies: args[2:]}
		if arg(0) == "group" {
			r.Group = arg(1)
		} else {
			r.User = arg(1)
		}
		if op == "attach" {
			err = adm.AttachPolicy(ctx, r)
		} else {
			err = adm.DetachPolicy(ctx, r)
		}
	case "policy-entities": // [user=U] [group=G] [policy=P]...
		var q madmin.PolicyEntitiesQuery
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			switch k {
			case "user":
				q.Users = append(q.Users, v)
			case "group":
				q.Groups = append(q.Groups, v)
			case "policy":
				q.Policy = append(q.Policy, v)
			}
		}
		out, err = adm.GetPolicyEntities(ctx, q)
	case "group-add", "group-remove": // GROUP MEMBER...
		err = adm.UpdateGroupMembers(ctx, madmin.GroupAddRemove{Group: arg(0), Members: args[1:], IsRemove: op == "group-remove"})
	case "group-info":
		out, err = adm.GetGroupDescription(ctx, arg(0))
	case "list-groups":
		var groups []string
		groups, err = adm.ListGroups(ctx)
		if groups == nil {
			groups = []string{}
		}
		out = groups
	case "set-group-status": // GROUP enabled|disabled
		err = adm.SetGroupStatus(ctx, arg(0), madmin.GroupStatus(arg(1)))
	case "svcacct-add": // TARGETUSER [ACCESS SECRET [POLICYJSON]] ("" = generated)
		req := madmin.AddServiceAccountReq{TargetUser: arg(0)}
		if len(args) > 2 {
			req.AccessKey, req.SecretKey = args[1], args[2]
		}
		if len(args) > 3 && args[3] != "" {
			req.Policy = json.RawMessage(args[3])
		}
		out, err = adm.AddServiceAccount(ctx, req)
	case "svcacct-list":
		out, err = adm.ListServiceAccounts(ctx, arg(0))
	case "svcacct-info":
		out, err = adm.InfoServiceAccount(ctx, arg(0))
	case "svcacct-update": // ACCESS NEWSTATUS(on|off|"") [NEWSECRET [NEWPOLICYJSON]]
		req := madmin.UpdateServiceAccountReq{NewStatus: arg(1)}
		if len(args) > 2 {
			req.NewSecretKey = args[2]
		}
		if len(args) > 3 && args[3] != "" {
			req.NewPolicy = json.RawMessage(args[3])
		}
		err = adm.UpdateServiceAccount(ctx, arg(0), req)
	case "svcacct-rm":
		err = adm.DeleteServiceAccount(ctx, arg(0))
	case "s3-put-get": // BUCKET KEY: with these credentials, make the bucket if missing, put, get back
		out, err = s3PutGet(u, access, secret, arg(0), arg(1))
	case "alias-probe": // BUCKET: what `mc alias set` asks (GetBucketLocation, then HEAD) of a bucket that does not exist
		out, err = aliasProbe(u, access, secret, arg(0))
	case "s3-list-buckets":
		out, err = s3ListBuckets(u, access, secret)
	default:
		fail(fmt.Errorf("unknown operation %q", op))
	}
	if err != nil {
		fail(err)
	}
	if out == nil {
		out = map[string]bool{"ok": true}
	}
	b, err := json.Marshal(out)
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(b)
	os.Stdout.Write([]byte("\n"))
}

func s3Client(u *url.URL, access, secret string) (*minio.Client, error) {
	return minio.New(u.Host, &minio.Options{
		Creds: credentials.NewStaticV4(access, secret, ""), Secure: u.Scheme == "https", BucketLookup: minio.BucketLookupPath,
	})
}

func s3PutGet(u *url.URL, access, secret, bucket, key string) (interface{}, error) {
	c, err := s3Client(u, access, secret)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if ok, err := c.BucketExists(ctx, bucket); err != nil {
		return nil, err
	} else if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return nil, err
		}
	}
	body := []byte("written by " + access)
	if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		return nil, err
	}
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	back, err := io.ReadAll(obj)
	if err != nil {
		return nil, err
	}
	return map[string]string{"body": string(back)}, nil
}

func aliasProbe(u *url.URL, access, secret, bucket string) (interface{}, error) {
	c, err := s3Client(u, access, secret)
	if err != nil {
		return nil, err
	}
	_, locErr := c.GetBucketLocation(context.Background(), bucket)
	exists, headErr := c.BucketExists(context.Background(), bucket)
	res := map[string]interface{}{"locationCode": minio.ToErrorResponse(locErr).Code, "exists": exists}
	if headErr != nil {
		res["headError"] = headErr.Error()
	}
	return res, nil
}

func s3ListBuckets(u *url.URL, access, secret string) (interface{}, error) {
	c, err := s3Client(u, access, secret)
	if err != nil {
		return nil, err
	}
	bs, err := c.ListBuckets(context.Background())
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return map[string][]string{"buckets": names}, nil
}

func fail(err error) {
	e := map[string]interface{}{"message": err.Error()}
	if r := madmin.ToErrorResponse(err); r.Code != "" {
		e["code"], e["message"] = r.Code, r.Message
	} else if m := minio.ToErrorResponse(err); m.Code != "" {
		e["code"], e["message"], e["status"] = m.Code, m.Message, m.StatusCode
	}
	b, _ := json.Marshal(map[string]interface{}{"error": e})
	os.Stdout.Write(b)
	os.Stdout.Write([]byte("\n"))
	os.Exit(1)
}
