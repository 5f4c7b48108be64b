// A network the page cannot build (a user's own model, aevae.explorer.bundle.own_model): its bundle slot says
// "decoder": "python" and carries the gallery's codes instead of weights, and decoding is asked of Python (the
// server's API for `aevae explore`, the kernel for the widget) through a transport:
//
//   transport(slot, latents: Float64Array[]) -> Promise<Float32Array[]>   one image (C·S·S, channels first) each
//
// Requests are coalesced: each view (the output, a PCA map's preview, the samples strip) keeps only its latest
// latent, at most one request per lane is in flight, and whatever the views queued while it flew goes out as one
// batch per model when it lands. A superseded request resolves to null, so a view draws only the newest image.
// The output of the dragged line has a lane of its own ("line"), which goes first: the other views' requests
// ("views": the traversal rows' 28 images of the same line, the maps' previews) go out only while no request of the
// line is waiting or in flight, so during a drag they fill the gaps between its requests and never hold its one
// image back (on a busy 2-core machine a 28-image request beside it doubled its time).
//
// Where the page has a server (`aevae explore`), new inputs are encoded there too, through an encoder:
//
//   encoder(slot, source: Blob|{pixels}) -> Promise<{mu, sigma, bce, image}>   the file itself, or grey levels
//
// and the server prepares the picture the model's way (its preprocessing, size and channels) before encoding it.

/**
 * The coalescing queue in front of a transport.
 * @param {(slot: string, latents: Float64Array[]) => Promise<Float32Array[]>} transport
 * @returns {(view: string, slot: string, z: ArrayLike<number>, lane?: "line"|"views") =>
 *   Promise<Float32Array|null>} decode: the image for `z`, null if a newer request of the same view replaced this
 *   one; rejects with the transport's error
 */
export function createDecodeQueue(transport) {
  const lane = () => ({ queued: new Map(), flying: false }); // queued: view -> {slot, z, resolve, reject}
  const lanes = { line: lane(), views: lane() };

  function pump() {
    const { line, views } = lanes;
    if (!line.flying && line.queued.size) send(line);
    if (!views.flying && views.queued.size && !line.flying && !line.queued.size) send(views);
  }

  async function send(lane) {
    const { queued } = lane;
    lane.flying = true;
    const jobs = [...queued.values()];
    queued.clear();
    const bySlot = new Map();
    for (const job of jobs) bySlot.set(job.slot, [...(bySlot.get(job.slot) || []), job]);
    await Promise.all([...bySlot].map(async ([slot, list]) => {
      try {
        const images = await transport(slot, list.map((job) => job.z));
        list.forEach((job, i) => job.resolve(images[i]));
      } catch (error) {
        for (const job of list) job.reject(error);
      }
    }));
    lane.flying = false;
    pump();
  }

  return function decode(view, slot, z, name = "views") {
    const { queued } = lanes[name];
    return new Promise((resolve, reject) => {
      queued.get(view)?.resolve(null);
      queued.set(view, { slot, z: Float64Array.from(z), resolve, reject });
      pump();
    });
  };
}

/**
 * The network of a slot decoded by Python: encode looks the gallery's codes up (computed by Python when the bundle
 * was made); decodeLater(view, z, lane) asks the queue (lane "line" for the output of the line itself, else
 * "views"). It has no synchronous decode.
 * @param {object} meta the slot's metadata; @param {{mu, sigma, bce}} codes gallery codes, (M, d), (M, d), (M,)
 * @param {Float32Array[]} images the gallery's images, whose codes these are
 * @param {Function|null} queue createDecodeQueue's decode; @param {Function|null} encoder see above: with one, the
 *   network has encodeLater(source) -> Promise<{mu, sigma, bce, image}>, a picture encoded by Python
 */
export function createRemoteNetwork(meta, codes, images, queue, encoder = null) {
  const d = meta.latent_dim;
  const index = new Map(images.map((image, i) => [image, i]));
  const channels = meta.config?.model?.channels ?? 1;
  return {
    remote: true,
    size: meta.image_size,
    channels,
    variational: Boolean(meta.variational),
    encode(image) {
      const i = index.get(image);
      if (i === undefined) {
        throw new Error("this model runs in Python only: the page can show the gallery's images, not encode new ones");
      }
      const row = (array) => Float64Array.from(array.subarray(i * d, (i + 1) * d));
      return { mu: row(codes.mu), sigma: codes.sigma ? row(codes.sigma) : null, bce: codes.bce[i] };
    },
    decodeLater: (view, z, lane = "views") => {
      if (!queue) return Promise.reject(new Error("this model runs in Python only, and this page has no Python"));
      return queue(view, meta.slot, z, lane);
    },
    encodeLater: encoder && ((source) => encoder(meta.slot, source)),
  };
}

