// The page's side of the Python worker: start it, follow its loading, send requests and match
// each answer to its request. No math here; worker.js runs the Python.

export class PythonWorker {
  /**
   * @param {{onProgress: Function, onReady: Function, onError: Function}} events
   */
  constructor(events) {
    this.events = events;
    this.pending = new Map();
    this.nextId = 1;
    this.start();
  }

  start() {
    this.worker = new Worker(new URL("./worker.js", import.meta.url));
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail("runtime", event.message || "the worker could not start");
    };
  }

  /** Stop the worker (and whatever it was loading) and start a new one. */
  restart() {
    this.worker.terminate();
    this.fail("restart", "restarted", false);
    this.start();
  }

  receive(message) {
    if (message.type === "progress") this.events.onProgress(message);
    else if (message.type === "ready") this.events.onReady(message);
    else if (message.type === "error") this.fail(message.stage, message.message);
    else if (message.type === "training") this.onTraining?.(message); // set by train.js
    else if (message.type === "result") {
      const request = this.pending.get(message.id);
      if (!request) return;
      this.pending.delete(message.id);
      if (message.ok) request.resolve(message.value);
      else request.reject(new Error(message.error));
    }
  }

  fail(stage, text, report = true) {
    for (const request of this.pending.values()) request.reject(new Error(text));
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
