// CSS `order` values for the hidden-unit tiles, changed as little as possible from one answer to
// the next: the browser lays the tiles out again for every value that changes (issue 15, item 6).

const GAP = 1024; // values are spaced this far apart when numbered afresh, so others fit between
const LIMIT = 2 ** 30; // CSS keeps `order` within 32-bit integers: number afresh long before that

/** New `order` values for items that must be laid out in the order of the list, given their
 * `current` values (null: none yet). The longest run of items whose values already increase
 * along the list keeps them (a longest increasing subsequence); every other item gets a value
 * in the gap between its kept neighbours, and only when a gap is too small are all numbered
 * afresh (0, GAP, 2 GAP...). Returns the values, one per item, strictly increasing. */
export function orderValues(current) {
  const values = [...current];
  const keep = longestIncreasing(current);
  for (let i = 0; i < values.length;) {
    if (keep[i]) {
      i++;
      continue;
    }
    let j = i; // items i..j-1 are not kept: they go between the kept values[i-1] and values[j]
    while (j < values.length && !keep[j]) j++;
    const high = j < values.length ? values[j] : (i > 0 ? values[i - 1] : 0) + (j - i + 1) * GAP;
    const low = i > 0 ? values[i - 1] : high - (j - i + 1) * GAP;
    const step = (high - low) / (j - i + 1);
    if (step < 1 || low < -LIMIT || high > LIMIT) return current.map((_, n) => n * GAP);
    for (let n = i; n < j; n++) values[n] = Math.floor(low + step * (n - i + 1));
    i = j;
  }
  return values;
}

/** Which of `values` (numbers or null) form a longest strictly increasing subsequence, as a list
 * of booleans (patience sorting, n log n: tails[l] ends the best run of length l + 1 so far). */
export function longestIncreasing(values) {
  const tails = [];
  const previous = new Array(values.length).fill(-1);
  values.forEach((value, i) => {
    if (value === null) return;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (values[tails[middle]] < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[i] = tails[low - 1];
    tails[low] = i;
  });
  const keep = new Array(values.length).fill(false);
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) keep[i] = true;
  return keep;
}
