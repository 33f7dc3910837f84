// The drawing pad: pointer strokes (mouse, touch, pen) on a canvas, white ink on black like
// MNIST, with undo. It keeps the strokes so that Undo can redraw the others. It can also show a
// ready 28x28 input (`setImage`, e.g. a test digit): the page then reads that input as it is.
// The keyboard edits that input cell by cell (`setCells`, driven by grid.js).

const INK = "#fff";
const PAPER = "#000";
// MNIST's strokes are about a tenth of the digit's height; a digit drawn to fill most of the
// pad gets a similar ratio with a brush of 1/12 of the pad's width.
const BRUSH = 1 / 12;
const SIDE = 28; // the network's input is SIDE x SIDE

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {(reason: string) => void} onChange called while drawing and after undo/clear
   */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.onChange = onChange;
    this.strokes = [];
    this.image = null; // a ready 28x28 input on show (784 values in [0, 1]), or null
    this.active = null; // the stroke being drawn and its pointer id, or {keys: true} during a keyboard edit
    // What Undo takes back, newest last: "stroke" (the last stroke), or the pad as it was before a
    // ready input was set or a keyboard edit began ({strokes, image}).
    this.undos = [];
    this.paint();
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (event) => this.up(event));
    }
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.image;
  }

  get canUndo() {
    return this.undos.length > 0;
  }

  /** The pad as it is, for Undo to come back to. */
  snapshot() {
    return { strokes: [...this.strokes], image: this.image };
  }

  /** Show a ready 28x28 input (784 values in [0, 1], row by row) instead of strokes. */
  setImage(pixels) {
    this.undos.push(this.snapshot());
    this.strokes = [];
    this.active = null;
    this.image = Float32Array.from(pixels);
    this.paint();
    this.onChange("image");
  }

  /** Canvas coordinates of a pointer event (the canvas is scaled by CSS). */
  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * this.canvas.width) / box.width,
      ((event.clientY - box.top) * this.canvas.height) / box.height,
    ];
  }

  down(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    this.endEdit(); // a keyboard edit under way is finished first
    this.canvas.setPointerCapture(event.pointerId);
    this.active = { id: event.pointerId, points: [this.point(event)] };
    this.strokes.push(this.active.points);
    this.undos.push("stroke");
    this.paint();
    this.onChange("draw");
  }

  move(event) {
    if (!this.active || event.pointerId !== this.active.id) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) this.active.points.push(this.point(e));
    this.paint();
    this.onChange("draw");
  }

  up(event) {
    if (!this.active || event.pointerId !== this.active.id) return;
    this.active = null;
    this.onChange("stroke");
  }

  /** Take back the last stroke, ready input or keyboard edit (one under way included). */
  undo() {
    if (!this.canUndo) return;
    const last = this.undos.pop();
    if (last === "stroke") this.strokes.pop();
    else ({ strokes: this.strokes, image: this.image } = last);
    this.active = null;
    this.paint();
    this.onChange("undo");
  }

  clear() {
    this.strokes = [];
    this.image = null;
    this.active = null;
    this.undos = [];
    this.paint();
    this.onChange("clear");
  }

  /** Repaint: black paper, then every stroke, each as one path. Repainting everything (cheap at
   * this size) keeps the pixels identical however a drawing came about, so Undo is exact. */
  paint() {
    const { ctx, canvas } = this;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (this.image) this.drawImage();
    for (const points of this.strokes) this.line(points);
  }

  /** The 28x28 input, enlarged without smoothing (each input pixel a square). */
  drawImage() {
    const small = new OffscreenCanvas(28, 28);
    const pixels = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(this.image[i] * 255);
      pixels.data.set([v, v, v, 255], i * 4);
    }
    small.getContext("2d").putImageData(pixels, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draw one stroke (a single point is a dot). */
  line(points) {
    const { ctx, canvas } = this;
    ctx.strokeStyle = INK;
    ctx.lineWidth = canvas.width * BRUSH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(...points[0]);
    if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]);
    for (const point of points.slice(1)) ctx.lineTo(...point);
    ctx.stroke();
  }

  /** The pixels, for the network. */
  pixels() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  /** What is on the pad as a 28x28 input: the ready input itself when nothing is drawn over it,
   * else each cell's mean ink over its square of the canvas (10x10 pixels of 280x280). */
  cells() {
    if (this.image && this.strokes.length === 0) return Float32Array.from(this.image);
    const { width, height, data } = this.pixels();
    const sums = new Float32Array(SIDE * SIDE);
    const counts = new Float32Array(SIDE * SIDE);
    for (let y = 0; y < height; y++) {
      const row = Math.floor((y * SIDE) / height);
      for (let x = 0; x < width; x++) {
        const cell = row * SIDE + Math.floor((x * SIDE) / width);
        sums[cell] += data[(y * width + x) * 4] / 255; // the red channel: the ink is white
        counts[cell] += 1;
      }
    }
    return sums.map((sum, cell) => sum / counts[cell]);
  }

  /** A keyboard edit (grid.js): set cells of the 28x28 input, `changes` as [cell, ink] pairs
   * (cell = row * 28 + column, ink in [0, 1]). The first change of an edit turns what is on the
   * pad into its 28 x 28 cells (Undo brings the strokes back); from then on the network reads the
   * cells exactly as they are, as for a test digit. Live answers follow; `endEdit` finishes it. */
  setCells(changes) {
    if (!this.active?.keys) {
      this.undos.push(this.snapshot());
      this.image = this.cells();
      this.strokes = [];
      this.active = { keys: true };
    }
    for (const [cell, ink] of changes) this.image[cell] = Math.min(1, Math.max(0, ink));
    this.paint();
    this.onChange("draw");
  }

  /** The keyboard edit under way is finished (as a lifted pen finishes a stroke). A grid with
   * no ink left is an empty pad. */
  endEdit() {
    if (!this.active?.keys) return;
    this.active = null;
    if (this.image && this.image.every((ink) => ink === 0)) this.image = null;
    this.onChange("stroke");
  }

  /** One cell's ink, as the network would read it now. */
  ink(cell) {
    return this.image && this.strokes.length === 0 ? this.image[cell] : this.cells()[cell];
  }
}