/**
 * The served page's encoder: the server's encode API. A Blob (an uploaded file) is sent as it is, with its type;
 * {pixels} (grey levels, rows of numbers) as JSON. Refusals reject with the server's message.
 * @param {string} base the API's address ("api/" beside the page)
 * @returns {(slot: string, source: Blob|{pixels: number[][]}) => Promise<{mu: Float64Array,
 *   sigma: Float64Array|null, bce: number, image: Float32Array}>} image: as the model took it, flat, channels first
 */
export function serverEncoder(base = "api/") {
  return async (slot, source) => {
    const file = source instanceof Blob;
    const response = await fetch(`${base}models/${slot}/encode`, {
      method: "POST",
      headers: { "Content-Type": file ? source.type || "application/octet-stream" : "application/json" },
      body: file ? source : JSON.stringify(source),
    });
    if (!response.ok) throw new Error(await errorText(response));
    const answer = await response.json();
    return {
      mu: Float64Array.from(answer.mu),
      sigma: answer.sigma ? Float64Array.from(answer.sigma) : null,
      bce: answer.bce,
      image: Float32Array.from(answer.image.flat(2)),
    };
  };
}

// The server's {"error": message}, or the text of an answer that is not JSON.
async function errorText(response) {
  const text = await response.text();
  try {
    return JSON.parse(text).error ?? text;
  } catch {
    return text;
  }
}

/**
 * The served page's transport: the server's decode API, sent and answered as raw float32 values (no JSON to write
 * here or to parse there: a batch of 28 latents of 512 values was 300 kB of it).
 * @param {string} base the API's address ("api/" beside the page)
 */
export function serverTransport(base = "api/") {
  return async (slot, latents) => {
    const d = latents[0].length;
    const body = new Float32Array(latents.length * d); // one latent after another
    latents.forEach((z, i) => body.set(z, i * d));
    const response = await fetch(`${base}models/${slot}/decode`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream", Accept: "application/octet-stream" },
      body,
    });
    if (!response.ok) throw new Error(await errorText(response));
    return splitImages(new Float32Array(await response.arrayBuffer()), latents.length);
  };
}

/** `count` equal images from one buffer of pixels. */
export function splitImages(pixels, count) {
  const n = pixels.length / count;
  return Array.from({ length: count }, (_, i) => pixels.subarray(i * n, (i + 1) * n));
}

/**
 * A new picture's codes in every model, where some model runs in Python only: each such model encodes it through
 * its encoder (one model shown in both slots, once), and a model the page runs encodes the image Python prepared.
 * @param {{[slot: string]: {meta, net}}} models the state's models
 * @param {Blob|{pixels: number[][]}} source an uploaded file, or a drawing's grey levels
 * @returns {Promise<{image: Float32Array, codes: {[slot: string]: {mu, sigma, bce?}}}>}
 */
export async function encodeInPython(models, source) {
  const slots = Object.keys(models);
  const remote = slots.filter((slot) => models[slot].net.remote);
  const asked = models[remote[0]].meta.both_slots ? remote.slice(0, 1) : remote;
  const answers = await Promise.all(asked.map((slot) => models[slot].net.encodeLater(source)));
  const bySlot = Object.fromEntries(remote.map((slot) => [slot, answers[asked.indexOf(slot)] ?? answers[0]]));
  const image = answers[0].image;
  const codes = Object.fromEntries(slots.map((slot) => {
    const answer = bySlot[slot];
    return [slot, answer ? { mu: answer.mu, sigma: answer.sigma, bce: answer.bce } : models[slot].net.encode(image)];
  }));
  return { image, codes };
}

/**
 * Decode `z` with a model's network and hand the image to `use`: at once where the page runs the network, when
 * Python answers where it cannot (`view` names the picture, so only its newest request is kept). A Python error
 * leaves the picture as it was.
 * @returns {Promise<void>|undefined}
 */
export function decodeThen(net, view, z, use) {
  if (!net.remote) return void use(net.decode(z));
  return net.decodeLater(view, z).then((image) => image && use(image), () => {});
}
