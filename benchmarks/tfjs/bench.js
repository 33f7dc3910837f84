// The TensorFlow.js column of scripts/bench_browser.py: the page's network and training, in TF.js.
//
// 784-H-10, ReLU, softmax cross-entropy (the mean over the batch), SGD with momentum 0.9
// (tf.train.momentum: A = 0.9 A + dW; W = W - lr A, the same steps as the page's
// V = 0.9 V - lr dW; W = W + V). bench_browser.py writes, into data/, what the page's Python uses:
// the MNIST subset's images and labels (uint8, image after image), the He-initialised starting
// parameters of each network (network.init_params, seed 0, float32) and each epoch's order of the
// examples (numpy's default_rng(0).permutation, as training.py draws it). So both sides train the
// same network on the same batches; only the arithmetic's rounding differs.
//
// Timing as the page's: each epoch's gradient steps (gathering the batch included), validation
// excluded. The wasm backend runs every op synchronously; reading each step's loss (dataSync) also
// makes sure the step is finished when the clock is read.

const tf = window.tf;
const status = document.getElementById("status");

async function fetchBytes(name) {
  const response = await fetch(`data/${name}`);
  if (!response.ok) throw new Error(`data/${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The wasm backend, with its .wasm files served from node_modules; an error unless it has SIMD. */
async function startBackend() {
  const wasmFolder = new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", location.href).href;
  tf.wasm.setWasmPaths(wasmFolder);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js: the wasm backend did not start");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  if (!simd) throw new Error("TF.js: this browser's WebAssembly has no SIMD (WASM_HAS_SIMD_SUPPORT false)");
  return {
    version: tf.version_core,
    backend: tf.getBackend(),
    simd,
    threads,
    threadsCount: tf.wasm.getThreadsCount(),
  };
}

/** The subset as tensors: X (n, 784) in [0, 1], one image a row, and the one-hot labels (n, 10). */
async function loadData() {
  const [images, labels, valImages, valLabels] = await Promise.all(
    ["train-images.u8", "train-labels.u8", "val-images.u8", "val-labels.u8"].map(fetchBytes),
  );
  const columns = (pixels, n) => tf.tidy(() => tf.div(tf.cast(tf.tensor2d(pixels, [n, 784], "int32"), "float32"), 255));
  const oneHot = (digits) => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(digits, "int32"), 10), "float32"));
  return {
    n: labels.length,
    X: columns(images, labels.length),
    Y: oneHot(labels),
    X_val: columns(valImages, valLabels.length),
    Y_val: valLabels,
  };
}

/** The starting parameters bench_browser.py wrote for H hidden units: W1 (784, H), b1 (H), W2 (H, 10), b2 (10). */
async function loadParams(hidden) {
  const floats = new Float32Array((await fetchBytes(`init-${hidden}.f32`)).buffer);
  const shapes = {
    W1: [784, hidden],
    b1: [hidden],
    W2: [hidden, 10],
    b2: [10],
  };
  const params = {};
  let offset = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const initial = tf.tensor(floats.subarray(offset, offset + size), shape);
    params[name] = tf.variable(initial); // a copy: the initial tensor can go
    initial.dispose();
    offset += size;
  }
  if (offset !== floats.length) throw new Error(`init-${hidden}.f32: ${floats.length} floats, expected ${offset}`);
  return params;
}

/** Z2 = ReLU(X W1 + b1) W2 + b2, the logits (m, 10); the first layer is one fused op, as tf.layers.dense does. */
function logits(params, X) {
  const A1 = tf.fused.matMul({
    a: X,
    b: params.W1,
    bias: params.b1,
    activation: "relu",
  });
  return tf.fused.matMul({ a: A1, b: params.W2, bias: params.b2 });
}

function valAccuracy(params, data) {
  const predicted = tf.tidy(() => tf.argMax(logits(params, data.X_val), 1).dataSync());
  let correct = 0;
  predicted.forEach((digit, i) => (correct += digit === data.Y_val[i] ? 1 : 0));
  return correct / predicted.length;
}

/** One epoch's gradient steps, in the order given; returns its mean loss and its seconds. */
function epoch(params, optimizer, data, order, batch) {
  const variables = Object.values(params);
  let lossSum = 0;
  const started = performance.now();
  for (let start = 0; start < data.n; start += batch) {
    const columns = order.subarray(start, Math.min(start + batch, data.n));
    const cost = tf.tidy(() => {
      const indices = tf.tensor1d(columns, "int32");
      const X = tf.gather(data.X, indices);
      const Y = tf.gather(data.Y, indices);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(Y, logits(params, X)), true, variables);
    });
    const loss = cost.dataSync()[0];
    cost.dispose();
    if (!Number.isFinite(loss)) throw new Error(`TF.js: the loss became ${loss}`);
    lossSum += loss * columns.length;
  }
  return {
    loss: lossSum / data.n,
    seconds: (performance.now() - started) / 1000,
  };
}

let data = null;

/** One run from scratch: {hidden, batch, epochs, lr} -> its history, as the page reports one. */
async function train({ hidden, batch, epochs, lr }) {
  data ??= await loadData();
  const orders = new Int32Array((await fetchBytes(`orders-${epochs}.i32`)).buffer);
  if (orders.length !== epochs * data.n) throw new Error(`orders-${epochs}.i32: ${orders.length} indices`);
  const params = await loadParams(hidden);
  const optimizer = tf.train.momentum(lr, 0.9);
  const history = [];
  for (let e = 0; e < epochs; e++) {
    status.textContent = `training ${hidden}:${batch}, epoch ${e + 1} of ${epochs}`;
    const done = epoch(params, optimizer, data, orders.subarray(e * data.n, (e + 1) * data.n), batch);
    history.push({
      epoch: e + 1,
      ...done,
      val_accuracy: valAccuracy(params, data),
    });
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page breathe between epochs
  }
  optimizer.dispose();
  optimizer.c.dispose(); // the learning rate's scalar: TF.js 4.22's MomentumOptimizer.dispose() leaves it
  Object.values(params).forEach((variable) => variable.dispose());
  status.textContent = "ready";
  return {
    history,
    examples_seen: epochs * data.n,
    tensors: tf.memory().numTensors,
  };
}

window.tfjsBench = {
  ready: startBackend().then(
    (backend) => ((status.textContent = "ready"), backend),
    (error) => ((status.textContent = String(error)), Promise.reject(error)),
  ),
  train,
};
