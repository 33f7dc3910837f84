// The drawing pad: pointer strokes (mouse, touch, pen) on a canvas, white ink on black like
// MNIST, with undo. It keeps the strokes so that Undo can redraw the others. It can also show a
// ready 28x28 input (`setImage`, e.g. a test digit): the page then reads that input as it is.

const INK = "#fff";
const PAPER = "#000";
// MNIST's strokes are about a tenth of the digit's height; a digit drawn to fill most of the
// pad gets a similar ratio with a brush of 1/12 of the pad's width.
const BRUSH = 1 / 12;

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
    this.active = null; // the stroke being drawn and its pointer id
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

  /** Show a ready 28x28 input (784 values in [0, 1], row by row) instead of strokes. */
  setImage(pixels) {
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
    this.canvas.setPointerCapture(event.pointerId);
    this.active = { id: event.pointerId, points: [this.point(event)] };
    this.strokes.push(this.active.points);
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

  undo() {
    if (this.isEmpty) return;
    if (this.strokes.length) this.strokes.pop();
    else this.image = null;
    this.active = null;
    this.paint();
    this.onChange("undo");
  }

  clear() {
    this.strokes = [];
    this.image = null;
    this.active = null;
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
}
