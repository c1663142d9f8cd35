export type Principal =
  | { kind: "anonymous" }
  | { kind: "root"; accessKey: string }
  /** An IAM user of the IamStore; its rights are its policies and its enabled groups'. */
  | { kind: "user"; accessKey: string }
  /**
   * A service account: its parent user's rights, narrowed by its own (session) policy when it
   * has one. STS sessions will be a kind of their own beside it (parent, expiry, session policy).
   */
  | { kind: "serviceAccount"; accessKey: string; parent: string; sessionPolicy?: string }
  /**
   * An STS session (AssumeRole): the parent user's rights, narrowed by the assuming service
   * account's policy (`serviceAccount`) and by the session policy; ends at `expiration` (epoch ms).
   */
  | { kind: "sts"; accessKey: string; parent: string; serviceAccount?: string; sessionPolicy?: string; expiration: number };

export interface SecretLookup {
  /** Secret and principal for an access key (and STS session token), or null when unknown. */
  (accessKey: string, sessionToken?: string): Promise<{ secret: string; principal: Principal } | null>;
}
