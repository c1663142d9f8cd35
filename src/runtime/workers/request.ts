// Under wrangler dev, cancelling a request body that was never read (the core does so when it
// answers an error before reading an upload) intermittently wedges the *next* request until
// its client gives up: 4–6 in 40 in a minimal Worker, 0 in 40 when the body is simply left
// unread. workerd discards an unread body by itself once the response is sent, so on Workers
// that cancel has nothing to do and is made inert here.
export function withInertBodyCancel(req: Request): Request {
  const body = req.body;
  if (body) Object.defineProperty(body, "cancel", { value: () => Promise.resolve(), configurable: true });
  return req;
}
