/** @jsxImportSource hono/jsx */
// The console's HTML shell: server-rendered with Hono JSX, it only names the hashed client
// bundle and carries what the browser needs to sign (the region) and the URL of its Argon2id
// Worker; everything else is the client.
import type { FC } from "hono/jsx";

export interface ShellProps { region: string; script: string; style: string; kdfWorker: string }

export const Shell: FC<ShellProps> = ({ region, script, style, kdfWorker }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>s3edge console</title>
      <link rel="stylesheet" href={`/console/assets/${style}`} />
      <script type="module" src={`/console/assets/${script}`} defer />
    </head>
    <body data-region={region} data-kdf-worker={`/console/assets/${kdfWorker}`}>
      <div id="app">
        <noscript>The s3edge console needs JavaScript: it signs every request in the browser.</noscript>
      </div>
    </body>
  </html>
);
