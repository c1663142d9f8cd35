export type Principal =
  | { kind: "anonymous" }
  | { kind: "root"; accessKey: string };

export interface SecretLookup {
  /** Secret and principal for an access key, or null when unknown. */
  (accessKey: string): Promise<{ secret: string; principal: Principal } | null>;
}
