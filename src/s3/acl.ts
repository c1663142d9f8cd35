import { xmlResponse } from "../xml/xml.ts";
import type { ReqCtx } from "./context.ts";
import { ownerOf } from "./owner.ts";

/** A fixed owner-full-control ACL: s3edge authorises with policies, not ACLs (like MinIO). */
export function aclResponse(ctx: ReqCtx) {
  const owner = ownerOf(ctx);
  return xmlResponse("AccessControlPolicy", {
    Owner: owner,
    AccessControlList: {
      Grant: {
        Grantee: { "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "@_xsi:type": "CanonicalUser", ...owner },
        Permission: "FULL_CONTROL",
      },
    },
  });
}
