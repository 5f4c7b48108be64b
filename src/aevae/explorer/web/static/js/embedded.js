// The static export's entry (aevae.explorer.web.export): the bundle lies in the page itself, gzip-compressed and base64
// encoded in <script type="application/octet-stream" id="aevae-bundle">. This unpacks it in the browser and mounts
// the explorer into #app — or, when the address ends in #article (or a section of it), the article — so the file
// works from file:// or any static host, with no server and no network. The two link to each other by the hash.

import { mountArticle } from "./article.js";
import { loadBundle, mount } from "./explorer.js";

const ARTICLE_IDS = /^#(article|autoencoders|vae|reparameterisation|latent-maps|interactive|information|claims|extensions|references)$/;
const app = document.getElementById("app");
const switcher = document.querySelector(".page-switch a");
try {
  const text = atob(document.getElementById("aevae-bundle").textContent.trim());
  const packed = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) packed[i] = text.charCodeAt(i);
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
  const bundle = loadBundle(await new Response(stream).arrayBuffer());
  const article = ARTICLE_IDS.test(location.hash);
  if (article) mountArticle(app, bundle, { explorerHref: "#explorer" });
  else mount(app, bundle, { nav: switcher?.closest("nav") }); // the skip link first, then the bar
  if (switcher) {
    switcher.href = article ? "#explorer" : "#article";
    switcher.textContent = article ? "Open the explorer →" : "Read the article: the paper, live →";
  }
  // Moving between the two pages (not between sections of the article) rebuilds the page.
  addEventListener("hashchange", () => {
    if (ARTICLE_IDS.test(location.hash) !== article) location.reload();
  });
} catch (error) {
  app.textContent = `The page could not start: ${error.message}`;
  throw error;
}
