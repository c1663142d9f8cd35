import type { ReqCtx } from "./context.ts";

/** The canonical owner shown in listings and ACLs; one owner per deployment (as MinIO). */
export function ownerOf(_ctx: Pick<ReqCtx, "deps">): { ID: string; DisplayName: string } {
  return { ID: "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4", DisplayName: "s3edge" };
}
