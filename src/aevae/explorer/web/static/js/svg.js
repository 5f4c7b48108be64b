// A small helper for building SVG elements.

const NS = "http://www.w3.org/2000/svg";

/** An SVG element `tag` with attributes `attrs`, appended to `parent` when given. */
export function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/** Format a number for an axis label: three significant digits, no trailing zeros. */
export function formatValue(v) {
  return Number(v.toPrecision(3)).toString();
}
