/** Index of the largest of `classes` values starting at `offset` (the first on ties). */
export function argmax(values: ArrayLike<number>, offset: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}

/** Number of rows of `logits` [n, classes] whose argmax equals the label. */
export function countCorrect(logits: ArrayLike<number>, labels: ArrayLike<number | bigint>, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (argmax(logits, i * classes, classes) === Number(labels[i])) correct++;
  return correct;
}
