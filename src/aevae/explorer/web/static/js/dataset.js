// What the data set's items are called, for the page's text: "digits" for MNIST, "letters" for a set whose classes
// are single letters, "clothes" for Fashion-MNIST, "sprites" for the sprites, "images" otherwise. Read from the bundle's metadata, never assumed.

/**
 * @param {{data: string, classes: string[]}} meta a model's metadata (its data set's name and class names)
 * @returns {{a: string, many: string}} with its article, and plural: {a: "a digit", many: "digits"}
 */
export function itemNoun(meta) {
  if (meta.own) return { a: "an image", many: "images" }; // your own model's images: their labels say nothing of kind
  const classes = meta.classes || [];
  if (String(meta.data).startsWith("fashion")) return { a: "a garment", many: "clothes" };
  if (String(meta.data).startsWith("sprites")) return { a: "a sprite", many: "sprites" };
  if (classes.length && classes.every((c) => /^\d$/.test(c))) return { a: "a digit", many: "digits" };
  if (classes.length && classes.every((c) => /^\p{L}$/u.test(c))) return { a: "a letter", many: "letters" };
  return { a: "an image", many: "images" };
}

/**
 * How a model takes its inputs, from its metadata; bundles made before colour models existed lack these fields and
 * mean the MNIST way.
 * @returns {{preprocess: "glyph"|"fit", size: number, channels: 1|3}} "glyph": a drawing pad makes sense;
 *   "fit": photos and sprites, uploads only
 */
export function inputLayout(meta) {
  return {
    preprocess: meta.preprocess ?? "glyph",
    size: meta.config?.model?.image_size ?? 32,
    channels: meta.channels ?? 1,
  };
}
