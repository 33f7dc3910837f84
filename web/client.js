// The page's side of the Python worker: start it, follow its loading, send requests and match
// each answer to its request. No math here; worker.js runs the Python.

// What Pyodide says once it can no longer run anything: the worker must be started again.
const FATAL = /fatal error|fatally failed/i;

export class PythonWorker {
  /**
   * @param {{onProgress: Function, onReady: Function, onError: Function, onFatal: Function}} events
   *   onFatal(message): Python in the worker died; the page restarts it (once per worker).
   */
  constructor(events) {
    this.events = events;
    this.pending = new Map();
    this.nextId = 1;
    this.start();
  }

  start() {
    // The first worker was started by boot.js, before the page's modules loaded; a restart makes a new one.
    const early = window.earlyWorker;
    window.earlyWorker = null;
    const worker = early?.worker ?? new Worker(new URL("./worker.js", import.meta.url), { type: "module" }); // worker.js imports ES modules
    this.worker = worker;
    this.dead = false; // Python in this worker suffered a fatal error
    // Messages from a worker that was replaced (still queued when it was stopped) are ignored.
    worker.onmessage = (event) => worker === this.worker && this.receive(event.data);
    const failed = (message) => worker === this.worker && this.fail("runtime", message || "the worker could not start");
    worker.onerror = (event) => {
      event.preventDefault();
      failed(event.message);
    };
    if (!early) return;
    // What the early worker said before this page listened, in order, once the constructor has
    // returned: a microtask, run before the task of any message that comes after them.
    queueMicrotask(() => {
      for (const message of early.messages) if (worker === this.worker) this.receive(message);
      if (early.error) failed(early.error);
    });
  }

  /** Stop the worker (and whatever it was loading) and start a new one. */
  restart() {
    this.worker.terminate();
    this.fail("restart", "Python was restarted", false);
    this.start();
  }

  receive(message) {
    if (message.type === "progress") this.events.onProgress(message);
    else if (message.type === "ready") this.events.onReady(message);
    else if (message.type === "error") this.fail(message.stage, message.message);
    else if (message.type === "training")
      this.onTraining?.(message); // set by train.js
    else if (message.type === "teaching")
      this.onTeaching?.(message); // set by teach.js
    else if (message.type === "fatal") this.died(null, message.message);
    else if (message.type === "result") {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      if (message.ok) request.resolve(message.value);
      else if (FATAL.test(message.error)) this.died(request, message.error);
      else request.reject(new Error(message.error));
    }
  }

  /** Python in the worker died (while answering `request`, if given): fail it, and tell the page once. */
  died(request, text) {
    request?.reject(lost(`Python stopped working (${text})`));
    if (this.dead) return;
    this.dead = true;
    this.events.onFatal(text);
  }

  fail(stage, text, report = true) {
    for (const request of this.pending.values()) request.reject(lost(text));
    this.pending.clear();
    if (report) this.events.onError({ stage, message: text });
  }

  /** Send a request; resolves with the worker's answer. */
  request(type, payload = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type, id, ...payload }, transfer);
    });
  }

  useModel(name) {
    return this.request("model", { name });
  }

  /** Classify canvas pixels: RGBA bytes, as getImageData gives them. */
  predict(imageData) {
    const { data, width, height } = imageData;
    return this.request("predict", { rgba: data, width, height }, [data.buffer]);
  }

  /** Classify a ready 28x28 input (784 numbers in [0, 1]), skipping the preprocessing. */
  predictInput(pixels) {
    return this.request("predict-input", { pixels: Array.from(pixels) });
  }
}

/** An error for a request that got no answer because its worker died or was replaced
 * (`lost`: the page says so once, not for every request). */
function lost(text) {
  const error = new Error(text);
  error.lost = true;
  return error;
}
