// S3 additional checksums (x-amz-checksum-*): which one a request asks for, and how to compute it.
import { S3Error } from "../xml/errors.ts";
import type { Deps, DigestAlgorithm } from "../deps.ts";
import type { ChecksumAlgorithm } from "../store/types.ts";
import { fromBase64, toBase64 } from "../util/hash.ts";

export const CHECKSUM_ALGORITHMS: Record<ChecksumAlgorithm, { header: string; digest: DigestAlgorithm; bytes: number }> = {
  CRC32: { header: "x-amz-checksum-crc32", digest: "crc32", bytes: 4 },
  CRC32C: { header: "x-amz-checksum-crc32c", digest: "crc32c", bytes: 4 },
  CRC64NVME: { header: "x-amz-checksum-crc64nvme", digest: "crc64nvme", bytes: 8 },
  SHA1: { header: "x-amz-checksum-sha1", digest: "sha1", bytes: 20 },
  SHA256: { header: "x-amz-checksum-sha256", digest: "sha256", bytes: 32 },
};

export function parseAlgorithm(v: string | null | undefined): ChecksumAlgorithm | undefined {
  if (!v) return undefined;
  const a = v.toUpperCase();
  if (a in CHECKSUM_ALGORITHMS) return a as ChecksumAlgorithm;
  throw new S3Error("InvalidArgument", { message: "Value for x-amz-checksum-algorithm header is invalid.", extra: { ArgumentName: "x-amz-checksum-algorithm" } });
}

export function algorithmForHeader(name: string): ChecksumAlgorithm | undefined {
  return (Object.keys(CHECKSUM_ALGORITHMS) as ChecksumAlgorithm[]).find((a) => CHECKSUM_ALGORITHMS[a].header === name.toLowerCase());
}

export interface ChecksumRequest {
  algorithm: ChecksumAlgorithm;
  /** Value sent as a header up front (base64), if any. */
  expected?: string;
  /** The value comes in the aws-chunked trailer under this name. */
  trailer?: string;
}

/** What checksum a write request declares: a header value, a trailer, or just an algorithm. */
export function checksumRequest(h: Headers, uploadAlgorithm?: ChecksumAlgorithm): ChecksumRequest | undefined {
  const found: ChecksumRequest[] = [];
  for (const alg of Object.keys(CHECKSUM_ALGORITHMS) as ChecksumAlgorithm[]) {
    const v = h.get(CHECKSUM_ALGORITHMS[alg].header);
    if (v !== null) found.push({ algorithm: alg, expected: v });
  }
  if (found.length > 1) throw new S3Error("InvalidRequest", { message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed." });
  const trailerName = h.get("x-amz-trailer")?.trim().toLowerCase();
  if (trailerName) {
    const alg = algorithmForHeader(trailerName);
    if (!alg) throw new S3Error("InvalidRequest", { message: "The value specified in the x-amz-trailer header is not supported" });
    if (found.length) throw new S3Error("InvalidRequest", { message: "Expecting a single x-amz-checksum- header" });
    return { algorithm: alg, trailer: trailerName };
  }
  if (found.length) {
    const f = found[0];
    const raw = fromBase64(f.expected!);
    if (!raw || raw.length !== CHECKSUM_ALGORITHMS[f.algorithm].bytes) {
      throw new S3Error("InvalidRequest", { message: `Value for ${CHECKSUM_ALGORITHMS[f.algorithm].header} header is invalid.` });
    }
    return f;
  }
  const declared = parseAlgorithm(h.get("x-amz-sdk-checksum-algorithm") ?? h.get("x-amz-checksum-algorithm")) ?? uploadAlgorithm;
  return declared ? { algorithm: declared } : undefined;
}

export function checksumHasher(deps: Deps, alg: ChecksumAlgorithm) {
  return deps.hasher(CHECKSUM_ALGORITHMS[alg].digest);
}

/** Checksum of checksums for multipart COMPOSITE objects: digest(concat(raw part values)) + "-N". */
export async function compositeChecksum(deps: Deps, alg: ChecksumAlgorithm, partValues: string[]): Promise<string> {
  const h = checksumHasher(deps, alg);
  for (const v of partValues) h.update(fromBase64(v) ?? new Uint8Array());
  return `${toBase64(await h.digest())}-${partValues.length}`;
}

export function checksumHeaders(c: { algorithm: ChecksumAlgorithm; value: string; type?: string } | undefined): Record<string, string> {
  if (!c) return {};
  const out: Record<string, string> = { [CHECKSUM_ALGORITHMS[c.algorithm].header]: c.value };
  if (c.type) out["x-amz-checksum-type"] = c.type;
  return out;
}
