// The InfoGAN explorer in a web page: the shipped generator, rebuilt with TensorFlow.js.
//
// The network is infogan_utils.models.build_generator, op for op:
//   latent (74) -> FC 1024, BN, ReLU -> FC 7*7*128, BN, ReLU -> reshape 7x7x128
//   -> 4x4 up-conv 64, stride 2, BN, ReLU -> 4x4 up-conv 1, stride 2, sigmoid -> 28x28
// Batch norm uses its moving averages (inference), epsilon 1e-5, as Keras does.
// The weights come from weights.js (written by `python -m infogan_utils.web_export`),
// the labels from labels.js (from data/pretrained/metrics.json).
//
// window.infogan.generate(latents): latents is N x 74 numbers in the package's layout
// [z (62, noise), one_hot(c1) (10), c2, c3] (an array of N arrays, or one flat array of
// N*74 numbers); it returns N x 28 x 28 pixels in [0, 1] (1 is ink). Wait for
// `await infogan.ready` first.
(function () {
  "use strict";

  const W = window.INFOGAN_WEIGHTS;
  const L = window.INFOGAN_LABELS;
  const LAT = L.latent;
  const DIM = LAT.noise_dim + LAT.num_categories + LAT.num_continuous;
  const SIZE = 28;
  const PIXELS = SIZE * SIZE;
  const SWEEP = 9;          // values per traversal strip, -2 .. 2 (as the Python explorer)
  const GRID_ROWS = 4;      // noise vectors in the grid of every category
  const GAP = 2;            // white pixels between cells
  const [LOW, HIGH] = L.code_range;
  const EPS = 1e-5;
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ weights
  function halfToFloat(h) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
    if (exp === 31) return frac ? NaN : sign * Infinity;
    return sign * Math.pow(2, exp - 15) * (1 + frac / 1024);
  }

  // base64 of gzip -> ArrayBuffer. The browser unzips (DecompressionStream); there is no
  // fetch() of a file, so the page works from file:// as well as over HTTP.
  async function gunzipBase64(text) {
    const bin = atob(text);
    const zipped = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) zipped[i] = bin.charCodeAt(i);
    const stream = new Blob([zipped]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  // TF.js's WebAssembly backend (XNNPACK, SIMD, one thread), its binary handed over as a
  // blob: URL; the CPU backend (plain JavaScript, far slower) if that fails.
  async function startBackend() {
    const B = window.INFOGAN_TFJS_WASM;
    if (B && tf.wasm && typeof WebAssembly === "object") {
      try {
        const bytes = await gunzipBase64(B.data);
        const url = URL.createObjectURL(new Blob([bytes], { type: "application/wasm" }));
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);  // only the SIMD binary ships
        tf.wasm.setWasmPaths({ "tfjs-backend-wasm.wasm": url, "tfjs-backend-wasm-simd.wasm": url,
                               "tfjs-backend-wasm-threaded-simd.wasm": url });
        if (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") && await tf.setBackend("wasm")) {
          await tf.ready();
          return;
        }
      } catch (err) {
        console.warn("WebAssembly backend unavailable, using the CPU backend:", err);
      }
    }
    await tf.setBackend("cpu");
    await tf.ready();
  }

  async function unpack() {
    if (!W || W.format !== "infogan-web-weights/1") throw new Error("weights.js is missing or of another format: run `make web`");
    const buffer = await gunzipBase64(W.data);
    if (buffer.byteLength !== W.bytes) throw new Error("weights.js is damaged: run `make web` again");
    const tensors = {};
    for (const t of W.tensors) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (t.dtype === "float16") {
        const half = new Uint16Array(buffer, t.offset, size);
        for (let i = 0; i < size; i++) values[i] = halfToFloat(half[i]);
      } else if (t.dtype === "int8") {  // codes times the step of their output column
        const codes = new Int8Array(buffer, t.offset, size);
        const cols = t.shape[t.shape.length - 1];
        const step = new Float32Array(buffer, t.step_offset, cols);
        for (let i = 0; i < size; i++) values[i] = codes[i] * step[i % cols];
      } else {
        throw new Error(`unknown dtype ${t.dtype} in weights.js`);
      }
      tensors[t.name] = tf.tensor(values, t.shape, "float32");
    }
    for (const name of ["upconv1", "upconv2"]) tensors[name + "/subpixel"] = subPixelKernel(tensors[name + "/kernel"]);
    return tensors;
  }

  // ------------------------------------------------------------------ the generator
  let T = null;
  const bn = (x, name) => tf.batchNorm(x, T[name + "/moving_mean"], T[name + "/moving_variance"],
                                       T[name + "/beta"], T[name + "/gamma"], EPS);

  // A 4x4 up-convolution with stride 2 and "same" padding (Keras's Conv2DTranspose,
  // kernel (4, 4, out, in)) adds input pixel i times kernel row kh into output row
  // 2i + kh - 1. Even output rows 2m take kh = 1 (from i = m) and kh = 3 (from i = m - 1);
  // odd rows 2m + 1 take kh = 2 (i = m) and kh = 0 (i = m + 1); columns likewise. So it is
  // one 3x3 convolution with stride 1 whose 4*out channels are the four (row, column)
  // parities, followed by depthToSpace, which interleaves them into a map twice the size
  // (the "sub-pixel" form). Same sums, and TF.js runs convolutions much faster than
  // up-convolutions. subPixelKernel builds the 3x3 kernel (3, 3, in, 4*out).
  const TAP = [[3, 1, -1], [-1, 2, 0]];  // TAP[parity][d + 1] = kernel row for offset d
  function subPixelKernel(kernel) {  // tf.Tensor4D (4, 4, out, in) -> (3, 3, in, 4*out)
    const [, , out, inp] = kernel.shape;
    const k = kernel.dataSync();
    const k3 = new Float32Array(9 * inp * 4 * out);
    for (let dh = 0; dh < 3; dh++) for (let dw = 0; dw < 3; dw++)
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
        const kh = TAP[a][dh], kw = TAP[b][dw];
        if (kh < 0 || kw < 0) continue;
        for (let o = 0; o < out; o++) for (let c = 0; c < inp; c++)
          k3[((dh * 3 + dw) * inp + c) * 4 * out + (a * 2 + b) * out + o] = k[((kh * 4 + kw) * out + o) * inp + c];
      }
    return tf.tensor4d(k3, [3, 3, inp, 4 * out]);
  }
  const upconv = (x, name) => tf.add(tf.depthToSpace(tf.conv2d(x, T[name + "/subpixel"], 1, "same"), 2),
                                     T[name + "/bias"]);

  function forward(latents) {  // tf.Tensor2D (n, 74) -> tf.Tensor3D (n, 28, 28)
    return tf.tidy(() => {
      const n = latents.shape[0];
      let x = tf.relu(bn(tf.add(tf.matMul(latents, T["fc1/kernel"]), T["fc1/bias"]), "fc1_bn"));
      x = tf.relu(bn(tf.add(tf.matMul(x, T["fc2/kernel"]), T["fc2/bias"]), "fc2_bn"));
      x = tf.reshape(x, [n, 7, 7, 128]);
      x = tf.relu(bn(upconv(x, "upconv1"), "upconv1_bn"));   // 14x14x64
      x = tf.sigmoid(upconv(x, "upconv2"));                   // 28x28x1
      return tf.reshape(x, [n, SIZE, SIZE]);
    });
  }

  // The same network with TF.js's own up-convolution (slower): a check of the above.
  function forwardTransposed(latents) {
    return tf.tidy(() => {
      const n = latents.shape[0];
      let x = tf.relu(bn(tf.add(tf.matMul(latents, T["fc1/kernel"]), T["fc1/bias"]), "fc1_bn"));
      x = tf.relu(bn(tf.add(tf.matMul(x, T["fc2/kernel"]), T["fc2/bias"]), "fc2_bn"));
      x = tf.reshape(x, [n, 7, 7, 128]);
      x = tf.conv2dTranspose(x, T["upconv1/kernel"], [n, 14, 14, 64], 2, "same");
      x = tf.relu(bn(tf.add(x, T["upconv1/bias"]), "upconv1_bn"));
      x = tf.conv2dTranspose(x, T["upconv2/kernel"], [n, 28, 28, 1], 2, "same");
      return tf.reshape(tf.sigmoid(tf.add(x, T["upconv2/bias"])), [n, SIZE, SIZE]);
    });
  }

  function generateFlat(flat, n, net = forward) {  // Float32Array n*74 -> Float32Array n*784
    if (!T) throw new Error("the generator is still loading: `await infogan.ready` first");
    const input = tf.tensor2d(flat, [n, DIM]);
    const out = net(input);
    const pixels = out.dataSync();
    input.dispose();
    out.dispose();
    return pixels;
  }

  function generate(latents) {
    const rows = Array.isArray(latents) && Array.isArray(latents[0]) ? latents : null;
    const flat = rows ? Float32Array.from(rows.flat()) : Float32Array.from(latents);
    if (flat.length === 0 || flat.length % DIM) {
      throw new Error(`generate needs N x ${DIM} numbers ([z (${LAT.noise_dim}), one_hot(c1) ` +
                      `(${LAT.num_categories}), codes (${LAT.num_continuous})]), got ${flat.length}`);
    }
    if (rows && rows.some((r) => r.length !== DIM)) throw new Error(`every latent must have ${DIM} numbers`);
    const n = flat.length / DIM;
    const pixels = generateFlat(flat, n);
    const images = [];
    for (let k = 0; k < n; k++) {
      const image = [];
      for (let r = 0; r < SIZE; r++) image.push(Array.from(pixels.subarray(k * PIXELS + r * SIZE, k * PIXELS + (r + 1) * SIZE)));
      images.push(image);
    }
    return images;
  }

  // ------------------------------------------------------------------ latents
  // Noise from a seed: mulberry32, uniform in [-1, 1). (Python's explorer draws z with
  // NumPy's generator, so the same seed number gives another z there.)
  function noiseFromSeed(seed) {
    let a = seed >>> 0;
    const z = new Float32Array(LAT.noise_dim);
    for (let i = 0; i < z.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      z[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    }
    return z;
  }

  function latent(out, row, z, category, codes) {  // write [z, one_hot(c1), codes] into out
    const o = row * DIM;
    out.set(z, o);
    out.fill(0, o + LAT.noise_dim, o + LAT.noise_dim + LAT.num_categories);
    out[o + LAT.noise_dim + category] = 1;
    out.set(codes, o + LAT.noise_dim + LAT.num_categories);
  }

  // ------------------------------------------------------------------ drawing
  // Dark ink on white, as infogan_utils.plots draws digits.
  function draw(canvas, pixels, first, cols, rows) {
    const w = cols * SIZE + (cols - 1) * GAP, h = rows * SIZE + (rows - 1) * GAP;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(w, h);
    img.data.fill(255);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = first + r * cols + c;
        const x0 = c * (SIZE + GAP), y0 = r * (SIZE + GAP);
        for (let y = 0; y < SIZE; y++) {
          for (let x = 0; x < SIZE; x++) {
            const v = Math.min(Math.max(pixels[k * PIXELS + y * SIZE + x], 0), 1);
            const g = Math.round(255 - v * 255);
            const p = ((y0 + y) * w + x0 + x) * 4;
            img.data[p] = img.data[p + 1] = img.data[p + 2] = g;
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  // ------------------------------------------------------------------ the page
  const digitOf = (k) => L.categories[k].digit;
  const byDigit = L.categories.map((c) => c.category)
    .sort((a, b) => (digitOf(a) ?? 99 + a) - (digitOf(b) ?? 99 + b));
  const state = { category: byDigit[0], codes: new Float32Array(LAT.num_continuous), seed: 0 };
  const timings = { main: [], views: [] };
  const VIEWS_DELAY = 60;      // ms after the last change before the strips and grid redraw
  const VIEWS_MAX_WAIT = 400;  // ... but never staler than this while a slider moves
  let viewsTimer = null, viewsSince = 0;

  const fmt = (v) => (v >= 0 ? "+" : "−") + Math.abs(v).toFixed(2);
  const digitName = (k) => (digitOf(k) == null ? `category c1 = ${k}` : `digit ${digitOf(k)}`);

  function codeTitle(c) {  // "c3 · rotation code: leans right →" (→: as you drag right)
    const name = c.name ? ` · ${c.name} code` : "";
    return c.words ? `${c.code}${name}: ${c.words} →` : `${c.code}${name}`;
  }

  function codeSentence(c) {
    if (!c.effects) return `${c.code} is a continuous code; notebook 04 measures what it does.`;
    const [lo, hi] = L.effect_range;
    const parts = Object.entries(c.effects).map(([f, v]) => `${f} ${fmt(v)}`).join(", ");
    return `To the right: ${c.words ? c.words.replace(", ", " and ") : "changes the style"} ` +
           `(from ${fmt(lo)} to ${fmt(hi)} it moves ${parts} SD of real digits, as the effect ` +
           `matrix of notebook 04, “What the continuous codes do”, measures; notebook 05 explores it).`;
  }

  function buildControls() {
    const options = $("category-options");
    for (const k of byDigit) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio"; input.name = "category"; input.value = String(k);
      input.id = `category-${k}`;
      input.checked = k === state.category;
      input.setAttribute("aria-label", `${digitName(k)} (category c1 = ${k})`);
      input.addEventListener("change", () => { state.category = k; redraw(); });
      const span = document.createElement("span");
      span.textContent = digitOf(k) == null ? `c1=${k}` : String(digitOf(k));
      span.title = `category c1 = ${k}`;
      label.append(input, span);
      options.append(label);
    }
    const share = L.one_to_one == null ? "" : ` (it matched ${(100 * L.one_to_one).toFixed(1)} % of the test digits)`;
    $("category-hint").textContent = "Each category of c1 is labelled with the digit it draws: the " +
      `one-to-one matching of categories to digit labels${share}, notebook 04.`;

    const sliders = $("sliders");
    L.codes.forEach((c, j) => {
      const div = document.createElement("div");
      div.className = "slider";
      const id = `code-${c.code}`;
      div.innerHTML = `<label for="${id}"></label><div class="row"><input type="range" id="${id}" ` +
        `min="${LOW}" max="${HIGH}" step="0.05" value="0" aria-describedby="${id}-hint">` +
        `<output for="${id}" id="${id}-value">+0.00</output></div><p class="hint" id="${id}-hint"></p>`;
      div.querySelector("label").textContent = codeTitle(c);
      div.querySelector(".hint").textContent = codeSentence(c);
      const input = div.querySelector("input");
      input.addEventListener("input", () => {
        state.codes[j] = Number(input.value);
        div.querySelector("output").textContent = fmt(state.codes[j]);
        redraw(j);
      });
      sliders.append(div);
    });

    const seed = $("seed");
    seed.addEventListener("change", () => {
      let v = Math.floor(Number(seed.value));
      if (!Number.isFinite(v)) v = 0;
      state.seed = Math.min(Math.max(v, 0), 2147483647);
      seed.value = String(state.seed);
      redraw();
    });
    $("new-noise").addEventListener("click", () => {
      let v = state.seed;
      while (v === state.seed) v = Math.floor(Math.random() * 2147483647);
      state.seed = v; seed.value = String(v);
      redraw();
    });

    const strips = $("strip-list");
    L.codes.forEach((c) => {
      const fig = document.createElement("figure");
      fig.className = "strip";
      fig.innerHTML = `<figcaption></figcaption><canvas id="strip-${c.code}" role="img"></canvas>` +
        `<div class="ends"><span>${c.code} = ${fmt(LOW)}</span><span>${c.code} = ${fmt(HIGH)}</span></div>`;
      fig.querySelector("figcaption").textContent = codeTitle(c);
      fig.querySelector("canvas").setAttribute("aria-label", `${c.code} swept from ${LOW} to ${HIGH}`);
      strips.append(fig);
    });
    $("grid-hint").textContent = `One column per digit (0 to 9), one row per noise vector (seeds ` +
      `n to n + ${GRID_ROWS - 1} from the seed above), all with the codes as set above: the ` +
      `category picks the digit, the noise the handwriting.`;
  }

  function caption() {
    const codes = L.codes.map((c, j) => `${c.code} = ${fmt(state.codes[j])}`).join(", ");
    $("caption").textContent = `${digitName(state.category)}, ${codes}, seed ${state.seed}`;
  }

  function mainLatent() {
    const flat = new Float32Array(DIM);
    latent(flat, 0, noiseFromSeed(state.seed), state.category, state.codes);
    return flat;
  }

  function redrawMain() {
    const t = performance.now();
    draw($("digit"), generateFlat(mainLatent(), 1), 0, 1, 1);
    const ms = performance.now() - t;
    timings.main.push(ms);
    caption();
    if (timings.main.length > 1) {
      $("status").textContent = `Drawn in this page by TensorFlow.js (${tf.getBackend()} ` +
        `backend) in ${ms.toFixed(0)} ms.`;
    }
    return ms;
  }

  function redrawViews() {  // the strips and the grid, in one batch
    const t = performance.now();
    const z = noiseFromSeed(state.seed);
    const nStrip = L.codes.length * SWEEP;
    const n = nStrip + LAT.num_categories * GRID_ROWS;
    const flat = new Float32Array(n * DIM);
    const codes = new Float32Array(LAT.num_continuous);
    L.codes.forEach((c, j) => {
      for (let i = 0; i < SWEEP; i++) {
        codes.set(state.codes);
        codes[j] = LOW + ((HIGH - LOW) * i) / (SWEEP - 1);
        latent(flat, j * SWEEP + i, z, state.category, codes);
      }
    });
    for (let r = 0; r < GRID_ROWS; r++) {
      const zr = r === 0 ? z : noiseFromSeed(state.seed + r);
      byDigit.forEach((k, col) => latent(flat, nStrip + r * LAT.num_categories + col, zr, k, state.codes));
    }
    const pixels = generateFlat(flat, n);
    L.codes.forEach((c, j) => draw($(`strip-${c.code}`), pixels, j * SWEEP, SWEEP, 1));
    draw($("grid"), pixels, nStrip, LAT.num_categories, GRID_ROWS);
    timings.views.push(performance.now() - t);
  }

  // The digit redraws at once on every change (one image: a few milliseconds). The strips
  // and the grid (58 images) follow when the controls rest for VIEWS_DELAY ms, and at
  // least every VIEWS_MAX_WAIT ms while a slider is dragged, so they never hold it up.
  function redraw() {
    redrawMain();
    const now = performance.now();
    if (viewsTimer === null) viewsSince = now;
    else clearTimeout(viewsTimer);
    const wait = Math.max(0, Math.min(VIEWS_DELAY, viewsSince + VIEWS_MAX_WAIT - now));
    viewsTimer = setTimeout(() => { viewsTimer = null; redrawViews(); }, wait);
  }

  async function start() {
    buildControls();
    await startBackend();
    T = await unpack();
    redrawMain();
    redrawViews();
    const mb = (W.data.length / 1e6).toFixed(1);
    redrawMain();  // the first call was the warm-up
    $("about").textContent = `Model: the shipped pretrained InfoGAN (${L.run || "data/pretrained"}). ` +
      `Weights: ${mb} MB in weights.js; fc2's kernel on an int8 grid (GPTQ), everything else ` +
      `in float16, exact; the largest pixel difference from Keras was ` +
      `${W.max_pixel_error_numpy == null ? "not measured" : W.max_pixel_error_numpy.toFixed(4)} ` +
      `on ${W.error_latents} latents. Built by \`make web\`.`;
  }

  const ready = start().catch((err) => {
    $("status").textContent = `The generator could not start: ${err.message}`;
    $("status").className = "status error";
    throw err;
  });

  window.infogan = {
    ready, generate, state, timings,
    noise: (seed) => Array.from(noiseFromSeed(seed)),
    latent: () => Array.from(mainLatent()),  // the latent of the large digit
    viewsPending: () => viewsTimer !== null,
    latentDim: DIM, labels: L,
    backend: () => tf.getBackend(),
    redraw, redrawMain, redrawViews,
    // the up-convolutions run as tf.conv2dTranspose instead (a check; flat in, flat out)
    generateTransposed: (flat) => Array.from(generateFlat(Float32Array.from(flat), flat.length / DIM, forwardTransposed)),
  };
})();
