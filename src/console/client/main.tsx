/** @jsxImportSource hono/jsx/dom */
// The console in the browser: hono/jsx/dom renders, aws4fetch signs (see src/console/routes.ts).
import { render } from "hono/jsx/dom";
import { App } from "./views/app.tsx";

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App region={document.body.dataset.region || "us-east-1"} />, root);
}
