// The static export's entry (aevae.explorer.web.export): the bundle lies in the page itself, gzip-compressed and base64
// encoded in <script type="application/octet-stream" id="aevae-bundle">. This unpacks it in the browser and mounts
// the explorer into #app, so the file works from file:// or any static host, with no server and no network.

import { loadBundle, mount } from "./explorer.js";

const app = document.getElementById("app");
try {
  const text = atob(document.getElementById("aevae-bundle").textContent.trim());
  const packed = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) packed[i] = text.charCodeAt(i);
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
  mount(app, loadBundle(await new Response(stream).arrayBuffer()));
} catch (error) {
  app.textContent = `The explorer could not start: ${error.message}`;
  throw error;
}
