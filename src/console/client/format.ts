export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const formatDate = (iso: string): string => (iso ? new Date(iso).toLocaleString() : "");

/** The last path segment of a key or prefix ("a/b/" → "b/"). */
export const baseName = (key: string, prefix: string): string => key.slice(prefix.length);

export type PreviewKind = "image" | "text" | "json" | "pdf" | "audio" | "video" | "none";
const IMAGE = /\.(png|jpe?g|gif|webp|svg|avif|bmp|ico)$/i;
const AUDIO = /\.(mp3|wav|ogg|oga|opus|m4a|aac|flac)$/i;
const VIDEO = /\.(mp4|m4v|webm|ogv|mov)$/i;
const TEXT = /\.(txt|md|csv|log|ya?ml|toml|ini|xml|html?|css|js|ts|sh|py|go|rs|c|h)$/i;

export function previewKind(key: string, contentType = ""): PreviewKind {
  if (contentType.startsWith("image/") || IMAGE.test(key)) return "image";
  if (contentType.includes("json") || /\.json$/i.test(key)) return "json";
  if (contentType === "application/pdf" || /\.pdf$/i.test(key)) return "pdf";
  if (contentType.startsWith("audio/") || AUDIO.test(key)) return "audio";
  if (contentType.startsWith("video/") || VIDEO.test(key)) return "video";
  if (contentType.startsWith("text/") || TEXT.test(key)) return "text";
  return "none";
}
