// A small line chart on a canvas for the training curves: loss on the left axis, accuracy
// (0–100%) on the right, epochs along the bottom, and a vertical mark with its label where the
// learning rate changed. It draws the numbers it is given; it computes nothing about the network. Sharp on high-DPI screens; redraws itself when resized.

const COLORS = {
  grid: "#232937",
  axis: "#8b93a8",
  loss: "#ffb040",
  accuracy: "#5c9cff",
  val: "#7ee08a",
  valLoss: "#ff8a5c",
  mark: "#c9a0ff",
};

export const SERIES = [
  { key: "loss", label: "training loss", color: COLORS.loss, axis: "loss", style: "line" },
  { key: "accuracy", label: "training accuracy", color: COLORS.accuracy, axis: "accuracy", style: "line" },
  { key: "valLoss", label: "validation loss", color: COLORS.valLoss, axis: "loss", style: "dots" },
  { key: "valAccuracy", label: "validation accuracy", color: COLORS.val, axis: "accuracy", style: "dots" },
];

export class TrainingChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.data = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] }; // each: [x, y] points
    this.marks = []; // learning-rate changes: {x (epochs), lr}
    this.epochs = 1;
    this.frame = 0;
    new ResizeObserver(() => this.redraw()).observe(canvas);
  }

  clear(epochs = 1) {
    for (const key of Object.keys(this.data)) this.data[key] = [];
    this.marks = [];
    this.epochs = epochs;
    this.redraw();
  }

  /** Add points ({loss, accuracy, valLoss, valAccuracy}: [x, y] pairs, any of them) and redraw soon. */
  add(points, epochs) {
    for (const [key, point] of Object.entries(points)) if (point) this.data[key].push(point);
    this.epochs = Math.max(epochs, 1);
    this.redraw();
  }

  /** The learning-rate changes to mark: [{x, lr}], x in epochs (where the new rate's first step was). */
  setMarks(marks) {
    const same =
      marks.length === this.marks.length && marks.every((m, i) => m.x === this.marks[i].x && m.lr === this.marks[i].lr);
    if (same) return;
    this.marks = marks;
    this.redraw();
  }

  get points() {
    return Object.values(this.data).reduce((n, list) => n + list.length, 0);
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const box = { left: 40, right: width - 44, top: 10, bottom: height - 26 };
    const losses = [...this.data.loss, ...this.data.valLoss].map(([, y]) => y);
    const lossTop = niceCeiling(Math.max(0.5, ...losses));
    const x = (epoch) => box.left + ((box.right - box.left) * epoch) / this.epochs;
    const y = { loss: (v) => box.bottom - ((box.bottom - box.top) * Math.min(v, lossTop)) / lossTop };
    y.accuracy = (v) => box.bottom - (box.bottom - box.top) * v;

    ctx.font = "11px system-ui, sans-serif";
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const py = box.bottom - ((box.bottom - box.top) * i) / 4;
      ctx.strokeStyle = COLORS.grid;
      line(ctx, box.left, py, box.right, py);
      ctx.fillStyle = COLORS.loss;
      ctx.textAlign = "right";
      ctx.fillText(formatLoss((lossTop * i) / 4), box.left - 6, py + 4);
      ctx.fillStyle = COLORS.accuracy;
      ctx.textAlign = "left";
      ctx.fillText(`${25 * i}%`, box.right + 6, py + 4);
    }
    ctx.fillStyle = COLORS.axis;
    ctx.textAlign = "center";
    const step = this.epochs <= 2 ? 0.25 : Math.ceil(this.epochs / 10);
    for (let i = 0; i * step <= this.epochs + 1e-9; i++) {
      ctx.fillText(String(i * step), x(i * step), box.bottom + 16);
    }
    ctx.textAlign = "right";
    ctx.fillText("epoch", box.left - 6, box.bottom + 16);

    drawMarks(ctx, box, x, this.marks, this.epochs);
    for (const series of SERIES) {
      const points = this.data[series.key];
      const toY = y[series.axis];
      ctx.strokeStyle = ctx.fillStyle = series.color;
      if (series.style === "line") {
        ctx.lineWidth = 1.6;
        ctx.beginPath();
        points.forEach(([px, py], i) => (i ? ctx.lineTo(x(px), toY(py)) : ctx.moveTo(x(px), toY(py))));
        ctx.stroke();
      } else {
        ctx.lineWidth = 1;
        ctx.beginPath();
        points.forEach(([px, py], i) => (i ? ctx.lineTo(x(px), toY(py)) : ctx.moveTo(x(px), toY(py))));
        ctx.setLineDash([3, 3]);
        ctx.stroke();
        ctx.setLineDash([]);
        for (const [px, py] of points) {
          ctx.beginPath();
          ctx.arc(x(px), toY(py), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
  }
}

/** A dashed vertical line at each rate change, labelled "lr 0.2" at its top (labels that would
 * overlap the one before are moved down a line). */
function drawMarks(ctx, box, x, marks, epochs) {
  ctx.save();
  ctx.strokeStyle = ctx.fillStyle = COLORS.mark;
  ctx.lineWidth = 1;
  ctx.setLineDash([2, 3]);
  ctx.textAlign = "left";
  let lastRight = -Infinity;
  let row = 0;
  for (const { x: epoch, lr } of marks) {
    const px = Math.round(x(Math.min(epoch, epochs))) + 0.5;
    line(ctx, px, box.top, px, box.bottom);
    const label = `lr ${lr}`;
    const width = ctx.measureText(label).width;
    const left = Math.min(px + 3, box.right - width);
    row = left < lastRight + 4 ? (row + 1) % 3 : 0;
    ctx.fillText(label, left, box.top + 10 + 12 * row);
    lastRight = left + width;
  }
  ctx.restore();
}

function line(ctx, x1, y1, x2, y2) {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

// The loss axis' top: a multiple of 0.4 up to 4 (so that its quarters read 0.1, 0.2, 0.3 ...
// or 0.6, 1.2, 1.8 ...), then of 4; at or above the largest loss shown.
function niceCeiling(value) {
  const step = value <= 4 ? 0.4 : 4;
  return Math.ceil(value / step - 1e-9) * step;
}

function formatLoss(value) {
  return String(Math.round(value * 100) / 100);
}
