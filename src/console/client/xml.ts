// Reading S3's XML answers in the browser (DOMParser is there; no XML library in the bundle).
export const parseXml = (text: string): Document => new DOMParser().parseFromString(text, "application/xml");

/** Text of the first descendant named `tag` (namespaces ignored), or "". */
export const textOf = (node: Document | Element, tag: string): string => node.getElementsByTagName(tag)[0]?.textContent ?? "";

export const elements = (node: Document | Element, tag: string): Element[] => Array.from(node.getElementsByTagName(tag));

export const escapeXml = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] as string);
