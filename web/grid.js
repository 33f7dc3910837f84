// Drawing without a mouse: the pad's 28x28 input as a grid walked with the arrow keys. A cursor
// cell is shown over the pad; Space or Enter paints it, Delete or Backspace erases it, Shift with
// an arrow paints as it moves. The cells painted are exactly the input the network reads
// (pad.setCells). An edit is finished, like a lifted pen, when Shift is released after painting
// with it, or PAUSE_MS after the last Space, Enter or Delete (while Shift is not held), or when
// the pad loses focus: then the answer is announced (#announce), once.
// Screen readers hear the cursor's row, column and ink through a live region (#pad-cursor-text).

const SIDE = 28;
const PAUSE_MS = 700;
// The brush: full ink on the cell, at least half on its four neighbours, for strokes about as
// wide and soft as MNIST's pen (a line one cell wide is thinner than any MNIST digit).
const NEIGHBOUR_INK = 0.5;
const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

export class GridKeys {
  /**
   * @param {import("./pad.js").DrawingPad} pad
   * @param {{cursor: HTMLElement, frame: HTMLElement, text: HTMLElement}} elements the cursor
   *   cell, the pad's frame (marked `keys` once the keyboard is used) and the live region.
   */
  constructor(pad, { cursor, frame, text }) {
    this.pad = pad;
    this.elements = { cursor, frame, text };
    this.row = SIDE / 2 - 1;
    this.column = SIDE / 2 - 1;
    this.timer = 0;
    this.shift = false; // Shift is held: the pen is down until it is released
    pad.canvas.addEventListener("keydown", (event) => this.key(event));
    pad.canvas.addEventListener("keyup", (event) => event.key === "Shift" && this.shiftUp());
    pad.canvas.addEventListener("blur", () => this.shiftUp());
    pad.canvas.addEventListener("pointerdown", () => frame.classList.remove("keys"));
    this.place();
  }

  get cell() {
    return this.row * SIDE + this.column;
  }

  key(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // Ctrl+Z and the browser's own keys
    if (event.key === "Shift") {
      this.shift = true;
      clearTimeout(this.timer);
      return;
    }
    const move = MOVES[event.key];
    if (move) {
      if (event.shiftKey) this.paint();
      this.row = Math.min(SIDE - 1, Math.max(0, this.row + move[0]));
      this.column = Math.min(SIDE - 1, Math.max(0, this.column + move[1]));
      if (event.shiftKey) this.paint();
    } else if (event.key === " " || event.key === "Enter") {
      this.paint();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      this.pad.setCells([[this.cell, 0]]);
      this.finishSoon();
    } else {
      return;
    }
    event.preventDefault(); // no scrolling with the arrows or Space
    this.elements.frame.classList.add("keys");
    this.place();
  }

  /** Ink the cursor cell, and its neighbours at half ink (never less ink than they have). */
  paint() {
    const changes = [[this.cell, 1]];
    for (const [dr, dc] of Object.values(MOVES)) {
      const row = this.row + dr;
      const column = this.column + dc;
      if (row < 0 || row >= SIDE || column < 0 || column >= SIDE) continue;
      const cell = row * SIDE + column;
      changes.push([cell, Math.max(NEIGHBOUR_INK, this.pad.ink(cell))]);
    }
    this.pad.setCells(changes);
    this.finishSoon();
  }

  /** Without Shift held, the edit is finished when no painting key comes for PAUSE_MS. */
  finishSoon() {
    clearTimeout(this.timer);
    if (!this.shift) this.timer = setTimeout(() => this.finish(), PAUSE_MS);
  }

  shiftUp() {
    this.shift = false;
    this.finish();
  }

  finish() {
    clearTimeout(this.timer);
    this.pad.endEdit();
  }

  /** Move the cursor cell over the pad and say where it is and what ink it holds. */
  place() {
    const { cursor, text } = this.elements;
    cursor.style.setProperty("--row", String(this.row));
    cursor.style.setProperty("--column", String(this.column));
    const ink = this.pad.ink(this.cell);
    const what = ink > 0 ? `ink ${Math.round(ink * 100)}%` : "no ink";
    text.textContent = `Row ${this.row + 1}, column ${this.column + 1}: ${what}.`;
  }
}
