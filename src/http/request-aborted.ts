/** The client went away before its request body was complete: not the gateway's fault, so no stack in the log. */
export class RequestAborted extends Error {
  constructor() {
    super("request body aborted by the client");
    this.name = "RequestAborted";
  }
}

/** True when `e` or one of its causes is a RequestAborted. */
export function isRequestAborted(e: unknown): boolean {
  for (let c = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) if (c instanceof RequestAborted) return true;
  return false;
}
