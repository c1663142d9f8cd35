/** @jsxImportSource hono/jsx/dom */
import type { ConsoleError } from "../errors.ts";
import { hintFor } from "../errors.ts";

/** An error as a person can act on it: the code, the server's message, and what to do. */
export const ErrorBanner = ({ error, onClose }: { error: ConsoleError | null; onClose?: () => void }) =>
  error ? (
    <div class="error" role="alert">
      <strong class="error-code">{error.code}</strong> <span>{error.message}</span>
      {hintFor(error.code) ? <p class="hint">{hintFor(error.code)}</p> : null}
      {error.requestId ? <p class="muted">Request id: {error.requestId}</p> : null}
      {onClose ? <button type="button" class="link" onClick={onClose}>Dismiss</button> : null}
    </div>
  ) : null;
