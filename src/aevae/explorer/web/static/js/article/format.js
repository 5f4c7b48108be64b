// Number formatting and small HTML helpers the article's sections share. Every number the article prints comes
// from the bundle; these only decide how many digits it shows.

/** `v` with `digits` decimals and thousands separators ("8,192", "98.44"); "—" for a missing value. */
export function num(v, digits = 0) {
  if (v === undefined || v === null || Number.isNaN(v)) return "—";
  return Number(v).toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `v` (a fraction) as a percentage with `digits` decimals. */
export function pct(v, digits = 1) {
  return v === undefined || v === null ? "—" : `${num(100 * v, digits)} %`;
}

/** A value element the tests and the reader can both read: the shown text and the exact value behind it. */
export function value(key, v, text) {
  return `<output class="val" data-key="${key}" data-value="${v}">${text}</output>`;
}

/** Text safe to put inside HTML. */
export function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** A shell command, copyable as it stands. */
export function command(text) {
  return `<code class="cmd">${esc(text)}</code>`;
}

/** What the loaded models' inputs are, in words: "digits" for MNIST, else "images" (plural) / "digit", "image". */
export function things(meta, plural = true) {
  const digits = String(meta.data).toLowerCase() === "mnist";
  return plural ? (digits ? "digits" : "images") : (digits ? "digit" : "image");
}
